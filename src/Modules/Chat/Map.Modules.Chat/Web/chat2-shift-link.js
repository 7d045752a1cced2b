/* Added by the shell to the duty dashboard (a page addon of the Chat module): each shift card
   (.duty-unit[data-shift-id]) gets a link to its event-chat channel, /admin/events-chat#shift=<id>, with the admin's
   unread count from /api/chat2/unread_for_shifts. Cards are redrawn by the dashboard, so links are added whenever cards
   appear; counts are refreshed on chat2_message and after a reconnect. Chat reads nothing of Duty but the card's id. */
(function () {
  'use strict';
  var ui = window.MapUI;
  if (!ui || !ui.user) { return; }
  var t = ui.t;
  var unread = {};
  var timer = null;

  function label(link) {
    var count = unread[link.getAttribute('data-shift-id')] || 0;
    link.setAttribute('data-unread', String(count));
    link.textContent = count ? t('chat2.shift_link.unread', { count: count }) : t('chat2.shift_link');
  }

  function decorate() {
    var missing = false;
    document.querySelectorAll('.duty-unit[data-shift-id]').forEach(function (card) {
      if (card.querySelector('.chat2-shift-link')) { return; }
      var id = card.getAttribute('data-shift-id');
      if (!/^\d+$/.test(id)) { return; }
      var link = ui.h('a', { class: 'chat2-shift-link', href: '/admin/events-chat#shift=' + id, 'data-shift-id': id });
      link.addEventListener('click', function (event) { event.stopPropagation(); });
      label(link);
      card.appendChild(link);
      if (!Object.prototype.hasOwnProperty.call(unread, id)) { missing = true; }
    });
    if (missing) { refreshSoon(); }
  }

  function refresh() {
    var ids = [];
    document.querySelectorAll('.chat2-shift-link[data-shift-id]').forEach(function (link) { ids.push(link.getAttribute('data-shift-id')); });
    if (!ids.length) { return; }
    ui.api('/api/chat2/unread_for_shifts?ids=' + encodeURIComponent(ids.join(','))).then(function (counts) {
      Object.keys(counts || {}).forEach(function (id) { unread[id] = counts[id]; });
      document.querySelectorAll('.chat2-shift-link[data-shift-id]').forEach(label);
    }, function () { /* a hint only; the next event retries */ });
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  function start() {
    decorate();
    new MutationObserver(decorate).observe(document.body, { childList: true, subtree: true });
    ui.realtime.on('chat2_message', refreshSoon);
    ui.realtime.onResync(refreshSoon);
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
