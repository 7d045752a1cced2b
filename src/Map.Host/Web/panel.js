/* Command Center: counters (shell) and the header search: an address, a request number, a Telegram id. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var query = (new URLSearchParams(location.search).get('q') || '').trim();
  var box = document.getElementById('panel-search');
  var input = document.querySelector('.shell-search input[name="q"]');
  if (input) { input.value = query; }
  if (!query) { return; }

  ui.clear(box).appendChild(h('p', { class: 'muted', text: t('shell.loading') }));
  var searches = [
    ui.api('/api/addresses?page=1&per_page=20&q=' + encodeURIComponent(query)).then(function (page) {
      if (!page.items.length) { return null; }
      return h('div', { class: 'result-group' },
        h('h3', { text: t('panel.search.addresses') + ' (' + page.total + ')' }),
        h('ul', {}, page.items.map(function (a) {
          return h('li', {}, h('a', { href: '/#address=' + a.id, text: a.name || ('#' + a.id) }), ' ', h('span', { class: 'muted', text: [a.category, a.status].filter(Boolean).join(' · ') }));
        })));
    }).catch(function () { return null; })
  ];
  if (/^\d+$/.test(query)) {
    searches.push(ui.api('/api/requests/' + query).then(function (r) {
      return h('div', { class: 'result-group' },
        h('h3', { text: t('panel.search.request', { id: r.id }) }),
        h('p', {}, h('a', { href: '/#request=' + r.id, text: r.name || ('#' + r.id) }), ' ', h('span', { class: 'muted', text: r.category || '' })));
    }).catch(function () { return null; }));
    searches.push(ui.api('/api/chat/conversations?limit=2000').then(function (list) {
      var found = (list || []).filter(function (c) { return c.user_id === query; })[0];
      if (!found) { return null; }
      return h('div', { class: 'result-group' },
        h('h3', { text: t('panel.search.chat', { id: query }) }),
        h('p', {}, h('a', { href: '/admin/chat#' + encodeURIComponent(query), text: found.display_name || query }), ' ', h('span', { class: 'muted', text: found.last_text || '' })));
    }).catch(function () { return null; }));
  }
  Promise.all(searches).then(function (groups) {
    groups = groups.filter(Boolean);
    ui.clear(box);
    if (!groups.length) { box.appendChild(h('p', { class: 'muted', text: t('panel.search.empty') })); return; }
    groups.forEach(function (g) { box.appendChild(g); });
  });
}());
