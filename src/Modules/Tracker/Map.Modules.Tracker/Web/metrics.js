/* Ops KPIs from /api/tracker/admin/metrics: tiles, the online window, up to 20 active and the last 20 alerts.
   Refreshed on tracker events (debounced) and every 30 s (points in the last 5 min age by themselves). */
(function () {
  'use strict';
  var ui = window.MapUI;
  var trk = window.TrackerUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };

  var labels = {};

  function deviceCell(a) {
    return h('td', {}, a.device_id
      ? h('a', { href: '/admin/devices/' + encodeURIComponent(a.device_id), text: a.device_label || labels[a.device_id] || a.device_id })
      : h('span', { text: a.user_id || '—' }));
  }

  function load() {
    return ui.api('/api/tracker/admin/metrics').then(function (answer) {
      answer.active_alerts_sample.forEach(function (a) { if (a.device_id && a.device_label) { labels[a.device_id] = a.device_label; } });
      // The last alerts carry no label: names of devices not seen yet come from the devices list.
      var unknown = answer.recent_alerts.some(function (a) { return a.device_id && !labels[a.device_id]; });
      return (unknown ? ui.api('/api/tracker/admin/devices?limit=2000').then(function (list) {
        list.devices.forEach(function (d) { labels[d.public_id] = d.label || d.public_id; });
      }, function () { /* ids instead of names */ }) : Promise.resolve()).then(function () { return answer; });
    }).then(function (answer) {
      var m = answer.metrics;
      $('m-total').textContent = String(m.total_devices);
      $('m-online').textContent = String(m.online_devices);
      $('m-revoked').textContent = String(m.revoked_devices);
      $('m-active').textContent = String(m.active_alerts);
      $('m-crit').textContent = String(m.crit_alerts);
      $('m-points').textContent = String(m.points_last_5m);
      $('metrics-window').textContent = t('metrics.window', { sec: m.online_window_sec, at: ui.formatTime(answer.generated_at) });
      var sample = ui.clear($('sample-body'));
      if (!answer.active_alerts_sample.length) { sample.appendChild(h('tr', {}, h('td', { colspan: 4, class: 'muted', text: t('problems.empty') }))); }
      answer.active_alerts_sample.forEach(function (a) {
        sample.appendChild(h('tr', { 'data-alert-id': a.id }, deviceCell(a), h('td', {}, trk.severityBadge(a.severity)), h('td', { text: trk.kind(a.kind) }), h('td', { text: ui.formatTime(a.updated_at) })));
      });
      var recent = ui.clear($('recent-body'));
      if (!answer.recent_alerts.length) { recent.appendChild(h('tr', {}, h('td', { colspan: 5, class: 'muted', text: t('alerts.empty') }))); }
      answer.recent_alerts.forEach(function (a) {
        recent.appendChild(h('tr', { 'data-alert-id': a.id }, deviceCell(a), h('td', {}, trk.severityBadge(a.severity)), h('td', { text: trk.kind(a.kind) }),
          h('td', { text: a.is_active ? (a.acked_at ? t('alerts.acked_short') : t('alerts.new')) : t('alerts.closed_short') }), h('td', { text: ui.formatTime(a.updated_at) })));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  var reload = trk.debounce(load, 1000);
  ['tracking_batch', 'tracker_paired', 'tracker_device_updated', 'tracker_alert', 'tracker_alert_acked', 'tracker_alert_closed'].forEach(function (name) { ui.realtime.on(name, reload); });
  ui.realtime.onResync(load);
  setInterval(load, 30000);
  load();
}());
