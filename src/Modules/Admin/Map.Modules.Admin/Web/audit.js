/* Audit log (superadmin): exact filters on action and actor, paging (X-Total-Count), chain verification. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var limit = 50;
  var offset = 0;
  var total = 0;

  function load() {
    var params = new URLSearchParams({ limit: limit, offset: offset });
    if ($('audit-action').value.trim()) { params.set('action', $('audit-action').value.trim()); }
    if ($('audit-actor').value.trim()) { params.set('actor', $('audit-actor').value.trim()); }
    return ui.request('/api/audit?' + params.toString()).then(function (response) {
      total = Number(response.headers.get('X-Total-Count') || '0');
      return ui.api('/api/audit?' + params.toString());
    }).then(function (rows) {
      var body = ui.clear($('audit-body'));
      if (!rows.length) { body.appendChild(h('tr', {}, h('td', { colspan: 5, class: 'muted', text: t('audit.empty') }))); }
      rows.forEach(function (row) {
        body.appendChild(h('tr', { 'data-audit-id': row.id },
          h('td', { text: ui.formatTime(row.ts) }),
          h('td', { text: (row.actor || '') + (row.role ? ' (' + row.role + ')' : '') }),
          h('td', { text: row.action }),
          h('td', { text: row.ip || '' }),
          h('td', {}, h('code', { text: row.payload === null || row.payload === undefined ? '' : JSON.stringify(row.payload) }))));
      });
      $('audit-page').textContent = t('audit.page', { from: total ? offset + 1 : 0, to: offset + rows.length, total: total });
      $('audit-prev').disabled = offset === 0;
      $('audit-next').disabled = offset + rows.length >= total;
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  $('audit-filters').addEventListener('submit', function (event) { event.preventDefault(); offset = 0; load(); });
  $('audit-prev').addEventListener('click', function () { offset = Math.max(0, offset - limit); load(); });
  $('audit-next').addEventListener('click', function () { offset += limit; load(); });
  $('audit-verify').addEventListener('click', function (event) {
    ui.busy(event.currentTarget, function () {
      return ui.api('/api/audit/verify').then(function (result) {
        var line = $('audit-chain');
        line.className = result.ok ? 'ok' : 'error';
        line.textContent = result.ok ? t('audit.verify.ok', { rows: result.rows }) : t('audit.verify.broken', { id: result.first_broken_id, rows: result.rows });
      });
    });
  });
  load();
}());
