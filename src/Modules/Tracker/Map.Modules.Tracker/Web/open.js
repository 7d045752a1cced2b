/* /open/dutytracker: hands the one-time token (and base URL) to the DutyTracker app through its
   dutytracker://bootstrap link, with an Android intent:// fallback. Values come from the query string, are
   URL-encoded, and only ever set as attributes: nothing from the URL is written as HTML. */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var token = params.get('token') || '';
  var base = params.get('base_url') || '';
  if (!/^https?:\/\/[^\s?#]+$/i.test(base)) { base = window.location.origin; }
  base = base.replace(/\/+$/, '');
  var query = 'base_url=' + encodeURIComponent(base) + '&token=' + encodeURIComponent(token);
  var app = 'dutytracker://bootstrap?' + query;
  var intent = 'intent://bootstrap?' + query + '#Intent;scheme=dutytracker;package=com.mapv12.dutytracker;end';
  document.getElementById('open-app').setAttribute('href', app);
  document.getElementById('open-intent').setAttribute('href', intent);
  if (token) { window.location.replace(app); }
})();
