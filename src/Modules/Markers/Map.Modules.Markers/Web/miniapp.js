/* Telegram Mini App "Новая заявка": posts JSON with initData to the form's action. No Telegram SDK is loaded:
   initData comes from the URL fragment Telegram opens the page with. */
(function () {
  'use strict';
  var strings = JSON.parse(document.getElementById('map-boot').textContent).strings;
  function t(key, vars) {
    var text = strings[key] || key;
    return vars ? text.replace(/\{(\w+)\}/g, function (m, name) { return vars[name] === undefined ? m : String(vars[name]); }) : text;
  }
  var fragment = new URLSearchParams(location.hash.slice(1));
  var initData = (window.Telegram && Telegram.WebApp && Telegram.WebApp.initData) || fragment.get('tgWebAppData') || '';
  var $ = function (id) { return document.getElementById(id); };
  function show(text, cls) { var s = $('status'); s.textContent = text; s.className = cls || ''; }
  function postEvent(type) {
    var data = JSON.stringify({ eventType: type, eventData: {} });
    if (window.TelegramWebviewProxy) { window.TelegramWebviewProxy.postEvent(type, '{}'); }
    else if (window.external && window.external.notify) { window.external.notify(data); }
    else if (window.parent !== window) { window.parent.postMessage(data, 'https://web.telegram.org'); }
  }
  postEvent('web_app_ready');
  function number(text) { var v = String(text).trim().replace(',', '.'); return v === '' ? null : Number(v); }
  function readPhoto() {
    var file = $('photoFile').files[0];
    if (!file) { return Promise.resolve($('photoUrl').value.trim() || null); }
    if (file.size > 10 * 1024 * 1024) { return Promise.reject(new Error(t('miniapp.photo_too_big'))); }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(new Error(t('miniapp.photo_unreadable'))); };
      reader.readAsDataURL(file);
    });
  }
  $('locate').addEventListener('click', function () {
    if (!navigator.geolocation) { show(t('miniapp.no_geolocation'), 'error'); return; }
    show(t('miniapp.locating'));
    navigator.geolocation.getCurrentPosition(function (p) {
      $('lat').value = p.coords.latitude.toFixed(6); $('lon').value = p.coords.longitude.toFixed(6); show('');
    }, function () { show(t('miniapp.locate_failed'), 'error'); }, { enableHighAccuracy: true, timeout: 15000 });
  });
  $('form').addEventListener('submit', function (event) {
    event.preventDefault();
    var lat = number($('lat').value), lon = number($('lon').value);
    if (lat === null || lon === null || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
      show(t('miniapp.need_coords'), 'error'); return;
    }
    if (!initData) { show(t('miniapp.open_in_telegram'), 'error'); return; }
    $('submit').disabled = true; show(t('miniapp.sending'));
    readPhoto().then(function (photo) {
      return fetch($('form').getAttribute('action'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telegram-Init-Data': initData },
        body: JSON.stringify({ initData: initData, coords: { lat: lat, lon: lon }, category: $('category').value,
                               description: $('description').value, photo: photo })
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) { show(t('miniapp.sent', { id: result.body.pending }), 'ok'); setTimeout(function () { postEvent('web_app_close'); }, 1500); }
      else { show(t('miniapp.error', { error: result.body.error || t('miniapp.unknown_error') }), 'error'); $('submit').disabled = false; }
    }).catch(function (error) { show(error.message || t('miniapp.network_error'), 'error'); $('submit').disabled = false; });
  });
}());
