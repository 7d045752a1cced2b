/* Admin accounts (superadmin): list, create, edit role/zones/active, reset password, delete. The server's rules
   (yourself, the last superadmin, unique usernames) come back as messages shown next to the form. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var $ = function (id) { return document.getElementById(id); };
  var editing = null;
  var mode = 'edit';

  function parseZones(text) {
    text = text.trim();
    if (!text) { return []; }
    var parts = text.split(/[\s,;]+/).filter(Boolean);
    if (!parts.every(function (p) { return /^\d{1,9}$/.test(p); })) { return null; }
    return parts.map(Number);
  }

  function load() {
    return ui.api('/api/admin/users/').then(function (users) {
      var body = ui.clear($('users-body'));
      users.forEach(function (user) {
        body.appendChild(h('tr', { 'data-username': user.username },
          h('td', { text: user.username }),
          h('td', { text: t('role.' + user.role) }),
          h('td', { text: user.is_active ? t('users.yes') : t('users.no') }),
          h('td', { text: (user.zones || []).join(', ') }),
          h('td', { text: ui.formatTime(user.created_at) }),
          h('td', {},
            h('button', { type: 'button', 'data-action': 'edit', text: t('users.edit'), onclick: function () { openDialog(user, 'edit'); } }), ' ',
            h('button', { type: 'button', 'data-action': 'password', text: t('users.reset_password'), onclick: function () { openDialog(user, 'password'); } }), ' ',
            h('button', { type: 'button', class: 'danger', 'data-action': 'delete', text: t('users.delete'), onclick: function (event) { remove(user, event.currentTarget); } }))));
      });
    }, function (error) { ui.toast(error.message, 'error'); });
  }

  $('user-create').addEventListener('submit', function (event) {
    event.preventDefault();
    var error = $('create-error');
    var username = $('create-username').value.trim();
    var password = $('create-password').value;
    var zones = parseZones($('create-zones').value);
    if (!/^[A-Za-z0-9._\-@]{3,64}$/.test(username)) { error.textContent = t('users.bad_username'); return; }
    if (password.length < 10 || password.length > 1024) { error.textContent = t('users.bad_password'); return; }
    if (zones === null) { error.textContent = t('users.bad_zones'); return; }
    error.textContent = '';
    ui.busy($('create-submit'), function () {
      return ui.api('/api/admin/users/', { method: 'POST', json: { username: username, password: password, role: $('create-role').value, zones: zones } })
        .then(function (user) {
          ui.toast(t('users.created_ok', { username: user.username }), 'ok');
          $('user-create').reset();
          return load();
        }, function (failure) { error.textContent = failure.message; });
    });
  });

  function openDialog(user, which) {
    editing = user;
    mode = which;
    $('user-error').textContent = '';
    $('user-edit-fields').hidden = which !== 'edit';
    $('user-password-fields').hidden = which !== 'password';
    $('user-dialog-title').textContent = t(which === 'edit' ? 'users.edit_title' : 'users.password_title', { username: user.username });
    $('edit-role').value = user.role;
    $('edit-zones').value = (user.zones || []).join(', ');
    $('edit-active').checked = !!user.is_active;
    $('edit-password').value = '';
    $('user-dialog').showModal();
  }
  $('user-cancel').addEventListener('click', function () { $('user-dialog').close(); });
  $('user-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var error = $('user-error');
    var body;
    if (mode === 'edit') {
      var zones = parseZones($('edit-zones').value);
      if (zones === null) { error.textContent = t('users.bad_zones'); return; }
      body = { role: $('edit-role').value, zones: zones, is_active: $('edit-active').checked };
    } else {
      var password = $('edit-password').value;
      if (password.length < 10 || password.length > 1024) { error.textContent = t('users.bad_password'); return; }
      body = { password: password };
    }
    ui.busy($('user-save'), function () {
      return ui.api('/api/admin/users/' + editing.id, { method: 'PATCH', json: body }).then(function () {
        $('user-dialog').close();
        ui.toast(t(mode === 'edit' ? 'users.saved' : 'users.password_changed'), 'ok');
        return load();
      }, function (failure) { error.textContent = failure.message; });
    });
  });

  function remove(user, button) {
    if (!window.confirm(t('users.delete.confirm', { username: user.username }))) { return; }
    ui.busy(button, function () {
      return ui.api('/api/admin/users/' + user.id, { method: 'DELETE' }).then(function () { ui.toast(t('users.deleted'), 'ok'); return load(); });
    });
  }

  load();
}());
