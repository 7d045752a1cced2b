/* Map shell: boot data, strings, the one CSRF fetch wrapper, DOM helpers, toasts, the realtime client and the
   header (counters, live indicator, logout). Every page script uses window.MapUI; user text is set with
   textContent only, never as HTML. */
(function () {
  'use strict';

  var bootElement = document.getElementById('map-boot');
  var boot = bootElement ? JSON.parse(bootElement.textContent) : { strings: {} };
  var strings = boot.strings || {};

  /** A string of the page's dictionary, with {name} placeholders filled in. */
  function t(key, vars) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (match, name) { return vars[name] === undefined || vars[name] === null ? match : String(vars[name]); });
    }
    return text;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  function sameOrigin(url) {
    try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; }
  }

  /** The one fetch wrapper: cookies, and X-CSRF-Token on unsafe same-origin requests (an explicit header wins). */
  function request(url, options) {
    options = Object.assign({ credentials: 'same-origin' }, options || {});
    var method = (options.method || 'GET').toUpperCase();
    var headers = new Headers(options.headers || {});
    if (!/^(GET|HEAD|OPTIONS|TRACE)$/.test(method) && sameOrigin(url) && !headers.has('X-CSRF-Token')) {
      headers.set('X-CSRF-Token', csrfToken());
    }
    if (!headers.has('Accept')) { headers.set('Accept', 'application/json'); }
    options.headers = headers;
    return fetch(url, options);
  }

  function ApiError(status, message, body) {
    this.name = 'ApiError';
    this.status = status;
    this.message = message;
    this.body = body;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function loginUrl() {
    return '/login?next=' + encodeURIComponent(location.pathname + location.search + location.hash);
  }

  function goToLogin() {
    location.assign(loginUrl());
    return new Promise(function () { /* the page is going away */ });
  }

  /** True when the browser still has an admin session. */
  function sessionAlive() {
    return fetch('/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { is_admin: false }; })
      .then(function (me) { return !!me.is_admin; }, function () { return true; });
  }

  /**
   * JSON API call. options.json → JSON body; options.form → FormData body. Resolves with the parsed body (or
   * null); rejects with ApiError carrying the server's message. A 403 whose cause is an ended session sends the
   * user to the login page, which brings them back here.
   */
  function api(url, options) {
    options = Object.assign({}, options || {});
    if (options.json !== undefined) {
      options.body = JSON.stringify(options.json);
      options.headers = Object.assign({ 'Content-Type': 'application/json' }, options.headers || {});
      delete options.json;
    } else if (options.form !== undefined) {
      options.body = options.form;
      delete options.form;
    }
    return request(url, options).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      var read = type.indexOf('json') >= 0 ? response.json().catch(function () { return null; }) : response.text();
      return read.then(function (body) {
        if (response.ok) { return body; }
        if (response.status === 403) {
          return sessionAlive().then(function (alive) {
            if (!alive) { return goToLogin(); }
            throw new ApiError(403, t('shell.error.forbidden'), body);
          });
        }
        var message = body && typeof body === 'object' && (body.message || body.error)
          ? String(body.message || body.error)
          : t('shell.error.http', { status: response.status });
        if (response.status === 429) { message = t('shell.error.rate_limited'); }
        throw new ApiError(response.status, message, body);
      });
    }, function () {
      throw new ApiError(0, t('shell.error.network'), null);
    });
  }

  /** Builds an element: attrs (class, text, on<Event>, aria-*, data-*, others as attributes), then children. */
  function h(tag, attrs) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) { return; }
      if (name === 'text') { element.textContent = String(value); }
      else if (name === 'class') { element.className = value; }
      else if (name.indexOf('on') === 0 && typeof value === 'function') { element.addEventListener(name.slice(2).toLowerCase(), value); }
      else if (name === 'value') { element.value = value; }
      else if (name === 'checked' || name === 'disabled' || name === 'selected') { element[name] = !!value; }
      else { element.setAttribute(name, value === true ? '' : String(value)); }
    });
    for (var i = 2; i < arguments.length; i++) { append(element, arguments[i]); }
    return element;
  }

  function append(parent, child) {
    if (child === undefined || child === null || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(parent, c); }); return; }
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function clear(element) { while (element.firstChild) { element.removeChild(element.firstChild); } return element; }

  function toast(message, kind) {
    var box = document.getElementById('shell-toasts');
    if (!box) {
      box = h('div', { id: 'shell-toasts', class: 'shell-toasts', role: 'status', 'aria-live': 'polite' });
      document.body.appendChild(box);
    }
    var item = h('div', { class: 'shell-toast ' + (kind || 'info'), text: message });
    box.appendChild(item);
    setTimeout(function () { if (item.parentNode) { item.parentNode.removeChild(item); } }, kind === 'error' ? 8000 : 4000);
  }

  /**
   * Runs action() while the button is disabled and marked busy, so a double click does one thing; shows the
   * server's message on failure. Resolves with the action's result (or undefined after a failure).
   */
  function busy(button, action) {
    if (button && button.disabled) { return Promise.resolve(undefined); }
    if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
    return Promise.resolve().then(action).catch(function (error) {
      toast(error && error.message ? error.message : t('shell.error.network'), 'error');
      return undefined;
    }).then(function (result) {
      if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
      return result;
    });
  }

  function formatTime(value) {
    if (!value) { return ''; }
    var date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + 'Z');
    return isNaN(date.getTime()) ? String(value) : date.toLocaleString('ru-RU');
  }

  // --- realtime: token → /ws, reconnect with backoff (1 s, ×1.6 + 250 ms, at most 30 s), re-sync after a reconnect
  var realtime = (function () {
    var handlers = {};
    var resyncHandlers = [];
    var socket = null;
    var attempt = 0;
    var timer = null;
    var connectedBefore = false;
    var started = false;

    function on(event, handler) { (handlers[event] = handlers[event] || []).push(handler); }

    function onResync(handler) { resyncHandlers.push(handler); }

    function dispatch(event, data) {
      (handlers[event] || []).concat(handlers['*'] || []).forEach(function (handler) {
        try { handler(data, event); } catch (e) { if (window.console) { console.error(e); } }
      });
    }

    function setState(state) {
      document.documentElement.setAttribute('data-live', state);
      var indicator = document.getElementById('shell-live');
      if (indicator) {
        indicator.setAttribute('data-state', state);
        indicator.title = t('shell.live.' + state);
        indicator.setAttribute('aria-label', t('shell.live.' + state));
      }
    }

    function delay() {
      var value = 1000;
      for (var i = 0; i < attempt; i++) { value = value * 1.6 + 250; }
      return Math.min(value, 30000);
    }

    function schedule() {
      clearTimeout(timer);
      var wait = delay();
      attempt++;
      timer = setTimeout(connect, wait);
    }

    function connect() {
      setState('connecting');
      request('/api/realtime/token').then(function (response) {
        if (response.status === 403) {
          return sessionAlive().then(function (alive) { if (!alive) { goToLogin(); } else { schedule(); } });
        }
        if (!response.ok) { schedule(); return; }
        return response.json().then(open);
      }).catch(schedule);
    }

    function open(token) {
      var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      var url = scheme + '//' + location.host + '/ws?token=' + encodeURIComponent(token.token);
      var ws;
      try { ws = new WebSocket(url); } catch (e) { schedule(); return; }
      socket = ws;
      ws.onmessage = function (message) {
        var frame;
        try { frame = JSON.parse(message.data); } catch (e) { return; }
        if (!frame || typeof frame.event !== 'string') { return; }
        if (frame.event === 'hello') {
          attempt = 0;
          setState('open');
          if (connectedBefore) {
            // Pub/Sub does not replay: whatever happened while we were away is fetched again.
            var count = Number(document.documentElement.getAttribute('data-resyncs') || '0') + 1;
            document.documentElement.setAttribute('data-resyncs', String(count));
            resyncHandlers.forEach(function (handler) { try { handler(); } catch (e) { if (window.console) { console.error(e); } } });
          }
          connectedBefore = true;
        }
        dispatch(frame.event, frame.data || {});
      };
      ws.onclose = function () {
        if (socket === ws) { socket = null; }
        setState('closed');
        schedule();
      };
      ws.onerror = function () { /* onclose follows */ };
    }

    setInterval(function () { if (socket && socket.readyState === 1) { socket.send('ping'); } }, 25000);

    function start() {
      if (started || !boot.user) { return; }
      started = true;
      connect();
    }

    return { on: on, onResync: onResync, start: start };
  }());

  // --- header: counters, logout
  function refreshCounters() {
    if (!boot.user || !document.querySelector('[data-counter]')) { return Promise.resolve(); }
    return api('/api/notifications/counters').then(function (counters) {
      document.querySelectorAll('[data-counter]').forEach(function (element) {
        var value = counters ? counters[element.getAttribute('data-counter')] : null;
        element.textContent = value === undefined || value === null ? '–' : String(value);
      });
    }, function () { /* counters are a hint; the next event retries */ });
  }

  var counterTimer = null;
  function refreshCountersSoon() {
    clearTimeout(counterTimer);
    counterTimer = setTimeout(refreshCounters, 150);
  }

  function initHeader() {
    var logout = document.getElementById('shell-logout');
    if (logout) {
      logout.addEventListener('click', function () {
        busy(logout, function () {
          return request('/logout', { method: 'POST' }).then(function () { location.assign('/login'); });
        });
      });
    }
    ['pending_created', 'pending_approved', 'pending_rejected', 'pending_cleared', 'chat_message', 'chat_cleared', 'chat_deleted']
      .forEach(function (name) { realtime.on(name, refreshCountersSoon); });
    realtime.onResync(refreshCounters);
    refreshCounters();
    realtime.start();
  }

  window.MapUI = {
    boot: boot,
    user: boot.user,
    t: t,
    request: request,
    api: api,
    ApiError: ApiError,
    h: h,
    clear: clear,
    toast: toast,
    busy: busy,
    formatTime: formatTime,
    realtime: realtime,
    refreshCounters: refreshCounters,
    loginUrl: loginUrl,
    hasRole: function (role) {
      var rank = { viewer: 0, editor: 1, superadmin: 2 };
      return !!boot.user && rank[boot.user.role] >= rank[role];
    }
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', initHeader);
  } else {
    initHeader();
  }
}());
