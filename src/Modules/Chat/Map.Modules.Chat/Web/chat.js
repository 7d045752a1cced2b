/* Support chat: conversations (unread, status), history with paging back, reply and mark read (editors), live
   messages, delivery state of replies (queued until the bot has taken them: the dialog's delivery cursor). */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var editor = ui.hasRole('editor');
  var current = null;
  var messages = [];
  var deliveredUpTo = 0;
  var pageSize = 50;

  document.querySelectorAll('[data-role]').forEach(function (element) { element.hidden = !ui.hasRole(element.getAttribute('data-role')); });

  function loadConversations() {
    var status = $('chat-filter').value;
    return ui.api('/api/chat/conversations' + (status ? '?status=' + encodeURIComponent(status) : '')).then(function (list) {
      var box = ui.clear($('chat-conversations'));
      if (!list.length) { box.appendChild(h('li', { class: 'muted', text: t('chat.empty') })); }
      list.forEach(function (c) {
        box.appendChild(h('li', {}, h('button', {
          type: 'button', 'data-user-id': c.user_id, 'aria-current': c.user_id === current ? 'true' : 'false',
          onclick: function () { open(c.user_id, c.display_name); }
        },
        c.unread ? h('span', { class: 'badge', 'data-unread': c.unread, text: c.unread }) : null,
        h('strong', { text: c.display_name || c.user_id }),
        h('span', { class: 'muted', text: t('chat.status.' + c.status) + ' · ' + (c.last_text || '') }))));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function open(userId, name) {
    current = userId;
    messages = [];
    deliveredUpTo = 0;
    $('chat-dialog-title').textContent = name || userId;
    if (location.hash !== '#' + encodeURIComponent(userId)) { history.replaceState(null, '', '#' + encodeURIComponent(userId)); }
    ui.clear($('chat-history'));
    return ui.api('/api/chat/' + encodeURIComponent(userId) + '?tail=1&limit=' + pageSize).then(function (list) {
      if (current !== userId) { return; }
      messages = list;
      $('chat-older').hidden = list.length < pageSize;
      renderMessages(true);
      loadConversations();
      ui.refreshCounters();
      if (editor) { return markRead(false); }
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function markRead(announce) {
    if (!current) { return Promise.resolve(); }
    return ui.api('/api/chat/' + encodeURIComponent(current) + '/read', { method: 'POST' }).then(function (dialog) {
      deliveredUpTo = dialog.last_notified_admin_msg_id || 0;
      $('chat-status').value = dialog.status;
      renderMessages(false);
      if (announce) { ui.toast(t('chat.marked_read'), 'ok'); loadConversations(); ui.refreshCounters(); }
    });
  }

  function renderMessages(scroll) {
    var list = ui.clear($('chat-history'));
    messages.forEach(function (m) {
      var delivery = m.sender === 'admin' && editor ? (m.id <= deliveredUpTo ? t('chat.delivery.sent') : t('chat.delivery.queued')) : null;
      list.appendChild(h('li', { class: m.sender === 'admin' ? 'admin' : 'user', 'data-message-id': m.id },
        h('span', { class: 'meta', text: (t('chat.sender.' + m.sender) || m.sender) + ' · ' + ui.formatTime(m.created_at) + (delivery ? ' · ' + delivery : '') }),
        h('span', { class: 'text', text: m.text })));
    });
    if (scroll) { var box = $('chat-messages'); box.scrollTop = box.scrollHeight; }
  }

  $('chat-older').addEventListener('click', function (event) {
    if (!messages.length) { return; }
    var userId = current;
    ui.busy(event.currentTarget, function () {
      return ui.api('/api/chat/' + encodeURIComponent(userId) + '?before_id=' + messages[0].id + '&limit=' + pageSize).then(function (older) {
        if (current !== userId) { return; }
        messages = older.concat(messages);
        if (older.length < pageSize) { $('chat-older').hidden = true; ui.toast(t('chat.no_older')); }
        renderMessages(false);
      });
    });
  });

  $('chat-reply').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('chat-text').value.trim();
    var error = $('chat-error');
    if (!current) { return; }
    if (!text) { error.textContent = t('chat.text_required'); return; }
    if (text.length > 4096) { error.textContent = t('chat.text_too_long', { max: 4096 }); return; }
    error.textContent = '';
    var userId = current;
    ui.busy($('chat-send'), function () {
      return ui.api('/api/chat/' + encodeURIComponent(userId), { method: 'POST', json: { text: text } }).then(function (message) {
        $('chat-text').value = '';
        addMessage(message);
      }, function (failure) { error.textContent = failure.message; });
    });
  });

  $('chat-read').addEventListener('click', function (event) { ui.busy(event.currentTarget, function () { return markRead(true); }); });
  $('chat-status').addEventListener('change', function (event) {
    var select = event.currentTarget;
    ui.busy(select, function () {
      return ui.api('/api/chat/' + encodeURIComponent(current) + '/status', { method: 'POST', json: { status: select.value } })
        .then(function () { ui.toast(t('chat.status_saved'), 'ok'); loadConversations(); });
    });
  });
  $('chat-filter').addEventListener('change', loadConversations);

  function addMessage(message) {
    if (messages.some(function (m) { return m.id === message.id; })) { return; }
    messages.push(message);
    renderMessages(true);
  }

  var listTimer = null;
  ui.realtime.on('chat_message', function (message) {
    if (message.user_id === current) {
      addMessage(message);
      // The operator is looking at it: the history read marks it read.
      if (message.sender === 'user') { ui.api('/api/chat/' + encodeURIComponent(current) + '?tail=1&limit=1').then(function () { loadConversations(); ui.refreshCounters(); }); }
    }
    clearTimeout(listTimer);
    listTimer = setTimeout(loadConversations, 150);
  });
  ['chat_cleared', 'chat_deleted'].forEach(function (name) { ui.realtime.on(name, function () { loadConversations(); if (current) { open(current); } }); });
  ui.realtime.onResync(function () { loadConversations(); if (current) { open(current, $('chat-dialog-title').textContent); } });

  loadConversations().then(function () {
    var initial = decodeURIComponent(location.hash.slice(1));
    if (initial) { open(initial); }
  });
}());
