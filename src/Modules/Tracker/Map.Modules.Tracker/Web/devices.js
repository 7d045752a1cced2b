/* Tracker devices: counters total/online/stale/revoked, search and state filter, revoke/restore (superadmin), link to
   each device's page. Live: any tracker event refreshes the list (debounced). */
(function () {
  'use strict';
  var ui = window.MapUI;
  var trk = window.TrackerUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var limit = 50;
  var offset = 0;
  var onlineWindowSec = 60;
  var canManage = ui.hasRole('superadmin');
  var initial = new URLSearchParams(location.search).get('state') || '';
  if (/^(online|stale|revoked)$/.test(initial)) { $('devices-state').value = initial; }

  function stateParams(params, name) {
    if (name === 'online') { params.set('online', '1'); }
    if (name === 'stale') { params.set('online', '0'); params.set('revoked', '0'); }
    if (name === 'revoked') { params.set('revoked', '1'); }
    return params;
  }

  function markFilter() {
    document.querySelectorAll('.trk-tiles [data-filter]').forEach(function (tile) {
      tile.setAttribute('aria-pressed', String(tile.getAttribute('data-filter') === $('devices-state').value));
    });
  }

  function action(device, name, button) {
    if (name === 'revoke' && !window.confirm(t('device.revoke.confirm', { device: device.label || device.public_id }))) { return; }
    ui.busy(button, function () {
      return ui.api('/api/tracker/admin/device/' + encodeURIComponent(device.public_id) + '/' + name, { method: 'POST', json: {} }).then(function () {
        ui.toast(t(name === 'revoke' ? 'device.revoked' : 'device.restored'), 'ok');
        return load();
      });
    });
  }

  function row(device, nowMs) {
    var state = trk.state(device, onlineWindowSec, nowMs);
    var health = device.health || {};
    var point = device.last_point;
    var actions = h('td', {});
    if (canManage) {
      actions.appendChild(device.is_revoked
        ? h('button', { type: 'button', 'data-action': 'restore', text: t('device.restore'), onclick: function (e) { action(device, 'restore', e.currentTarget); } })
        : h('button', { type: 'button', class: 'danger', 'data-action': 'revoke', text: t('device.revoke'), onclick: function (e) { action(device, 'revoke', e.currentTarget); } }));
    }
    return h('tr', { 'data-device-id': device.public_id, 'data-state': state },
      h('td', {}, h('a', { href: '/admin/devices/' + encodeURIComponent(device.public_id), text: device.label || device.public_id }),
        h('div', { class: 'muted trk-small', text: device.public_id })),
      h('td', { text: device.user_id + (device.unit_label ? ' · ' + device.unit_label : '') }),
      h('td', {}, trk.stateBadge(state), device.tracking_active ? h('span', { class: 'trk-small muted', text: ' ' + t('devices.tracking') }) : null),
      h('td', { title: ui.formatTime(device.last_seen_at), text: trk.age(device.last_seen_at) }),
      h('td', { 'data-last-point': point ? point.ts : '', title: point ? point.lat.toFixed(5) + ', ' + point.lon.toFixed(5) : '', text: point ? ui.formatTime(point.ts) : '—' }),
      h('td', { text: health.battery_pct === null || health.battery_pct === undefined ? '—' : health.battery_pct + '%' + (health.is_charging ? ' ⚡' : '') }),
      h('td', { text: trk.number(health.queue_size, 0) }),
      h('td', {}, device.active_alerts ? h('a', { class: 'trk-badge trk-sev-warn', href: '/admin/devices/' + encodeURIComponent(device.public_id) + '#alerts', text: String(device.active_alerts) }) : '0'),
      actions);
  }

  function load() {
    var params = stateParams(new URLSearchParams({ limit: limit, offset: offset }), $('devices-state').value);
    var q = $('devices-q').value.trim();
    if (q) { params.set('q', q); }
    markFilter();
    return Promise.all([
      ui.api('/api/tracker/admin/devices?' + params.toString()),
      ui.api('/api/tracker/admin/devices?' + stateParams(new URLSearchParams({ limit: 20 }), 'stale').toString())
    ]).then(function (answers) {
      var page = answers[0];
      var nowMs = new Date(page.server_time).getTime();
      $('count-total').textContent = String(page.counters.total);
      $('count-online').textContent = String(page.counters.online);
      $('count-stale').textContent = String(answers[1].total);
      $('count-revoked').textContent = String(page.counters.revoked);
      var body = ui.clear($('devices-body'));
      if (!page.devices.length) { body.appendChild(h('tr', {}, h('td', { colspan: 9, class: 'muted', text: t('devices.empty') }))); }
      page.devices.forEach(function (device) { body.appendChild(row(device, nowMs)); });
      $('devices-page').textContent = t('pager.range', { from: page.total ? offset + 1 : 0, to: offset + page.devices.length, total: page.total });
      $('devices-prev').disabled = offset === 0;
      $('devices-next').disabled = !page.has_more;
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  var reload = trk.debounce(load, 400);
  $('devices-filters').addEventListener('submit', function (event) { event.preventDefault(); offset = 0; load(); });
  $('devices-state').addEventListener('change', function () { offset = 0; load(); });
  document.querySelectorAll('.trk-tiles [data-filter]').forEach(function (tile) {
    tile.addEventListener('click', function () { $('devices-state').value = tile.getAttribute('data-filter'); offset = 0; load(); });
  });
  $('devices-prev').addEventListener('click', function () { offset = Math.max(0, offset - limit); load(); });
  $('devices-next').addEventListener('click', function () { offset += limit; load(); });
  ['tracking_batch', 'tracking_started', 'tracking_stopped', 'tracker_health', 'tracker_paired', 'tracker_device_updated', 'tracker_alert', 'tracker_alert_closed']
    .forEach(function (name) { ui.realtime.on(name, reload); });
  ui.realtime.onResync(load);
  // While the socket is down the list is polled (every 20 s), as the predecessor's page did.
  setInterval(function () { if (document.documentElement.getAttribute('data-live') !== 'open') { load(); } }, 20000);
  ui.api('/api/tracker/admin/metrics').then(function (m) { onlineWindowSec = m.metrics.online_window_sec || 60; }, function () { /* default window */ }).then(load);
}());
