/* Tracker problems: active alerts with counters (active, critical, devices, not ACKed), "critical only" and "not ACKed"
   filters, ACK/close per alert and ACK of everything (editors). Live through the alert events. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var trk = window.TrackerUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var alerts = [];
  var labels = {};

  function render() {
    var onlyCrit = $('only-crit').checked;
    var onlyUnacked = $('only-unacked').checked;
    var devices = {};
    alerts.forEach(function (a) { devices[a.device_id || a.user_id || '?'] = true; });
    $('count-active').textContent = String(alerts.length);
    $('count-crit').textContent = String(alerts.filter(function (a) { return a.severity === 'crit'; }).length);
    $('count-devices').textContent = String(Object.keys(devices).length);
    var unacked = alerts.filter(function (a) { return !a.acked_at; });
    $('count-unacked').textContent = String(unacked.length);
    $('problems-ack-all').hidden = !ui.hasRole('editor') || !unacked.length;
    var shown = alerts.filter(function (a) { return (!onlyCrit || a.severity === 'crit') && (!onlyUnacked || !a.acked_at); });
    var body = ui.clear($('problems-body'));
    if (!shown.length) { body.appendChild(h('tr', {}, h('td', { colspan: 7, class: 'muted', text: t('problems.empty') }))); }
    shown.forEach(function (a) { body.appendChild(window.TrackerAlerts.row(a, { withDevice: true, label: labels[a.device_id], reload: load })); });
  }

  function load() {
    return Promise.all([
      ui.api('/api/tracker/admin/problems'),
      ui.api('/api/tracker/admin/devices?limit=2000')
    ]).then(function (answers) {
      labels = {};
      answers[1].devices.forEach(function (d) { labels[d.public_id] = d.label || d.public_id; });
      alerts = [];
      answers[0].devices.forEach(function (group) { group.alerts.forEach(function (a) { alerts.push(a); }); });
      alerts.sort(function (a, b) {
        if ((a.severity === 'crit') !== (b.severity === 'crit')) { return a.severity === 'crit' ? -1 : 1; }
        return new Date(b.updated_at) - new Date(a.updated_at);
      });
      render();
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  $('only-crit').addEventListener('change', render);
  $('only-unacked').addEventListener('change', render);
  $('problems-ack-all').addEventListener('click', function (event) {
    if (!window.confirm(t('alerts.ack_all.confirm'))) { return; }
    ui.busy(event.currentTarget, function () {
      return ui.api('/api/tracker/admin/alerts/ack_all', { method: 'POST', json: {} }).then(function (answer) {
        ui.toast(t('alerts.bulk_done', { n: answer.count }), 'ok');
        return load();
      });
    });
  });
  var reload = trk.debounce(load, 300);
  ['tracker_alert', 'tracker_alert_acked', 'tracker_alert_closed', 'tracker_paired', 'tracker_device_updated'].forEach(function (name) { ui.realtime.on(name, reload); });
  ui.realtime.onResync(load);
  setInterval(function () { if (document.documentElement.getAttribute('data-live') !== 'open') { load(); } }, 20000);
  load();
}());
