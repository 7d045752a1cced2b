/* Duty's SOS overlay (duty spec §4.8, decision 0087), added by the shell to the duty page, the main map and the
   command centre. A full-screen card for the most urgent alarm (newest open, else newest acked) with Ack (open only)
   and Close (confirm) for editors. State: GET /api/duty/admin/sos/active on load, every 30 s and after a reconnect,
   plus sos_created / sos_acked / sos_escalated (upsert by id) and sos_closed (remove). User text is set as text only. */
(function () {
  'use strict';
  var ui = window.MapUI;
  if (!ui || !ui.user) { return; }
  var h = ui.h;
  var t = ui.t;
  var alerts = {};
  var hiddenId = null;
  var overlay = null;
  var badge = null;
  var canWrite = ui.hasRole('editor');

  function newestFirst(a, b) {
    var ta = Date.parse(a.created_at + (/[zZ]$/.test(a.created_at) ? '' : 'Z')) || 0;
    var tb = Date.parse(b.created_at + (/[zZ]$/.test(b.created_at) ? '' : 'Z')) || 0;
    return tb - ta || b.id - a.id;
  }

  function active() {
    return Object.keys(alerts).map(function (id) { return alerts[id]; })
      .filter(function (s) { return s.status === 'open' || s.status === 'acked'; })
      .sort(newestFirst);
  }

  function urgent(list) {
    return list.filter(function (s) { return s.status === 'open'; })[0] || list[0] || null;
  }

  function unitName(sos) { return sos.unit_label || t('duty.unit.tg', { user: sos.user_id }); }

  function map() {
    if (window.DutyPage && window.DutyPage.map) { return window.DutyPage.map; }
    if (window.MapPage && window.MapPage.map) { return window.MapPage.map; }
    return null;
  }

  function row(label, value) {
    return [h('dt', { text: label }), h('dd', { text: value === null || value === undefined || value === '' ? '—' : String(value) })];
  }

  function remove(element) { if (element && element.parentNode) { element.parentNode.removeChild(element); } }

  function render() {
    var list = active();
    var sos = urgent(list);
    remove(overlay); overlay = null;
    remove(badge); badge = null;
    document.documentElement.setAttribute('data-sos-active', String(list.length));
    if (!sos) { return; }
    if (hiddenId === sos.id) {
      badge = h('button', { type: 'button', class: 'sos-badge', id: 'sos-badge', text: t('sos.show', { n: list.length }),
        onclick: function () { hiddenId = null; render(); } });
      document.body.appendChild(badge);
      return;
    }
    var hasPoint = typeof sos.lat === 'number' && typeof sos.lon === 'number';
    var actions = h('div', { class: 'sos-actions' });
    if (hasPoint && map()) {
      actions.appendChild(h('button', { type: 'button', id: 'sos-pan', text: t('sos.pan'), onclick: function () {
        map().setView([sos.lat, sos.lon], Math.max(map().getZoom(), 16));
        hiddenId = sos.id;
        render();
      } }));
    }
    actions.appendChild(h('a', { class: 'button', id: 'sos-chat', href: '/admin/chat?user_id=' + encodeURIComponent(sos.user_id), text: t('sos.chat') }));
    if (canWrite && sos.status === 'open') {
      actions.appendChild(h('button', { type: 'button', class: 'primary', id: 'sos-ack', text: t('sos.ack'), onclick: function (e) { act(e.currentTarget, sos, 'ack'); } }));
    }
    if (canWrite) {
      actions.appendChild(h('button', { type: 'button', class: 'danger', id: 'sos-close', text: t('sos.close'), onclick: function (e) {
        if (!window.confirm(t('sos.close.confirm', { id: sos.id }))) { return; }
        act(e.currentTarget, sos, 'close');
      } }));
    }
    actions.appendChild(h('button', { type: 'button', id: 'sos-hide', text: t('sos.hide'), onclick: function () { hiddenId = sos.id; render(); } }));
    overlay = h('div', { class: 'sos-overlay', id: 'sos-overlay', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'sos-title', 'data-sos-id': sos.id, 'data-sos-status': sos.status },
      h('div', { class: 'sos-card' },
        h('h2', { id: 'sos-title' }, t('sos.title') + ' #' + sos.id, h('span', { class: 'sos-status ' + sos.status, id: 'sos-status', text: t('sos.status.' + sos.status) })),
        list.length > 1 ? h('p', { class: 'sos-more', text: t('sos.more', { n: list.length - 1 }) }) : null,
        h('dl', {},
          row(t('sos.unit'), unitName(sos)),
          row(t('sos.user'), sos.user_id),
          row(t('sos.time'), ui.formatTime(sos.created_at)),
          row(t('sos.coords'), hasPoint ? sos.lat.toFixed(5) + ', ' + sos.lon.toFixed(5) : null),
          row(t('sos.accuracy'), typeof sos.accuracy_m === 'number' ? t('sos.accuracy.value', { m: Math.round(sos.accuracy_m) }) : null),
          row(t('sos.note'), sos.note)),
        actions));
    document.body.appendChild(overlay);
  }

  function act(button, sos, action) {
    ui.busy(button, function () {
      return ui.api('/api/duty/admin/sos/' + sos.id + '/' + action, { method: 'POST', json: {} }).then(function (answer) {
        if (answer && answer.sos) { upsert(answer.sos); }
        ui.toast(t(action === 'ack' ? 'sos.acked' : 'sos.closed'), 'ok');
      });
    });
  }

  function upsert(sos) {
    if (!sos || typeof sos.id !== 'number') { return; }
    if (sos.status === 'closed') { delete alerts[sos.id]; } else { alerts[sos.id] = sos; }
    render();
  }

  function load() {
    return ui.api('/api/duty/admin/sos/active').then(function (list) {
      alerts = {};
      (Array.isArray(list) ? list : []).forEach(function (sos) { alerts[sos.id] = sos; });
      render();
    }, function () { /* the next poll or event retries */ });
  }

  ui.realtime.on('sos_created', function (sos) { if (sos && hiddenId === sos.id) { hiddenId = null; } upsert(sos); });
  ui.realtime.on('sos_acked', upsert);
  ui.realtime.on('sos_closed', function (sos) { if (sos && typeof sos.id === 'number') { delete alerts[sos.id]; render(); } });
  ui.realtime.on('sos_escalated', function (data) {
    if (!data || !data.sos) { return; }
    if (hiddenId === data.sos.id) { hiddenId = null; }
    upsert(data.sos);
    ui.toast(t('sos.escalated', { id: data.sos.id, step: data.step }), 'error');
  });
  ui.realtime.onResync(load);
  setInterval(load, 30000);
  window.DutySos = { reload: load, active: active };

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', load); } else { load(); }
}());
