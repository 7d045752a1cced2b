/* One tracker device: facts and health now, revoke/restore/rotate (superadmin), the route on the map for 1 h–7 d,
   health charts (battery, queue, accuracy) for 1–24 h, exports, alerts with ACK/close. Live: a tracking_batch of this
   device extends the route without reload; health, alert and device events refresh their part. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var trk = window.TrackerUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop());
  var base = '/api/tracker/admin/device/' + encodeURIComponent(id);
  var device = null;
  var onlineWindowSec = 60;
  var routePoints = [];
  var routeFrom = 0;

  // --- map (Leaflet from the Markers module's vendored copy)
  var map = L.map('route-map', { center: [53.9, 27.56], zoom: 12 });
  if (ui.boot.tileUrl) {
    L.tileLayer(ui.boot.tileUrl, { maxZoom: 19, attribution: ui.boot.tileAttribution || '' }).addTo(map);
  } else {
    $('route-map').classList.add('no-tiles');
  }
  var line = L.polyline([], { color: '#1d5fbf', weight: 4, opacity: 0.85 }).addTo(map);
  var start = L.circleMarker([0, 0], { radius: 6, color: '#1e7b3c', fillOpacity: 1 });
  var last = L.circleMarker([0, 0], { radius: 8, color: '#b3261e', fillOpacity: 1 });

  function info(label, value) { return h('div', {}, h('dt', { text: label }), h('dd', { text: value === null || value === undefined || value === '' ? '—' : String(value) })); }

  function renderDevice(nowMs) {
    var state = trk.state(device, onlineWindowSec, nowMs);
    var health = device.health || {};
    document.title = t('device.title') + ': ' + (device.label || device.public_id);
    $('device-name').textContent = device.label || device.public_id;
    ui.clear($('device-state')).appendChild(trk.stateBadge(state));
    var dl = ui.clear($('device-info'));
    [
      info(t('device.id'), device.public_id),
      info(t('devices.user'), device.user_id + (device.unit_label ? ' · ' + device.unit_label : '')),
      info(t('devices.last_seen'), device.last_seen_at ? ui.formatTime(device.last_seen_at) + ' (' + trk.age(device.last_seen_at) + ')' : t('never')),
      info(t('devices.last_point'), device.last_point ? ui.formatTime(device.last_point.ts) + ' · ' + device.last_point.lat.toFixed(5) + ', ' + device.last_point.lon.toFixed(5) : '—'),
      info(t('device.tracking'), device.tracking_active ? t('device.tracking.on', { session: device.active_session_id }) : t('device.tracking.off')),
      info(t('devices.battery'), health.battery_pct === null || health.battery_pct === undefined ? null : health.battery_pct + '%' + (health.is_charging ? ' ' + t('device.charging') : '')),
      info(t('devices.queue'), health.queue_size),
      info(t('device.accuracy'), health.accuracy_m === null || health.accuracy_m === undefined ? null : trk.number(health.accuracy_m) + ' м'),
      info(t('device.net_gps'), [health.net, health.gps].filter(Boolean).join(' / ')),
      info(t('device.last_error'), health.last_error),
      info(t('device.model'), [device.device_model, device.os_version, device.app_version ? 'v' + device.app_version : null].filter(Boolean).join(' · ')),
      info(t('devices.alerts'), device.active_alerts)
    ].forEach(function (pair) { dl.appendChild(pair); });
    var manage = ui.hasRole('superadmin');
    $('device-revoke').hidden = !manage || device.is_revoked;
    $('device-restore').hidden = !manage || !device.is_revoked;
    $('device-rotate').hidden = !manage;
  }

  function loadDevice() {
    return ui.api(base).then(function (answer) {
      device = answer.device;
      renderDevice(new Date(answer.server_time).getTime());
    }, function (error) {
      $('device-name').textContent = error.status === 404 ? t('device.not_found') : error.message;
    });
  }

  function manage(name, button) {
    if (name === 'revoke' && !window.confirm(t('device.revoke.confirm', { device: device.label || device.public_id }))) { return; }
    if (name === 'rotate' && !window.confirm(t('device.rotate.confirm'))) { return; }
    ui.busy(button, function () {
      return ui.api(base + '/' + name, { method: 'POST', json: {} }).then(function (answer) {
        if (name === 'rotate') {
          $('device-token-value').textContent = answer.new_token;
          $('device-token').hidden = false;
        }
        ui.toast(t(name === 'revoke' ? 'device.revoked' : name === 'restore' ? 'device.restored' : 'device.rotated'), 'ok');
        return loadDevice();
      });
    });
  }

  // --- route
  function drawRoute(fit) {
    var latlngs = routePoints.map(function (p) { return [p.lat, p.lon]; });
    line.setLatLngs(latlngs);
    $('route-map').setAttribute('data-route-points', String(latlngs.length));
    $('route-count').textContent = latlngs.length ? t('device.route.count', { n: latlngs.length }) : t('device.route.empty');
    if (!latlngs.length) { start.remove(); last.remove(); return; }
    start.setLatLng(latlngs[0]).addTo(map);
    last.setLatLng(latlngs[latlngs.length - 1]).addTo(map);
    last.bindTooltip(ui.formatTime(routePoints[routePoints.length - 1].ts));
    if (fit) { map.fitBounds(line.getBounds(), { padding: [24, 24], maxZoom: 17 }); }
  }

  function loadRoute() {
    var hours = Number($('route-hours').value);
    routeFrom = Date.now() - hours * 3600 * 1000;
    updateExports();
    return ui.api(base + '/points?limit=5000&hours=' + hours).then(function (answer) {
      routePoints = answer.items.slice().reverse();
      drawRoute(true);
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function appendBatch(batch) {
    var known = {};
    routePoints.forEach(function (p) { known[p.ts] = true; });
    (batch.points || []).forEach(function (p) {
      if (!known[p.ts] && new Date(p.ts).getTime() >= routeFrom) { routePoints.push({ ts: p.ts, lat: p.lat, lon: p.lon }); }
    });
    routePoints.sort(function (a, b) { return new Date(a.ts) - new Date(b.ts); });
    drawRoute(routePoints.length === (batch.points || []).length);
  }

  // --- health charts
  function loadHealth() {
    var hours = Number($('health-hours').value);
    var toMs = Date.now();
    var fromMs = toMs - hours * 3600 * 1000;
    return ui.api(base + '/health_log?limit=2000&hours=' + hours).then(function (answer) {
      var rows = answer.items.slice().reverse();
      var series = function (field) { return rows.map(function (r) { return { x: new Date(r.updated_at).getTime(), y: r[field] }; }); };
      trk.lineChart($('chart-battery'), series('battery_pct'), { fromMs: fromMs, toMs: toMs, yMin: 0, yMax: 100, thresholds: [15, 7], title: t('chart.battery') });
      trk.lineChart($('chart-queue'), series('queue_size'), { fromMs: fromMs, toMs: toMs, yMin: 0, thresholds: [50, 150], title: t('chart.queue') });
      trk.lineChart($('chart-accuracy'), series('accuracy_m'), { fromMs: fromMs, toMs: toMs, yMin: 0, thresholds: [50, 120], title: t('chart.accuracy') });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  // --- exports: the route's period for health and points, the alerts' period for alerts
  function updateExports() {
    var routeHours = $('route-hours').value;
    var alertHours = $('alerts-hours').value;
    $('export-health').href = base + '/export/health.csv?hours=' + $('health-hours').value;
    $('export-points-csv').href = base + '/export/points.csv?hours=' + routeHours;
    $('export-points-gpx').href = base + '/export/points.gpx?hours=' + routeHours;
    $('export-alerts').href = base + '/export/alerts.csv?hours=' + alertHours + '&active=' + $('alerts-active').value;
  }

  // --- alerts
  function loadAlerts() {
    updateExports();
    var params = new URLSearchParams({ limit: 500, active: $('alerts-active').value });
    var hours = $('alerts-hours').value;
    params.set('hours', hours); // 0: no time bound
    return ui.api(base + '/alerts?' + params.toString()).then(function (answer) {
      var body = ui.clear($('alerts-body'));
      if (!answer.items.length) { body.appendChild(h('tr', {}, h('td', { colspan: 6, class: 'muted', text: t('alerts.empty') }))); }
      answer.items.forEach(function (alert) { body.appendChild(window.TrackerAlerts.row(alert, { reload: reloadAlerts })); });
      var editor = ui.hasRole('editor');
      var active = answer.items.filter(function (a) { return a.is_active; });
      $('alerts-ack-all').hidden = !editor || !active.some(function (a) { return !a.acked_at; });
      $('alerts-close-all').hidden = !editor || !active.length;
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function reloadAlerts() { return Promise.all([loadAlerts(), loadDevice()]); }

  function bulk(name, button) {
    if (!window.confirm(t(name === 'ack_all' ? 'alerts.ack_all.confirm' : 'alerts.close_all.confirm'))) { return; }
    ui.busy(button, function () {
      return ui.api('/api/tracker/admin/alerts/' + name, { method: 'POST', json: { device_id: id } }).then(function (answer) {
        ui.toast(t('alerts.bulk_done', { n: answer.count }), 'ok');
        return reloadAlerts();
      });
    });
  }

  $('device-revoke').addEventListener('click', function (e) { manage('revoke', e.currentTarget); });
  $('device-restore').addEventListener('click', function (e) { manage('restore', e.currentTarget); });
  $('device-rotate').addEventListener('click', function (e) { manage('rotate', e.currentTarget); });
  $('route-hours').addEventListener('change', loadRoute);
  $('health-hours').addEventListener('change', function () { updateExports(); loadHealth(); });
  $('alerts-hours').addEventListener('change', loadAlerts);
  $('alerts-active').addEventListener('change', loadAlerts);
  $('alerts-ack-all').addEventListener('click', function (e) { bulk('ack_all', e.currentTarget); });
  $('alerts-close-all').addEventListener('click', function (e) { bulk('close_all', e.currentTarget); });

  var mine = function (data) { return data && (data.device_id === id || (device && data.user_id === device.user_id && !data.device_id)); };
  var refreshDevice = trk.debounce(loadDevice, 400);
  var refreshHealth = trk.debounce(loadHealth, 400);
  var refreshAlerts = trk.debounce(reloadAlerts, 400);
  ui.realtime.on('tracking_batch', function (data) { if (mine(data)) { appendBatch(data); refreshDevice(); } });
  ui.realtime.on('tracker_health', function (data) { if (mine(data)) { refreshDevice(); refreshHealth(); } });
  ['tracker_device_updated', 'tracking_started', 'tracking_stopped', 'tracker_profile'].forEach(function (name) {
    ui.realtime.on(name, function (data) { if (mine(data)) { refreshDevice(); } });
  });
  ['tracker_alert', 'tracker_alert_acked', 'tracker_alert_closed'].forEach(function (name) {
    ui.realtime.on(name, function (data) { if (mine(data)) { refreshAlerts(); } });
  });
  ui.realtime.onResync(function () { loadDevice(); loadRoute(); loadHealth(); loadAlerts(); });

  ui.api('/api/tracker/admin/metrics').then(function (m) { onlineWindowSec = m.metrics.online_window_sec || 60; }, function () { /* default */ })
    .then(function () { return loadDevice(); })
    .then(function () { loadRoute(); loadHealth(); loadAlerts(); });
}());
