/* The map page: approved addresses for the viewport (server clusters at low zoom, points clustered in the browser at
   high zoom), pending requests, zones, search and filters, the address card, editing (editors), zones (superadmins)
   and the moderation queue. Live through the shell's realtime client. User text is only ever set as text. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var L = window.L;
  var editor = ui.hasRole('editor');
  var superadmin = ui.hasRole('superadmin');
  var $ = function (id) { return document.getElementById(id); };

  document.querySelectorAll('[data-role]').forEach(function (element) {
    element.hidden = !ui.hasRole(element.getAttribute('data-role'));
  });

  // --- map and layers
  var map = L.map('map', { center: [53.9, 27.56], zoom: 11, zoomControl: true, doubleClickZoom: true });
  if (ui.boot.tileUrl) {
    L.tileLayer(ui.boot.tileUrl, { maxZoom: 19, attribution: ui.boot.tileAttribution || '' }).addTo(map);
  } else {
    $('map').classList.add('no-tiles');
    map.attributionControl.addAttribution(t('map.no_tiles'));
  }
  var pointsLayer = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
  var clustersLayer = L.layerGroup();
  var addressesLayer = L.layerGroup([pointsLayer, clustersLayer]).addTo(map);
  var pendingLayer = L.layerGroup().addTo(map);
  var zonesLayer = L.layerGroup().addTo(map);
  var pendingIcon = L.divIcon({ className: 'pending-icon', iconSize: [14, 14] });

  function toggle(checkbox, layer) {
    $(checkbox).addEventListener('change', function (event) {
      if (event.target.checked) { layer.addTo(map); } else { map.removeLayer(layer); }
    });
  }
  toggle('layer-addresses', addressesLayer);
  toggle('layer-pending', pendingLayer);
  toggle('layer-zones', zonesLayer);

  function filters() {
    return { q: $('map-q').value.trim(), category: $('map-category').value, status: $('map-status').value };
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== '' && params[k] !== null && params[k] !== undefined; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  // --- approved addresses for the viewport
  var viewportRequest = 0;
  var shown = {};
  function loadViewport() {
    var serial = ++viewportRequest;
    var bounds = map.getBounds();
    var f = filters();
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) { return v.toFixed(6); }).join(',');
    return ui.api('/api/addresses/map?' + query({ bbox: bbox, zoom: map.getZoom(), q: f.q, category: f.category, status: f.status }))
      .then(function (view) {
        if (serial !== viewportRequest) { return; }
        renderViewport(view);
      }, function (error) {
        if (serial === viewportRequest) { ui.toast(error.message, 'error'); }
      });
  }

  function renderViewport(view) {
    pointsLayer.clearLayers();
    clustersLayer.clearLayers();
    shown = {};
    if (view.mode === 'points') {
      pointsLayer.addLayers(view.points.map(pointMarker));
      $('map-mode').textContent = view.truncated ? t('map.found_more', { shown: view.points.length, count: view.total }) : '';
    } else {
      view.clusters.forEach(function (cluster) {
        var size = cluster.count < 10 ? 28 : cluster.count < 1000 ? 36 : 46;
        var icon = L.divIcon({ className: 'server-cluster', iconSize: [size, size], html: '' });
        var marker = L.marker([cluster.lat, cluster.lon], { icon: icon, keyboard: true, title: t('map.cluster', { count: cluster.count }) });
        marker.on('add', function () { var el = marker.getElement(); if (el) { el.textContent = String(cluster.count); } });
        marker.on('click', function () { map.setView([cluster.lat, cluster.lon], Math.min(map.getZoom() + 2, 18)); });
        clustersLayer.addLayer(marker);
      });
      $('map-mode').textContent = '';
    }
    document.documentElement.setAttribute('data-map-ready', String(viewportRequest));
  }

  function pointMarker(address) {
    shown[address.id] = address;
    var marker = L.marker([address.lat, address.lon], { draggable: editor, keyboard: true, title: address.name || '', alt: address.name || '' });
    marker.addressId = address.id;
    marker.on('click', function () { openCard(address); });
    if (editor) {
      marker.on('dragend', function () {
        var position = marker.getLatLng();
        ui.api('/api/addresses/' + address.id, { method: 'PUT', json: { lat: position.lat, lon: position.lng } })
          .then(function () { ui.toast(t('map.moved'), 'ok'); }, function (error) {
            marker.setLatLng([address.lat, address.lon]);
            ui.toast(error.message, 'error');
          });
      });
    }
    return marker;
  }

  var reloadTimer = null;
  function reloadSoon() { clearTimeout(reloadTimer); reloadTimer = setTimeout(function () { loadViewport(); loadList(); }, 200); }
  map.on('moveend', function () { clearTimeout(reloadTimer); reloadTimer = setTimeout(loadViewport, 120); });

  // --- the list beside the map (search results)
  function loadList() {
    var f = filters();
    return ui.api('/api/addresses?' + query({ page: 1, per_page: 50, q: f.q, category: f.category, status: f.status })).then(function (page) {
      var list = ui.clear($('map-list'));
      $('map-found').textContent = page.total > page.items.length ? t('map.found_more', { shown: page.items.length, count: page.total }) : t('map.found', { count: page.total });
      page.items.forEach(function (address) {
        list.appendChild(h('li', {}, h('button', {
          type: 'button',
          onclick: function () {
            if (address.lat !== null && address.lon !== null) { map.setView([address.lat, address.lon], Math.max(map.getZoom(), 16)); }
            openCard(address);
          }
        }, address.name || ('#' + address.id), h('span', { class: 'muted', text: [address.category, address.status].filter(Boolean).join(' · ') }))));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }
  var filterTimer = null;
  $('map-filters').addEventListener('input', function () { clearTimeout(filterTimer); filterTimer = setTimeout(reloadSoon, 250); });
  $('map-filters').addEventListener('submit', function (event) { event.preventDefault(); reloadSoon(); });

  // --- card
  function photoUrl(photo) {
    if (!photo) { return null; }
    if (/^https?:\/\//i.test(photo)) { return photo; }
    if (/^data:image\//i.test(photo)) { return photo; }
    return '/api/uploads/' + encodeURIComponent(photo);
  }

  function openDrawer(id) {
    ['card', 'queue'].forEach(function (other) { $(other).hidden = other !== id; });
  }

  function openCard(address) {
    var body = ui.clear($('card-body'));
    $('card-title').textContent = address.name || ('#' + address.id);
    var photo = photoUrl(address.photo);
    body.appendChild(h('div', { class: 'card', 'data-address-id': address.id },
      h('p', { class: 'muted', text: [address.category, address.status].filter(Boolean).join(' · ') }),
      photo ? h('img', { src: photo, alt: t('map.card.photo') }) : h('p', { class: 'muted', text: t('map.card.no_photo') }),
      address.notes ? [h('h3', { text: t('map.card.notes') }), h('p', { class: 'notes', text: address.notes })] : null,
      address.link && /^https?:\/\//i.test(address.link) ? h('p', {}, h('a', { href: address.link, target: '_blank', rel: 'noopener noreferrer', text: t('map.card.link') })) : null,
      h('p', { class: 'muted', text: t('map.card.coords', { lat: address.lat, lon: address.lon }) }),
      address.zone_id ? h('p', { class: 'muted', text: t('map.card.zone', { zone: zoneName(address.zone_id) }) }) : null,
      h('h3', { text: t('map.card.history') }),
      h('ul', {}, h('li', { text: t('map.card.created', { time: ui.formatTime(address.created_at) }) }),
        h('li', { text: t('map.card.updated', { time: ui.formatTime(address.updated_at) }) })),
      editor ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: function () { openAddressDialog(address); }, text: t('map.edit') }),
        h('button', { type: 'button', class: 'danger', onclick: function (event) { deleteAddress(address, event.currentTarget); }, text: t('map.delete') })) : null));
    openDrawer('card');
  }
  $('card-close').addEventListener('click', function () { $('card').hidden = true; });

  function deleteAddress(address, button) {
    if (!window.confirm(t('map.delete.confirm', { name: address.name }))) { return; }
    ui.busy(button, function () {
      return ui.api('/api/addresses/' + address.id, { method: 'DELETE' }).then(function () {
        ui.toast(t('map.deleted'), 'ok');
        $('card').hidden = true;
        reloadSoon();
      });
    });
  }

  // --- add and edit
  var editing = null;
  function number(text) { var v = String(text).trim().replace(',', '.'); return v === '' ? NaN : Number(v); }

  function openAddressDialog(address, latlng) {
    editing = address;
    var form = $('address-form');
    form.reset();
    $('address-error').textContent = '';
    $('address-dialog-title').textContent = address ? t('map.form.edit') : t('map.form.add');
    if (address) {
      form.name.value = address.name || '';
      form.notes.value = address.notes || '';
      form.category.value = address.category || '';
      form.status.value = address.status || '';
      form.link.value = address.link || '';
      form.lat.value = address.lat;
      form.lon.value = address.lon;
    } else if (latlng) {
      form.lat.value = latlng.lat.toFixed(6);
      form.lon.value = latlng.lng.toFixed(6);
    }
    $('address-remove-photo-label').hidden = !(address && address.photo);
    $('address-dialog').showModal();
    form.name.focus();
  }

  $('address-cancel').addEventListener('click', function () { $('address-dialog').close(); });
  $('address-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var error = $('address-error');
    var name = form.name.value.trim();
    var lat = number(form.lat.value);
    var lon = number(form.lon.value);
    if (!name || isNaN(lat) || isNaN(lon)) { error.textContent = t('map.form.required'); return; }
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) { error.textContent = t('map.form.bad_coords'); return; }
    var fields = { name: name, notes: form.notes.value, category: form.category.value.trim(), status: form.status.value.trim(), link: form.link.value.trim(), lat: lat, lon: lon };
    var limits = { name: 255, notes: 10000, category: 128, status: 64, link: 512 };
    for (var key in limits) {
      if (fields[key].length > limits[key]) { error.textContent = t('map.form.too_long', { field: key }); return; }
    }
    var file = form.photo.files[0];
    var options;
    if (file) {
      var data = new FormData();
      Object.keys(fields).forEach(function (k) { data.append(k, String(fields[k])); });
      data.append('photo', file);
      options = { form: data };
    } else {
      if (editing && $('address-remove-photo').checked) { fields.remove_photo = true; }
      options = { json: fields };
    }
    options.method = editing ? 'PUT' : 'POST';
    var url = editing ? '/api/addresses/' + editing.id : '/api/addresses';
    error.textContent = '';
    ui.busy($('address-save'), function () {
      return ui.api(url, options).then(function () {
        $('address-dialog').close();
        $('card').hidden = true;
        ui.toast(t('map.saved'), 'ok');
        reloadSoon();
      }, function (failure) { error.textContent = failure.message; });
    });
  });

  var adding = false;
  $('map-add').addEventListener('click', function () {
    adding = true;
    document.body.classList.add('map-adding');
    ui.toast(t('map.add.hint'));
  });
  map.on('click', function (event) {
    if (drawing) { addVertex(event.latlng); return; }
    if (!adding) { return; }
    adding = false;
    document.body.classList.remove('map-adding');
    openAddressDialog(null, event.latlng);
  });

  // --- zones
  var zones = [];
  function zoneName(id) {
    var zone = zones.filter(function (z) { return z.id === id; })[0];
    return zone ? (zone.description || '#' + zone.id) : '#' + id;
  }

  function zoneLatLngs(geometry) {
    if (!geometry) { return []; }
    if (Array.isArray(geometry.latlngs)) { return geometry.latlngs.map(function (p) { return [p.lat, p.lng]; }); }
    if (Array.isArray(geometry.coordinates) && Array.isArray(geometry.coordinates[0])) { return geometry.coordinates[0].map(function (p) { return [p[1], p[0]]; }); }
    return [];
  }

  function safeColor(color) { return /^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]{1,20}$/.test(color || '') ? color : '#3388ff'; }

  function loadZones() {
    return ui.api('/zones').then(function (list) {
      zones = list || [];
      zonesLayer.clearLayers();
      zones.forEach(function (zone) {
        var points = zoneLatLngs(zone.geometry);
        if (points.length < 3) { return; }
        var polygon = L.polygon(points, { color: safeColor(zone.color), weight: 2, fillOpacity: 0.12 });
        polygon.bindTooltip(h('span', { text: zone.description || ('#' + zone.id) }), { sticky: true });
        polygon.on('click', function (event) { L.DomEvent.stopPropagation(event); if (!drawing) { openZone(zone, polygon); } });
        zonesLayer.addLayer(polygon);
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function openZone(zone, polygon) {
    var body = ui.clear($('card-body'));
    $('card-title').textContent = zone.description || ('#' + zone.id);
    body.appendChild(h('div', { class: 'card' },
      h('p', { class: 'muted', text: t('map.zone.title') + ' #' + zone.id }),
      superadmin ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', text: t('map.edit'), onclick: function () { openZoneDialog(zone, null); } }),
        h('button', { type: 'button', text: t('map.zone.edit'), onclick: function () { editVertices(zone, polygon); } }),
        h('button', { type: 'button', class: 'danger', text: t('map.delete'), onclick: function (event) { deleteZone(zone, event.currentTarget); } })) : null));
    openDrawer('card');
  }

  function deleteZone(zone, button) {
    if (!window.confirm(t('map.zone.delete.confirm', { name: zone.description || zone.id }))) { return; }
    ui.busy(button, function () {
      return ui.api('/zones/' + zone.id, { method: 'DELETE' }).then(function () {
        ui.toast(t('map.zone.deleted'), 'ok'); $('card').hidden = true; loadZones();
      });
    });
  }

  var zoneEditing = null;
  var zonePoints = null;
  function openZoneDialog(zone, points) {
    zoneEditing = zone;
    zonePoints = points;
    $('zone-error').textContent = '';
    $('zone-description').value = zone ? zone.description || '' : '';
    $('zone-color').value = zone && /^#[0-9a-fA-F]{6}$/.test(zone.color || '') ? zone.color : '#3388ff';
    $('zone-dialog').showModal();
  }
  $('zone-cancel').addEventListener('click', function () { $('zone-dialog').close(); });
  $('zone-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { description: $('zone-description').value.trim(), color: $('zone-color').value, icon: zoneEditing ? zoneEditing.icon : null };
    if (zonePoints) { body.geometry = { latlngs: zonePoints.map(function (p) { return { lat: p.lat, lng: p.lng }; }) }; }
    else if (zoneEditing) { body.geometry = zoneEditing.geometry; }
    ui.busy($('zone-save'), function () {
      return ui.api(zoneEditing ? '/zones/' + zoneEditing.id : '/zones', { method: zoneEditing ? 'PUT' : 'POST', json: body }).then(function () {
        $('zone-dialog').close(); $('card').hidden = true; ui.toast(t('map.zone.saved'), 'ok'); loadZones();
      }, function (failure) { $('zone-error').textContent = failure.message; });
    });
  });

  // Drawing: clicks add vertices, "Готово" asks for the description and colour.
  var drawing = null;
  function addVertex(latlng) {
    drawing.points.push(latlng);
    drawing.line.setLatLngs(drawing.points);
  }
  $('map-draw-zone').addEventListener('click', function () {
    if (drawing) { return; }
    drawing = { points: [], line: L.polyline([], { dashArray: '4 4' }).addTo(map) };
    var bar = h('div', { class: 'toolbar', id: 'draw-bar' },
      h('span', { text: t('map.draw_zone.hint') }),
      h('button', { type: 'button', class: 'primary', text: t('map.draw_zone.done'), onclick: function () {
        if (drawing.points.length < 3) { ui.toast(t('map.draw_zone.too_few'), 'error'); return; }
        var points = drawing.points;
        stopDrawing();
        openZoneDialog(null, points);
      } }),
      h('button', { type: 'button', text: t('map.draw_zone.cancel'), onclick: stopDrawing }));
    $('map-draw-zone').insertAdjacentElement('afterend', bar);
    map.doubleClickZoom.disable();
  });
  function stopDrawing() {
    if (!drawing) { return; }
    map.removeLayer(drawing.line);
    drawing = null;
    var bar = $('draw-bar');
    if (bar) { bar.parentNode.removeChild(bar); }
    map.doubleClickZoom.enable();
  }

  // Vertex editing: draggable handles, then save.
  function editVertices(zone, polygon) {
    var points = polygon.getLatLngs()[0].slice();
    var handles = points.map(function (point, index) {
      var handle = L.marker(point, { draggable: true, icon: L.divIcon({ className: 'zone-vertex', iconSize: [12, 12] }) }).addTo(map);
      handle.on('drag', function () { points[index] = handle.getLatLng(); polygon.setLatLngs(points); });
      return handle;
    });
    ui.toast(t('map.zone.edit.hint'));
    var body = ui.clear($('card-body'));
    body.appendChild(h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', text: t('map.save'), onclick: function (event) {
        ui.busy(event.currentTarget, function () {
          return ui.api('/zones/' + zone.id, { method: 'PUT', json: { description: zone.description, color: zone.color, icon: zone.icon,
            geometry: { latlngs: points.map(function (p) { return { lat: p.lat, lng: p.lng }; }) } } })
            .then(function () { done(); ui.toast(t('map.zone.saved'), 'ok'); });
        });
      } }),
      h('button', { type: 'button', text: t('map.cancel'), onclick: function () { done(); } })));
    function done() { handles.forEach(function (handle) { map.removeLayer(handle); }); $('card').hidden = true; loadZones(); }
  }

  // --- pending requests: layer and moderation queue
  var pending = [];
  function loadPending() {
    return ui.api('/api/pending').then(function (list) {
      pending = list || [];
      pendingLayer.clearLayers();
      pending.forEach(function (request) {
        if (request.lat === null || request.lon === null) { return; }
        var marker = L.marker([request.lat, request.lon], { icon: pendingIcon, keyboard: true, title: t('map.pending.label', { id: request.id }) });
        marker.bindTooltip(h('span', { text: t('map.pending.label', { id: request.id }) + ': ' + (request.name || '') }));
        marker.on('click', function () { openQueue(request.id); });
        pendingLayer.addLayer(marker);
      });
      renderQueue();
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function renderQueue() {
    var list = ui.clear($('queue-list'));
    if (!pending.length) { list.appendChild(h('p', { class: 'muted', text: t('map.queue.empty') })); return; }
    pending.forEach(function (request) {
      var photo = photoUrl(request.photo);
      var reporter = typeof request.reporter === 'string' && request.reporter ? request.reporter : null;
      list.appendChild(h('div', { class: 'card', 'data-pending-id': request.id },
        h('h3', { text: t('map.pending.label', { id: request.id }) + ': ' + (request.name || '') }),
        h('p', { class: 'muted', text: [request.category, request.status, ui.formatTime(request.created_at)].filter(Boolean).join(' · ') }),
        reporter ? h('p', { class: 'muted', text: t('map.queue.reporter', { name: reporter }) }) : null,
        duplicateNote(request.duplicate_of),
        request.notes ? h('p', { class: 'notes', text: request.notes }) : null,
        photo ? h('img', { src: photo, alt: t('map.card.photo') }) : null,
        h('div', { class: 'actions' },
          request.lat !== null ? h('button', { type: 'button', text: t('map.queue.show'), onclick: function () { map.setView([request.lat, request.lon], Math.max(map.getZoom(), 16)); } })
            : h('span', { class: 'muted', text: t('map.queue.no_coords') }),
          editor ? h('button', { type: 'button', class: 'primary', 'data-action': 'approve', text: t('map.queue.approve'), onclick: function (event) { approve(request, event.currentTarget); } }) : null,
          editor ? h('button', { type: 'button', class: 'danger', 'data-action': 'reject', text: t('map.queue.reject'), onclick: function () { openReject(request); } }) : null)));
    });
  }

  // A report the server kept as a probable duplicate (decision 0072) names what it may repeat.
  function duplicateNote(link) {
    if (!link || !link.id) { return null; }
    var key = link.type === 'address' ? 'map.queue.duplicate_address' : 'map.queue.duplicate_pending';
    return h('p', { class: 'warning', 'data-duplicate-of': link.type + ':' + link.id, text: t(key, { id: link.id }) });
  }

  function openQueue(focusId) {
    openDrawer('queue');
    if (focusId) {
      var card = document.querySelector('[data-pending-id="' + Number(focusId) + '"]');
      if (card) { card.scrollIntoView(); }
    }
    $('queue-close').focus();
  }
  $('queue-close').addEventListener('click', function () { $('queue').hidden = true; if (location.hash === '#requests') { history.replaceState(null, '', location.pathname); } });
  $('map-queue-open').addEventListener('click', function () { openQueue(); });
  document.querySelectorAll('[data-counter-link="requests"]').forEach(function (link) {
    link.addEventListener('click', function (event) { event.preventDefault(); openQueue(); });
  });

  function approve(request, button) {
    // busy() disables the button at once: a double click sends one request.
    ui.busy(button, function () {
      return ui.api('/api/pending/' + request.id + '/approve', { method: 'POST', json: {} }).then(function (result) {
        ui.toast(t('map.queue.approved', { id: request.id }), 'ok');
        pending = pending.filter(function (p) { return p.id !== request.id; });
        renderQueue();
        loadPending();
        reloadSoon();
        return result;
      });
    });
  }

  var rejecting = null;
  function openReject(request) {
    rejecting = request;
    $('reject-title').textContent = t('map.reject.title', { id: request.id });
    $('reject-reason').value = '';
    $('reject-error').textContent = '';
    $('reject-dialog').showModal();
  }
  $('reject-cancel').addEventListener('click', function () { $('reject-dialog').close(); });
  $('reject-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var request = rejecting;
    ui.busy($('reject-submit'), function () {
      return ui.api('/api/pending/' + request.id + '/reject', { method: 'POST', json: { reason: $('reject-reason').value.trim() } }).then(function () {
        $('reject-dialog').close();
        ui.toast(t('map.queue.rejected', { id: request.id }), 'ok');
        loadPending();
      }, function (failure) { $('reject-error').textContent = failure.message; });
    });
  });

  // --- live
  var pendingTimer = null;
  function pendingSoon() { clearTimeout(pendingTimer); pendingTimer = setTimeout(loadPending, 100); }
  ui.realtime.on('pending_created', function (data) {
    pendingSoon();
    if (editor) { ui.toast(t('map.queue.new', { id: data.id })); }
  });
  ['pending_rejected', 'pending_cleared'].forEach(function (name) { ui.realtime.on(name, pendingSoon); });
  ui.realtime.on('pending_approved', function () { pendingSoon(); reloadSoon(); });
  ['address_created', 'address_updated', 'address_deleted'].forEach(function (name) { ui.realtime.on(name, reloadSoon); });
  ui.realtime.onResync(function () { loadPending(); loadZones(); reloadSoon(); });

  // --- start
  var hash = location.hash;
  Promise.all([loadZones(), loadPending(), loadViewport(), loadList()]).then(function () {
    if (hash === '#requests') { openQueue(); }
    var match = /^#address=(\d+)$/.exec(hash);
    if (match && shown[Number(match[1])]) { openCard(shown[Number(match[1])]); }
  });
  window.MapPage = { map: map, reload: reloadSoon };
}());
