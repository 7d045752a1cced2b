/* Login form: POST /login (JSON), then back to ?next= when it is a local path, else the map. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var t = ui.t;
  var form = document.getElementById('login-form');
  var error = document.getElementById('login-error');
  var button = document.getElementById('login-submit');

  /** Only a path on this site: "/x", never "//host" or "/\host" or a scheme. */
  function nextPath() {
    var next = new URLSearchParams(location.search).get('next') || '';
    if (next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === '\\' || /[\u0000-\u001f]/.test(next)) { return '/'; }
    if (next.indexOf('/login') === 0) { return '/'; }
    return next;
  }

  if (ui.user) {
    var already = document.getElementById('login-already');
    already.hidden = false;
    already.appendChild(document.createTextNode(t('login.signed_in_as', { username: ui.user.username }) + ' '));
    already.appendChild(ui.h('a', { href: nextPath(), text: t('login.continue') }));
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var username = form.username.value.trim();
    var password = form.password.value;
    if (!username || !password) { error.textContent = t('login.empty'); return; }
    if (username.length > 64 || password.length > 1024) { error.textContent = t('login.too_long'); return; }
    error.textContent = '';
    ui.busy(button, function () {
      return ui.request('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: username, password: password })
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) { location.assign(nextPath()); return; }
          if (response.status === 401) { error.textContent = t('login.invalid'); }
          else if (response.status === 429) { error.textContent = t('login.rate_limited', { seconds: body.reset_in || 60 }); }
          else { error.textContent = t('login.failed', { error: body.error || response.status }); }
          form.password.focus();
          form.password.select();
        });
      }, function () { error.textContent = t('login.network'); });
    });
  });
}());
