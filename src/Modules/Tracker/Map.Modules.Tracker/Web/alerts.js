/* Alert rows shared by the device page and the problems page: severity, kind, message, ACK/close state, and the
   ACK / close buttons for editors (the server checks the role and the CSRF token). */
(function () {
  'use strict';
  var ui = window.MapUI;
  var trk = window.TrackerUI;
  var h = ui.h;
  var t = ui.t;

  function status(alert) {
    if (!alert.is_active) { return t('alerts.closed_by', { who: alert.closed_by || '—', at: ui.formatTime(alert.closed_at) }); }
    if (alert.acked_at) { return t('alerts.acked_by', { who: alert.acked_by || '—', at: ui.formatTime(alert.acked_at) }); }
    return t('alerts.new');
  }

  function act(alert, name, button, done) {
    ui.busy(button, function () {
      return ui.api('/api/tracker/admin/alerts/' + alert.id + '/' + name, { method: 'POST', json: {} }).then(function () {
        ui.toast(t(name === 'ack' ? 'alerts.acked' : 'alerts.closed_ok'), 'ok');
        return done();
      });
    });
  }

  /** A table row; withDevice adds the device column (problems page). */
  function row(alert, options) {
    var canEdit = ui.hasRole('editor');
    var actions = h('td', {});
    if (canEdit && alert.is_active) {
      if (!alert.acked_at) { actions.appendChild(h('button', { type: 'button', 'data-action': 'ack', text: t('alerts.ack'), onclick: function (e) { act(alert, 'ack', e.currentTarget, options.reload); } })); }
      actions.appendChild(h('button', { type: 'button', 'data-action': 'close', text: t('alerts.close'), onclick: function (e) { act(alert, 'close', e.currentTarget, options.reload); } }));
    }
    var cells = [
      h('td', { text: ui.formatTime(alert.updated_at) }),
      h('td', {}, trk.severityBadge(alert.severity)),
      h('td', { text: trk.kind(alert.kind) }),
      h('td', { text: alert.message || '' }),
      h('td', { class: 'trk-small', text: status(alert) }),
      actions
    ];
    if (options.withDevice) {
      var device = alert.device_id && alert.device_id !== 'unknown'
        ? h('a', { href: '/admin/devices/' + encodeURIComponent(alert.device_id), text: options.label || alert.device_id })
        : h('span', { text: alert.user_id || '—' });
      cells.splice(1, 0, h('td', {}, device));
    }
    return h('tr', { 'data-alert-id': alert.id, 'data-kind': alert.kind, 'data-acked': alert.acked_at ? '1' : '0', 'data-active': alert.is_active ? '1' : '0' }, cells);
  }

  window.TrackerAlerts = { row: row };
}());
