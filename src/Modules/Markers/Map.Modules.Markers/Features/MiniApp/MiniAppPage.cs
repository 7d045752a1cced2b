using System.Security.Cryptography;
using Carter;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Map.Modules.Markers.Features.MiniApp;

/// <summary>
/// GET <c>/api/bot/webapp</c> (public): the Telegram Mini App form "Новая заявка" — category, description, photo (URL or a
/// picture from the phone, sent inline), coordinates from the device's location or typed in — posting JSON with
/// <c>initData</c> to <c>webapp_submit</c>. One self-contained page: no external scripts, styles or map tiles (so no
/// map picker; Telegram's SDK is not needed either: initData is read from the URL fragment Telegram opens it with).
/// A per-response nonce and a CSP that lets Telegram's web client frame it (which overrides the global
/// <c>X-Frame-Options: DENY</c> in browsers that support CSP).
/// </summary>
internal sealed class MiniAppPageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/bot/webapp", (HttpContext context) =>
            {
                var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                context.Response.Headers.ContentSecurityPolicy =
                    $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
                    + "frame-ancestors https://web.telegram.org https://*.telegram.org; base-uri 'none'; form-action 'none'";
                context.Response.Headers.CacheControl = "no-store";
                return Results.Content(Page.Replace("{{nonce}}", nonce, StringComparison.Ordinal), "text/html; charset=utf-8");
            })
            .AllowAnonymous();

    private const string Page =
        """
        <!doctype html>
        <html lang="ru">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Новая заявка</title>
        <style nonce="{{nonce}}">
          body { font: 16px/1.4 system-ui, sans-serif; margin: 0; padding: 16px; background: var(--tg-theme-bg-color, #fff); color: var(--tg-theme-text-color, #222); }
          h1 { font-size: 20px; margin: 0 0 12px; }
          label { display: block; margin: 12px 0 4px; font-weight: 600; }
          select, textarea, input { width: 100%; box-sizing: border-box; padding: 8px; font: inherit; border: 1px solid #bbb; border-radius: 6px; }
          textarea { min-height: 80px; }
          .row { display: flex; gap: 8px; }
          button { margin-top: 16px; width: 100%; padding: 12px; font: inherit; border: 0; border-radius: 8px;
                   background: var(--tg-theme-button-color, #2a7ae2); color: var(--tg-theme-button-text-color, #fff); }
          button.secondary { background: #eee; color: #222; margin-top: 8px; }
          #status { margin-top: 12px; min-height: 1.4em; }
          .error { color: #c0392b; } .ok { color: #1e8449; }
        </style>
        </head>
        <body>
        <h1>Новая заявка</h1>
        <form id="form" novalidate>
          <label for="category">Категория</label>
          <select id="category">
            <option>Видеонаблюдение</option><option>Освещение</option><option>Охрана</option><option selected>Прочее</option>
          </select>
          <label for="description">Описание</label>
          <textarea id="description" maxlength="10000"></textarea>
          <label for="photoUrl">Фото (ссылка)</label>
          <input id="photoUrl" type="url" placeholder="https://…">
          <label for="photoFile">или снимок</label>
          <input id="photoFile" type="file" accept="image/png,image/jpeg,image/gif">
          <label>Координаты</label>
          <div class="row">
            <input id="lat" inputmode="decimal" placeholder="широта, напр. 53.9">
            <input id="lon" inputmode="decimal" placeholder="долгота, напр. 27.56">
          </div>
          <button type="button" class="secondary" id="locate">Моё местоположение</button>
          <button type="submit" id="submit">Отправить</button>
          <div id="status" role="status"></div>
        </form>
        <script nonce="{{nonce}}">
        (function () {
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
            if (file.size > 10 * 1024 * 1024) { return Promise.reject(new Error('Фото больше 10 МБ')); }
            return new Promise(function (resolve, reject) {
              var reader = new FileReader();
              reader.onload = function () { resolve(reader.result); };
              reader.onerror = function () { reject(new Error('Не удалось прочитать фото')); };
              reader.readAsDataURL(file);
            });
          }
          $('locate').addEventListener('click', function () {
            if (!navigator.geolocation) { show('Геолокация недоступна', 'error'); return; }
            show('Определяем местоположение…');
            navigator.geolocation.getCurrentPosition(function (p) {
              $('lat').value = p.coords.latitude.toFixed(6); $('lon').value = p.coords.longitude.toFixed(6); show('');
            }, function () { show('Не удалось определить местоположение', 'error'); }, { enableHighAccuracy: true, timeout: 15000 });
          });
          $('form').addEventListener('submit', function (event) {
            event.preventDefault();
            var lat = number($('lat').value), lon = number($('lon').value);
            if (lat === null || lon === null || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
              show('Укажите координаты', 'error'); return;
            }
            if (!initData) { show('Откройте форму из Telegram', 'error'); return; }
            $('submit').disabled = true; show('Отправляем…');
            readPhoto().then(function (photo) {
              return fetch('/api/bot/webapp_submit', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', 'X-Telegram-Init-Data': initData },
                body: JSON.stringify({ initData: initData, coords: { lat: lat, lon: lon }, category: $('category').value,
                                       description: $('description').value, photo: photo })
              });
            }).then(function (response) {
              return response.json().then(function (body) { return { ok: response.ok, body: body }; });
            }).then(function (result) {
              if (result.ok) { show('Заявка №' + result.body.pending + ' отправлена', 'ok'); setTimeout(function () { postEvent('web_app_close'); }, 1500); }
              else { show('Ошибка: ' + (result.body.error || 'неизвестная'), 'error'); $('submit').disabled = false; }
            }).catch(function (error) { show(error.message || 'Ошибка сети', 'error'); $('submit').disabled = false; });
          });
        })();
        </script>
        </body>
        </html>
        """;
}
