/* /admin/service ("Служба", admin-platform spec §4.10): service-access requests (approve / deny with a note) and the
   users list (revoke), phone-connect requests (approve → the Telegram button is sent through the outbox, deny, reset)
   with their token state and send result, the base-URL hints of /api/system/lan-info, and the "issue pair code"
   dialog with the code's QR image. Every API here is editor-only, so a viewer sees a notice and no controls.
   Refresh: on load, after each action, on "Обновить" and every 15 s. User text is set as text only. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var canWrite = ui.hasRole('editor');
  var qrUrl = null;

  function label(prefix, value) { var key = prefix + value; var text = t(key); return text === key ? String(value) : text; }

  function noteInput(id) {
    return h('input', { class: 'svc-row-note', maxlength: 256, 'aria-label': t('service.col.decision_note'), placeholder: t('service.note.placeholder'), 'data-note-for': id });
  }

  function act(button, url, body, done) {
    return ui.busy(button, function () {
      return ui.api(url, { method: 'POST', json: body }).then(function (answer) {
        ui.toast(done, 'ok');
        load();
        return answer;
      });
    });
  }

  function accessDecide(button, row, action, noteField) {
    var note = noteField ? noteField.value.trim() : '';
    if (action === 'revoke' && !window.confirm(t('service.access.revoke.confirm', { tg: row.tg_user_id }))) { return; }
    act(button, '/api/service/access/admin/' + action, { tg_user_id: row.tg_user_id, note: note || null }, t('service.access.done.' + action));
  }

  function pendingRow(row) {
    var note = noteInput(row.tg_user_id);
    return h('tr', { 'data-tg-id': row.tg_user_id },
      h('td', { class: 'svc-tg', text: row.tg_user_id }),
      h('td', { text: ui.formatTime(row.requested_at) || '—' }),
      h('td', { text: row.note || '—' }),
      h('td', {}, note),
      h('td', {},
        h('button', { type: 'button', class: 'primary svc-access-approve', text: t('service.approve'), onclick: function (e) { accessDecide(e.currentTarget, row, 'approve', note); } }),
        h('button', { type: 'button', class: 'danger svc-access-deny', text: t('service.deny'), onclick: function (e) { accessDecide(e.currentTarget, row, 'deny', note); } })));
  }

  function userRow(row) {
    var actions = h('td', {});
    if (row.status === 'officer' || row.status === 'admin' || row.status === 'denied') {
      actions.appendChild(h('button', { type: 'button', class: 'svc-access-revoke', text: t('service.revoke'), onclick: function (e) { accessDecide(e.currentTarget, row, 'revoke', null); } }));
    }
    return h('tr', { 'data-tg-id': row.tg_user_id, 'data-status': row.status },
      h('td', { class: 'svc-tg', text: row.tg_user_id }),
      h('td', {}, h('span', { class: 'trk-badge svc-status-' + row.status, text: label('service.access.status.', row.status) })),
      h('td', { text: row.decided_at ? t('service.decided', { who: row.decided_by || '—', at: ui.formatTime(row.decided_at) }) : '—' }),
      h('td', { text: row.note || '—' }),
      actions);
  }

  function sendCell(row) {
    if (row.send_ok === true) {
      return h('td', { class: 'svc-send', 'data-send-ok': 'true' }, h('span', { class: 'svc-ok', text: t('service.send.ok') }),
        row.last_sent_at ? h('div', { class: 'muted trk-small', text: ui.formatTime(row.last_sent_at) + (row.last_sent_via ? ' · ' + label('service.send.via.', row.last_sent_via) : '') }) : null);
    }
    if (row.send_ok === false) {
      return h('td', { class: 'svc-send', 'data-send-ok': 'false' }, h('span', { class: 'svc-fail', text: t('service.send.failed') }),
        h('div', { class: 'trk-small svc-send-error', text: row.last_send_error || '' }));
    }
    return h('td', { class: 'svc-send', 'data-send-ok': '' }, h('span', { class: 'muted', text: row.status === 'approved' ? t('service.send.queued') : '—' }));
  }

  function tokenCell(row) {
    var detail = row.last_token_state === 'used' ? ui.formatTime(row.last_token_used_at)
      : row.last_token_state === 'active' || row.last_token_state === 'expired' ? t('service.token.until', { at: ui.formatTime(row.last_token_expires_at) }) : '';
    return h('td', { class: 'svc-token', 'data-token-state': row.last_token_state },
      h('span', { class: 'trk-badge svc-token-' + row.last_token_state, text: label('service.token.', row.last_token_state) }),
      detail ? h('div', { class: 'muted trk-small', text: detail }) : null);
  }

  function connectDecide(button, row, action, noteField) {
    var body = { tg_user_id: row.tg_user_id, note: noteField.value.trim() || null };
    if (action === 'approve') { body.base_url = $('svc-base-url').value || 'auto'; }
    if (action === 'approve' && row.status === 'approved' && !window.confirm(t('service.connect.reissue.confirm'))) { return; }
    act(button, '/api/mobile/connect/admin/' + action, body, t('service.connect.done.' + action));
  }

  function connectRow(row) {
    var note = noteInput(row.tg_user_id);
    var actions = h('td', {}, note, h('br'),
      h('button', { type: 'button', class: 'primary svc-connect-approve', text: row.status === 'approved' ? t('service.connect.reissue') : t('service.approve'), onclick: function (e) { connectDecide(e.currentTarget, row, 'approve', note); } }),
      row.status !== 'denied' ? h('button', { type: 'button', class: 'danger svc-connect-deny', text: t('service.deny'), onclick: function (e) { connectDecide(e.currentTarget, row, 'deny', note); } }) : null,
      row.status !== 'pending' ? h('button', { type: 'button', class: 'svc-connect-reset', text: t('service.reset'), onclick: function (e) { connectDecide(e.currentTarget, row, 'reset', note); } }) : null);
    return h('tr', { 'data-tg-id': row.tg_user_id, 'data-status': row.status },
      h('td', { class: 'svc-tg' }, h('div', { text: row.tg_user_id }),
        h('div', { class: 'muted trk-small', text: t('service.connect.service_status', { status: label('service.access.status.', row.service_status) }) })),
      h('td', {}, h('span', { class: 'trk-badge svc-connect-' + row.status, text: label('service.connect.status.', row.status) }),
        h('div', { class: 'muted trk-small', text: ui.formatTime(row.updated_at) })),
      h('td', { class: 'svc-tg', text: row.base_url || t('service.lan.auto') }),
      tokenCell(row),
      sendCell(row),
      h('td', { text: row.note || '—' }),
      actions);
  }

  function fill(body, rows, make, columns, empty) {
    ui.clear(body);
    if (!rows.length) { body.appendChild(h('tr', {}, h('td', { colspan: columns, class: 'muted', text: t(empty) }))); }
    rows.forEach(function (row) { body.appendChild(make(row)); });
  }

  function keepNotes(container) {
    var notes = {};
    container.querySelectorAll('input[data-note-for]').forEach(function (input) { if (input.value) { notes[input.getAttribute('data-note-for')] = input.value; } });
    return function () {
      container.querySelectorAll('input[data-note-for]').forEach(function (input) {
        var value = notes[input.getAttribute('data-note-for')];
        if (value) { input.value = value; }
      });
    };
  }

  function load() {
    if (!canWrite) { return Promise.resolve(); }
    return Promise.all([
      ui.api('/api/service/access/admin/pending'),
      ui.api('/api/service/access/admin/users'),
      ui.api('/api/mobile/connect/admin/requests')
    ]).then(function (answers) {
      var restoreAccess = keepNotes($('svc-access-pending'));
      var restoreConnect = keepNotes($('svc-connect-body'));
      var pending = answers[0].items;
      fill($('svc-access-pending'), pending, pendingRow, 5, 'service.access.empty');
      fill($('svc-access-users'), answers[1].items.filter(function (row) { return row.status !== 'pending'; }), userRow, 5, 'service.users.empty');
      fill($('svc-connect-body'), answers[2], connectRow, 7, 'service.connect.empty');
      restoreAccess();
      restoreConnect();
      $('svc-access-count').textContent = String(pending.length);
      $('svc-connect-count').textContent = String(answers[2].filter(function (row) { return row.status === 'pending'; }).length);
      document.documentElement.setAttribute('data-service-loaded', String(Date.now()));
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function loadLan() {
    return ui.api('/api/system/lan-info').then(function (info) {
      var list = ui.clear($('svc-lan-urls'));
      var select = $('svc-base-url');
      (info.recommended_base_urls || []).forEach(function (url) {
        var tags = [];
        if (url === info.preferred_base_url) { tags.push(t('service.lan.preferred')); }
        if (url === info.current_origin) { tags.push(t('service.lan.current')); }
        list.appendChild(h('li', {}, h('code', { text: url }), tags.length ? ' ' + tags.join(', ') : null));
        select.appendChild(h('option', { value: url, text: url }));
      });
      if (!list.firstChild) { list.appendChild(h('li', { class: 'muted', text: t('service.lan.none') })); }
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function showQr(code) {
    var img = $('svc-pair-qr');
    img.hidden = true;
    if (qrUrl) { URL.revokeObjectURL(qrUrl); qrUrl = null; }
    return ui.request('/api/tracker/admin/pair-code/qr', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'image/svg+xml' }, body: JSON.stringify({ code: code }) })
      .then(function (response) {
        if (!response.ok) { throw new ui.ApiError(response.status, t('service.pair.qr_failed'), null); }
        return response.blob();
      })
      .then(function (blob) {
        qrUrl = URL.createObjectURL(blob);
        img.src = qrUrl;
        img.hidden = false;
      });
  }

  function issueCode(event) {
    event.preventDefault();
    var deviceLabel = $('svc-pair-label').value.trim();
    ui.busy($('svc-pair-issue'), function () {
      return ui.api('/api/tracker/admin/pair-code', { method: 'POST', json: { label: deviceLabel || null } }).then(function (issued) {
        $('svc-pair-code').textContent = issued.code;
        $('svc-pair-expires').textContent = t('service.pair.expires', { min: issued.expires_in_min });
        $('svc-pair-result').hidden = false;
        return showQr(issued.code);
      });
    });
  }

  function closeDialog() {
    $('svc-pair-dialog').close();
    $('svc-pair-result').hidden = true;
    $('svc-pair-code').textContent = '';
    $('svc-pair-qr').removeAttribute('src');
    if (qrUrl) { URL.revokeObjectURL(qrUrl); qrUrl = null; }
  }

  if (!canWrite) {
    $('svc-readonly').hidden = false;
    $('svc-refresh').hidden = true;
    return;
  }

  ['svc-lan', 'svc-access', 'svc-connect', 'svc-pair-open'].forEach(function (id) { $(id).hidden = false; });
  $('svc-refresh').addEventListener('click', function (e) { ui.busy(e.currentTarget, load); });
  $('svc-pair-open').addEventListener('click', function () { $('svc-pair-dialog').showModal(); $('svc-pair-label').focus(); });
  $('svc-pair-form').addEventListener('submit', issueCode);
  $('svc-pair-close').addEventListener('click', closeDialog);
  $('svc-pair-dialog').addEventListener('cancel', function () { closeDialog(); });
  // The poll skips a turn while a note is being typed, so the row under the cursor is not redrawn.
  setInterval(function () {
    var typing = document.activeElement && document.activeElement.hasAttribute('data-note-for');
    if (!document.hidden && !typing) { load(); }
  }, 15000);
  loadLan().then(load);
}());
