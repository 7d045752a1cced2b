/* /admin/duty (duty spec §4.8): one marker per active unit at its `last`, unit cards, the breaks list with approve /
   end (editors), the track with stops on click. Refresh: on load, every 15 s, debounced (~0.9 s) on the duty realtime
   events, and after a reconnect (onResync). User text is set as text only. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var L = window.L;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var canWrite = ui.hasRole('editor');
  var markers = {};
  var shiftsByUser = {};
  var selectedSession = null;

  var map = L.map('duty-map', { center: [53.9, 27.56], zoom: 12 });
  if (ui.boot.tileUrl) {
    L.tileLayer(ui.boot.tileUrl, { maxZoom: 19, attribution: ui.boot.tileAttribution || '' }).addTo(map);
  } else {
    $('duty-map').classList.add('no-tiles');
  }
  var trackLayer = L.layerGroup().addTo(map);
  var fitted = false;
  window.DutyPage = { map: map, reload: reloadSoon };

  function unitName(unit) { return unit.unit_label || t('duty.unit.tg', { user: unit.user_id }); }

  function minutes(sec) { return Math.max(0, Math.round((sec || 0) / 60)); }

  function unitCard(unit) {
    var last = unit.last;
    var status = unit.device_status || {};
    var head = h('div', { class: 'duty-unit-title' },
      h('span', { class: 'duty-unit-name', text: unitName(unit) }),
      h('span', { class: 'duty-pill' + (unit.tracking_active ? ' live' : ''), text: t(unit.tracking_active ? 'duty.unit.live' : 'duty.unit.idle') }),
      status.code ? h('span', { class: 'duty-pill ' + status.code, text: t('duty.device.' + status.code) }) : null);
    var card = h('article', { class: 'duty-unit', 'data-shift-id': unit.shift_id, 'data-user-id': unit.user_id, 'aria-current': last && last.session_id === selectedSession ? 'true' : null },
      head,
      h('p', { class: 'muted', text: t('duty.unit.shift', { id: unit.shift_id }) }),
      h('p', { text: t('duty.unit.started', { time: ui.formatTime(unit.started_at) }) }),
      h('p', { text: last ? t('duty.unit.last', { time: ui.formatTime(last.ts) }) : t('duty.unit.no_last') }),
      unit.break ? h('p', { text: t('duty.unit.break', { status: t('duty.status.' + unit.break.status) }) }) : null);
    var actions = h('div', { class: 'duty-actions' });
    if (last) {
      actions.appendChild(h('button', { type: 'button', text: '⌖', title: unitName(unit), 'aria-label': unitName(unit), onclick: function () { map.setView([last.lat, last.lon], Math.max(map.getZoom(), 15)); } }));
    }
    if (last && last.session_id) {
      actions.appendChild(h('button', { type: 'button', class: 'duty-track-button', text: t('duty.unit.track'), onclick: function (e) { showTrack(e.currentTarget, unit, last.session_id); } }));
    }
    card.appendChild(actions);
    return card;
  }

  function breakRow(b) {
    var unit = shiftsByUser[b.user_id];
    var name = unit ? unitName(unit) : t('duty.unit.tg', { user: b.user_id });
    var when = b.status === 'started'
      ? (b.due_notified ? t('duty.break.due') : t('duty.break.started', { time: ui.formatTime(b.ends_at) }))
      : t('duty.break.requested', { time: ui.formatTime(b.requested_at) });
    var row = h('article', { class: 'duty-break', 'data-break-id': b.id, 'data-status': b.status },
      h('div', { class: 'duty-unit-title' },
        h('span', { text: t('duty.break.line', { unit: name, minutes: b.duration_min }) }),
        h('span', { class: 'duty-pill' + (b.due_notified ? ' due' : b.status === 'started' ? ' live' : ''), text: t('duty.status.' + b.status) })),
      h('p', { class: 'muted', text: when }));
    if (canWrite) {
      var actions = h('div', { class: 'duty-actions' });
      if (b.status === 'requested') {
        actions.appendChild(h('button', { type: 'button', class: 'primary duty-approve', text: t('duty.break.approve'), onclick: function (e) { breakAction(e.currentTarget, b, 'approve'); } }));
      }
      if (b.status === 'started') {
        actions.appendChild(h('button', { type: 'button', class: 'duty-end', text: t('duty.break.end'), onclick: function (e) { breakAction(e.currentTarget, b, 'end'); } }));
      }
      row.appendChild(actions);
    }
    return row;
  }

  function breakAction(button, b, action) {
    ui.busy(button, function () {
      return ui.api('/api/duty/admin/breaks/' + b.id + '/' + action, { method: 'POST', json: {} }).then(function () {
        ui.toast(t(action === 'approve' ? 'duty.break.approved' : 'duty.break.ended'), 'ok');
        return load();
      });
    }).then(function () { /* 409 (already started/ended) was shown; the list is fetched again */ return load(); });
  }

  function popup(unit) {
    var box = h('div', { class: 'duty-popup' },
      h('strong', { text: unitName(unit) }),
      h('div', { class: 'muted', text: t('duty.unit.shift', { id: unit.shift_id }) }),
      unit.last ? h('div', { text: ui.formatTime(unit.last.ts) }) : null);
    if (unit.last && unit.last.session_id) {
      box.appendChild(h('button', { type: 'button', text: t('duty.unit.track'), onclick: function (e) { showTrack(e.currentTarget, unit, unit.last.session_id); } }));
    }
    return box;
  }

  function renderMarkers(units) {
    var seen = {};
    var bounds = [];
    units.forEach(function (unit) {
      if (!unit.last) { return; }
      seen[unit.user_id] = true;
      var position = [unit.last.lat, unit.last.lon];
      bounds.push(position);
      var marker = markers[unit.user_id];
      var color = unit.tracking_active ? '#1e7b3c' : '#1d5fbf';
      if (!marker) {
        marker = L.circleMarker(position, { radius: 9, color: '#fff', weight: 2, fillColor: color, fillOpacity: 1 }).addTo(map);
        markers[unit.user_id] = marker;
      } else {
        marker.setLatLng(position);
        marker.setStyle({ fillColor: color });
      }
      // Elements, not strings: Leaflet would put a string into innerHTML.
      marker.unbindTooltip().bindTooltip(h('span', { text: unitName(unit) }), { direction: 'top', offset: [0, -8] });
      marker.unbindPopup().bindPopup(popup(unit));
    });
    Object.keys(markers).forEach(function (user) {
      if (!seen[user]) { map.removeLayer(markers[user]); delete markers[user]; }
    });
    document.documentElement.setAttribute('data-duty-markers', String(Object.keys(markers).length));
    if (!fitted && bounds.length) {
      fitted = true;
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 15 });
    }
  }

  function render(answer) {
    var units = answer.active_shifts || [];
    var breaks = answer.breaks || [];
    shiftsByUser = {};
    units.forEach(function (unit) { shiftsByUser[unit.user_id] = unit; });
    $('duty-units-count').textContent = String(units.length);
    var list = ui.clear($('duty-units'));
    if (!units.length) { list.appendChild(h('p', { class: 'muted', text: t('duty.units.none') })); }
    units.forEach(function (unit) { list.appendChild(unitCard(unit)); });
    $('duty-breaks-count').textContent = String(breaks.length);
    var breakList = ui.clear($('duty-breaks'));
    if (!breaks.length) { breakList.appendChild(h('p', { class: 'muted', text: t('duty.breaks.none') })); }
    breaks.forEach(function (b) { breakList.appendChild(breakRow(b)); });
    renderMarkers(units);
    $('duty-updated').textContent = t('duty.updated', { time: ui.formatTime(answer.server_time) });
    var loads = Number(document.documentElement.getAttribute('data-duty-loads') || '0') + 1;
    document.documentElement.setAttribute('data-duty-loads', String(loads));
  }

  function load() {
    return ui.api('/api/duty/admin/dashboard').then(render, function (error) { ui.toast(error.message, 'error'); });
  }

  var timer = null;
  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(load, 900);
  }

  function showTrack(button, unit, sessionId) {
    ui.busy(button, function () {
      return ui.api('/api/duty/admin/tracking/' + encodeURIComponent(sessionId)).then(function (track) {
        selectedSession = sessionId;
        trackLayer.clearLayers();
        var points = (track.points || []).map(function (p) { return [p.lat, p.lon]; });
        if (points.length) {
          L.polyline(points, { color: '#1d5fbf', weight: 4, opacity: 0.85 }).addTo(trackLayer);
          L.circleMarker(points[0], { radius: 6, color: '#1e7b3c', fillOpacity: 1 }).addTo(trackLayer);
          L.circleMarker(points[points.length - 1], { radius: 7, color: '#b3261e', fillOpacity: 1 }).addTo(trackLayer);
          map.fitBounds(points, { padding: [40, 40], maxZoom: 17 });
        }
        var stops = track.stops || [];
        stops.forEach(function (s) {
          L.circleMarker([s.center_lat, s.center_lon], { radius: 8, color: '#e07b00', fillColor: '#f0a500', fillOpacity: 0.9 })
            .bindTooltip(h('span', { text: t('duty.track.stop', { time: ui.formatTime(s.start_ts), minutes: minutes(s.duration_sec) }) }))
            .addTo(trackLayer);
        });
        $('duty-track-title').textContent = t('duty.track.title', { unit: unitName(unit) });
        $('duty-track-info').textContent = t('duty.track.points', { n: points.length }) + (track.points_truncated ? ' ' + t('duty.track.truncated', { n: points.length }) : '');
        var snapshot = $('duty-track-snapshot');
        if (track.snapshot_url && /^\/uploads\//.test(track.snapshot_url)) { snapshot.href = track.snapshot_url; snapshot.hidden = false; } else { snapshot.hidden = true; snapshot.removeAttribute('href'); }
        var list = ui.clear($('duty-track-stops'));
        if (!stops.length) { list.appendChild(h('li', { class: 'muted', text: t('duty.track.stops.none') })); }
        stops.slice(0, 10).forEach(function (s) {
          list.appendChild(h('li', { text: t('duty.track.stop', { time: ui.formatTime(s.start_ts), minutes: minutes(s.duration_sec) }) }));
        });
        $('duty-track').hidden = false;
        document.querySelectorAll('.duty-unit').forEach(function (card) {
          card.setAttribute('aria-current', card.getAttribute('data-shift-id') === String(unit.shift_id) ? 'true' : 'false');
        });
      });
    });
  }

  $('duty-track-close').addEventListener('click', function () {
    trackLayer.clearLayers();
    selectedSession = null;
    $('duty-track').hidden = true;
  });

  ['tracking_point', 'tracking_started', 'tracking_stopped', 'shift_started', 'shift_ended', 'break_started', 'break_ended',
    'break_due', 'sos_created', 'sos_acked', 'sos_closed'].forEach(function (name) { ui.realtime.on(name, reloadSoon); });
  ui.realtime.on('break_due', function (data) {
    var unit = data && shiftsByUser[data.user_id];
    ui.toast(t('duty.break.due_toast', { unit: unit ? unitName(unit) : t('duty.unit.tg', { user: data ? data.user_id : '' }) }), 'error');
  });
  ui.realtime.onResync(load);
  setInterval(load, 15000);
  load();
}());
