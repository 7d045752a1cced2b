/* Event chat ("chat2", chat spec §3.2, §4.5, §6): channels with unread counts; the open channel in server-sequence
   order with text, quick templates and media (shown through the member-only /api/chat2/media/<id>); live through
   chat2_message / chat2_receipt, caught up with sync?after_id after a reconnect; read marks (and a read receipt) for
   the newest message while the page is visible. Sends carry a client_msg_id that is kept for retries of the same
   text, so a retry after a network failure never stores twice. User text is set as text only. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var me = ui.user ? ui.user.username : '';
  var pageSize = 100;
  var maxText = 4000;
  var current = null;
  var messages = [];
  var readSeq = 0;
  var delivered = {};
  var channels = [];
  var pending = null;

  /** A UUID v4 (crypto.randomUUID needs a secure context; getRandomValues does not). */
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function channelTitle(c) {
    if (c.type === 'shift') { return t('chat2.channel.shift', { id: c.shift_id }); }
    if (c.type === 'incident') { return t('chat2.channel.incident', { id: c.marker_id }); }
    if (c.type === 'dm') { return t('chat2.channel.dm'); }
    return t('chat2.channel.other');
  }

  function isMine(m) { return m.sender_type === 'admin' && m.sender_id === me; }

  function senderName(m) {
    if (isMine(m)) { return t('chat2.sender.me'); }
    return t('chat2.sender.' + (m.sender_type === 'tracker' ? 'tracker' : 'admin'), { id: m.sender_id });
  }

  function loadChannels() {
    return ui.api('/api/chat2/channels?limit=500').then(function (list) {
      channels = list;
      var box = ui.clear($('chat2-channels'));
      if (!list.length) { box.appendChild(h('li', { class: 'muted', text: t('chat2.channels_empty') })); }
      list.forEach(function (c) {
        box.appendChild(h('li', {}, h('button', {
          type: 'button', 'data-channel-id': c.id, 'data-unread': c.unread, 'aria-current': c.id === current ? 'true' : 'false',
          onclick: function () { open(c.id); }
        },
        c.unread ? h('span', { class: 'badge', 'data-unread': c.unread, text: c.unread, title: t('chat2.unread', { count: c.unread }) }) : null,
        h('strong', { text: channelTitle(c) }),
        h('span', { class: 'muted', text: (c.last_message_at ? ui.formatTime(c.last_message_at) + ' · ' : '') + (c.preview === 'media' ? t('chat2.kind.media') : (c.preview || '')) }))));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  var channelsTimer = null;
  function loadChannelsSoon() {
    clearTimeout(channelsTimer);
    channelsTimer = setTimeout(loadChannels, 150);
  }

  function open(channelId) {
    current = channelId;
    messages = [];
    readSeq = 0;
    pending = null;
    $('chat2-error').textContent = '';
    var known = channels.filter(function (c) { return c.id === channelId; })[0];
    $('chat2-title').textContent = known ? channelTitle(known) : t('chat2.title');
    if (location.hash !== '#' + channelId) { history.replaceState(null, '', '#' + channelId); }
    document.querySelectorAll('#chat2-channels [data-channel-id]').forEach(function (b) {
      b.setAttribute('aria-current', b.getAttribute('data-channel-id') === channelId ? 'true' : 'false');
    });
    ui.clear($('chat2-history'));
    $('chat2-compose').hidden = false;
    return ui.api('/api/chat2/history?channel_id=' + encodeURIComponent(channelId) + '&limit=' + pageSize).then(function (list) {
      if (current !== channelId) { return; }
      messages = list.slice().reverse();
      $('chat2-older').hidden = list.length < pageSize;
      render(true);
      markRead();
    }, function (error) {
      // A link to a channel that is gone (purged, mistyped): back to the list.
      if (current !== channelId) { return; }
      current = null;
      $('chat2-compose').hidden = true;
      $('chat2-title').textContent = t('chat2.pick');
      ui.toast(error.message, 'error');
    });
  }

  function mediaUrl(m) { return '/api/chat2/media/' + encodeURIComponent(m.id); }

  function media(m) {
    if (!m.media_key) { return null; }
    if (m.mime && m.mime.indexOf('image/') === 0) {
      return h('a', { class: 'chat2-media', href: mediaUrl(m), target: '_blank', rel: 'noopener' },
        h('img', { src: mediaUrl(m), alt: t('chat2.media.image'), loading: 'lazy' }));
    }
    return h('a', { class: 'chat2-media', href: mediaUrl(m), target: '_blank', rel: 'noopener', text: t('chat2.media.open') + ' (' + (m.mime || '') + ')' });
  }

  function render(scroll) {
    var list = ui.clear($('chat2-history'));
    if (!messages.length) { list.appendChild(h('li', { class: 'empty', text: t('chat2.no_messages') })); }
    messages.forEach(function (m) {
      var text = m.text || (m.kind === 'media' ? null : '');
      list.appendChild(h('li', { class: (isMine(m) ? 'mine' : 'other') + ' ' + m.kind, 'data-message-id': m.id, 'data-seq': m.seq },
        h('span', { class: 'meta', text: senderName(m) + ' · ' + ui.formatTime(m.created_at) + (m.kind === 'template' ? ' · ' + t('chat2.kind.template') : '') }),
        text !== null ? h('span', { class: 'text', text: text }) : null,
        media(m),
        isMine(m) ? h('span', { class: 'receipts', text: t('chat2.receipts', { delivered: m.delivered_count, read: m.read_count }) }) : null));
    });
    if (scroll) { var box = $('chat2-messages'); box.scrollTop = box.scrollHeight; }
  }

  /** Puts a message in sequence order (an event and the send's answer may both bring it). */
  function addMessage(m) {
    if (messages.some(function (x) { return x.id === m.id; })) { return; }
    messages.push(m);
    messages.sort(function (a, b) { return a.seq - b.seq; });
    render(true);
  }

  /** The admin sees the channel: the newest message becomes the read mark (and gets a read receipt if it is not ours). */
  function markRead() {
    if (!current || !messages.length || document.visibilityState === 'hidden') { return; }
    var last = messages[messages.length - 1];
    if (last.seq <= readSeq) { return; }
    readSeq = last.seq;
    var channelId = current;
    ui.api('/api/chat2/read', { method: 'POST', json: { channel_id: channelId, last_read_message_id: last.id } }).then(function () {
      if (current === channelId) { $('chat2-history').setAttribute('data-read-seq', String(last.seq)); }
      loadChannels();
      if (!isMine(last)) { return receipt(channelId, last, 'read'); }
    }).catch(function (error) { readSeq = 0; ui.toast(error.message, 'error'); });
  }

  function receipt(channelId, m, type) {
    return ui.api('/api/chat2/receipt', { method: 'POST', json: { channel_id: channelId, message_id: m.id, type: type } }).catch(function () { /* a hint only */ });
  }

  $('chat2-older').addEventListener('click', function (event) {
    if (!messages.length) { return; }
    var channelId = current;
    ui.busy(event.currentTarget, function () {
      return ui.api('/api/chat2/history?channel_id=' + encodeURIComponent(channelId) + '&before_id=' + encodeURIComponent(messages[0].id) + '&limit=' + pageSize).then(function (older) {
        if (current !== channelId) { return; }
        messages = older.slice().reverse().concat(messages);
        if (older.length < pageSize) { $('chat2-older').hidden = true; ui.toast(t('chat2.no_older')); }
        render(false);
      });
    });
  });

  /** The same text (or file) retried keeps its client_msg_id: the server answers a retry with the original message. */
  function clientMsgId(key) {
    if (!pending || pending.key !== key) { pending = { key: key, id: uuid() }; }
    return pending.id;
  }

  function sent(message) {
    pending = null;
    addMessage(message);
    markRead();
  }

  $('chat2-reply').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('chat2-text').value.trim();
    var fileInput = $('chat2-file');
    var file = fileInput.files && fileInput.files[0];
    var error = $('chat2-error');
    if (!current) { return; }
    if (!text && !file) { error.textContent = t('chat2.text_required'); return; }
    if (text.length > maxText) { error.textContent = t('chat2.text_too_long', { max: maxText }); return; }
    error.textContent = '';
    var channelId = current;
    ui.busy($('chat2-send'), function () {
      var call;
      if (file) {
        var form = new FormData();
        form.append('channel_id', channelId);
        form.append('file', file, file.name);
        if (text) { form.append('text', text); }
        form.append('client_msg_id', clientMsgId('file:' + channelId + ':' + file.name + ':' + file.size + ':' + text));
        call = ui.api('/api/chat2/upload_media', { method: 'POST', form: form });
      } else {
        call = ui.api('/api/chat2/send', { method: 'POST', json: { channel_id: channelId, text: text, client_msg_id: clientMsgId('text:' + channelId + ':' + text) } });
      }
      return call.then(function (message) {
        $('chat2-text').value = '';
        fileInput.value = '';
        if (current === channelId) { sent(message); }
      }, function (failure) { error.textContent = failure.message; });
    });
  });

  function loadTemplates() {
    return ui.api('/api/chat2/templates').then(function (list) {
      var box = ui.clear($('chat2-templates'));
      list.forEach(function (template) {
        box.appendChild(h('button', {
          type: 'button', 'data-template-id': template.id, text: template.text,
          onclick: function (event) {
            if (!current) { return; }
            var channelId = current;
            ui.busy(event.currentTarget, function () {
              return ui.api('/api/chat2/send_template', { method: 'POST', json: { channel_id: channelId, template_id: template.id, client_msg_id: uuid() } })
                .then(function (message) { if (current === channelId) { sent(message); } });
            });
          }
        }));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  /** After a reconnect: what arrived while the socket was down, after the last message we have. */
  function catchUp() {
    if (!current) { return; }
    if (!messages.length) { open(current); return; }
    var channelId = current;
    ui.api('/api/chat2/sync?channel_id=' + encodeURIComponent(channelId) + '&after_id=' + encodeURIComponent(messages[messages.length - 1].id) + '&limit=1000')
      .then(function (list) {
        if (current !== channelId) { return; }
        list.forEach(addMessage);
        markRead();
      }, function () { open(channelId); });
  }

  ui.realtime.on('chat2_message', function (m) {
    if (m.channel_id === current) {
      addMessage(m);
      if (!isMine(m) && !delivered[m.id]) { delivered[m.id] = true; receipt(current, m, 'delivered'); }
      markRead();
    }
    loadChannelsSoon();
  });
  ui.realtime.on('chat2_receipt', function (r) {
    if (r.channel_id !== current) { return; }
    var m = messages.filter(function (x) { return x.id === r.message_id; })[0];
    if (!m) { return; }
    m.delivered_count = r.delivered_count;
    m.read_count = r.read_count;
    // Only the counts change: the rest of the conversation (and its scroll position) stays as it is.
    var counts = document.querySelector('#chat2-history [data-message-id="' + m.id + '"] .receipts');
    if (counts) { counts.textContent = t('chat2.receipts', { delivered: m.delivered_count, read: m.read_count }); }
  });
  ui.realtime.onResync(function () { loadChannels(); catchUp(); });
  document.addEventListener('visibilitychange', markRead);

  /** #shift=<id> asks for the shift's channel (created on first use); #<channel id> opens a channel. */
  function openFromHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    var shift = /^shift=(\d+)$/.exec(hash);
    if (shift) {
      return ui.api('/api/chat2/ensure_shift_channel', { method: 'POST', json: { shift_id: Number(shift[1]) } })
        .then(function (channel) { return loadChannels().then(function () { return open(channel.id); }); }, function (error) { ui.toast(error.message, 'error'); });
    }
    if (hash) { return open(hash); }
    return null;
  }

  window.addEventListener('hashchange', function () {
    if (decodeURIComponent(location.hash.slice(1)) !== current) { openFromHash(); }
  });
  loadTemplates();
  loadChannels().then(openFromHash);
}());
