/* Addresses table: server paging and filters, sorting of the shown page, CSV import with its row report, export. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var perPage = 50;
  var state = { page: 1, items: [], total: 0, sort: null, descending: false };

  document.querySelectorAll('[data-role]').forEach(function (element) { element.hidden = !ui.hasRole(element.getAttribute('data-role')); });

  function load() {
    var params = new URLSearchParams({ page: state.page, per_page: perPage });
    var q = $('table-q').value.trim();
    if (q) { params.set('q', q); }
    if ($('table-category').value) { params.set('category', $('table-category').value); }
    if ($('table-status').value) { params.set('status', $('table-status').value); }
    return ui.api('/api/addresses?' + params.toString()).then(function (page) {
      state.items = page.items;
      state.total = page.total;
      render();
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  function render() {
    var items = state.items.slice();
    if (state.sort) {
      var key = state.sort;
      items.sort(function (a, b) {
        var x = a[key] === null || a[key] === undefined ? '' : a[key];
        var y = b[key] === null || b[key] === undefined ? '' : b[key];
        var result = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'ru');
        return state.descending ? -result : result;
      });
    }
    var body = ui.clear($('table-body'));
    if (!items.length) { body.appendChild(h('tr', {}, h('td', { colspan: 6, class: 'muted', text: t('table.empty') }))); }
    items.forEach(function (a) {
      body.appendChild(h('tr', { 'data-address-id': a.id },
        h('td', { text: a.id }),
        h('td', {}, h('a', { href: '/#address=' + a.id, text: a.name || '' })),
        h('td', { text: a.category || '' }),
        h('td', { text: a.status || '' }),
        h('td', { text: a.lat === null ? '' : a.lat + ', ' + a.lon }),
        h('td', { text: ui.formatTime(a.created_at) })));
    });
    var pages = Math.max(1, Math.ceil(state.total / perPage));
    $('table-page').textContent = t('table.page', { page: state.page, pages: pages, total: state.total });
    $('table-prev').disabled = state.page <= 1;
    $('table-next').disabled = state.page >= pages;
    document.querySelectorAll('th button.sort').forEach(function (button) {
      var column = button.getAttribute('data-sort');
      button.parentNode.setAttribute('aria-sort', state.sort === column ? (state.descending ? 'descending' : 'ascending') : 'none');
      button.title = t('table.sort', { column: button.textContent });
    });
  }

  document.querySelectorAll('th button.sort').forEach(function (button) {
    button.addEventListener('click', function () {
      var column = button.getAttribute('data-sort');
      state.descending = state.sort === column ? !state.descending : false;
      state.sort = column;
      render();
    });
  });
  $('table-prev').addEventListener('click', function () { state.page--; load(); });
  $('table-next').addEventListener('click', function () { state.page++; load(); });
  var timer = null;
  $('table-filters').addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { state.page = 1; load(); }, 250); });
  $('table-filters').addEventListener('submit', function (event) { event.preventDefault(); state.page = 1; load(); });

  $('import-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var file = $('import-file').files[0];
    var report = ui.clear($('import-report'));
    var data = new FormData();
    if (file) { data.append('file', file); }
    ui.busy($('import-run'), function () {
      return ui.api('/api/import', { method: 'POST', form: data }).then(function (result) {
        report.appendChild(h('p', { class: 'ok', text: t('table.import.result', { imported: result.imported }) }));
        var skipped = result.skipped || [];
        if (skipped.length) {
          report.appendChild(h('h2', { text: t('table.import.rows') }));
          report.appendChild(h('ul', { class: 'import-rows' }, skipped.map(function (row) {
            return h('li', { text: t('table.import.row', { row: row.row, error: row.error }) });
          })));
        }
        state.page = 1;
        return load();
      }, function (error) { report.appendChild(h('p', { class: 'error', role: 'alert', text: error.message })); });
    });
  });

  ui.realtime.on('address_created', load);
  ui.realtime.on('address_updated', load);
  ui.realtime.on('address_deleted', load);
  ui.realtime.onResync(load);
  load();
}());
