/* Shared by the tracker pages: labels for alert kinds and severities, a device's state, a debounced reload, and a
   small SVG line chart (no chart library is vendored). Text is always set as text. */
(function () {
  'use strict';
  var ui = window.MapUI;
  var h = ui.h;
  var t = ui.t;
  var SVG = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs) {
    var element = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { element.setAttribute(name, String(attrs[name])); });
    return element;
  }

  /** online | stale | revoked, as the devices list filters them. */
  function state(device, onlineWindowSec, nowMs) {
    if (device.is_revoked) { return 'revoked'; }
    if (!device.last_seen_at) { return 'stale'; }
    var seen = new Date(device.last_seen_at).getTime();
    return (nowMs || Date.now()) - seen <= (onlineWindowSec || 60) * 1000 ? 'online' : 'stale';
  }

  function stateBadge(name) { return h('span', { class: 'trk-badge trk-' + name, 'data-state': name, text: t('state.' + name) }); }

  function kind(name) { var key = 'kind.' + name; var text = t(key); return text === key ? name : text; }

  function severityBadge(severity) { return h('span', { class: 'trk-badge trk-sev-' + severity, text: t('severity.' + severity) }); }

  /** Calls fn at most once per wait ms, after the last call (events come in bursts). */
  function debounce(fn, wait) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, wait); };
  }

  function number(value, digits) {
    if (value === null || value === undefined || value === '') { return '—'; }
    return Number(value).toLocaleString('ru-RU', { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function age(value) {
    if (!value) { return t('never'); }
    var seconds = Math.max(0, Math.round((Date.now() - new Date(value).getTime()) / 1000));
    if (seconds < 60) { return t('ago.seconds', { n: seconds }); }
    if (seconds < 3600) { return t('ago.minutes', { n: Math.round(seconds / 60) }); }
    if (seconds < 86400) { return t('ago.hours', { n: Math.round(seconds / 3600) }); }
    return t('ago.days', { n: Math.round(seconds / 86400) });
  }

  /**
   * A line chart of points [{x: ms, y: number}] into container, x from fromMs to toMs; y from 0 (or the minimum)
   * to the maximum (at least yMin..yMax when given). Shows an empty-state line when there are no values.
   */
  function lineChart(container, points, options) {
    ui.clear(container);
    var width = 600;
    var height = 160;
    var pad = { left: 44, right: 10, top: 10, bottom: 24 };
    var values = points.filter(function (p) { return p.y !== null && p.y !== undefined && isFinite(p.y); });
    container.setAttribute('data-points', String(values.length));
    if (!values.length) {
      container.appendChild(h('p', { class: 'muted trk-chart-empty', text: t('chart.empty') }));
      return;
    }
    var fromMs = options.fromMs;
    var toMs = options.toMs;
    var ys = values.map(function (p) { return p.y; });
    var yMin = Math.min(options.yMin === undefined ? Math.min.apply(null, ys) : options.yMin, Math.min.apply(null, ys));
    var yMax = Math.max(options.yMax === undefined ? Math.max.apply(null, ys) : options.yMax, Math.max.apply(null, ys));
    if (yMax === yMin) { yMax = yMin + 1; }
    var x = function (ms) { return pad.left + (width - pad.left - pad.right) * (ms - fromMs) / Math.max(1, toMs - fromMs); };
    var y = function (v) { return pad.top + (height - pad.top - pad.bottom) * (1 - (v - yMin) / (yMax - yMin)); };
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, class: 'trk-chart', role: 'img', 'aria-label': options.title || '' });
    [yMin, (yMin + yMax) / 2, yMax].forEach(function (v) {
      chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'trk-grid' }));
      var label = svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'trk-axis' });
      label.textContent = number(v, 0);
      chart.appendChild(label);
    });
    [fromMs, toMs].forEach(function (ms, i) {
      var label = svg('text', { x: i ? width - pad.right : pad.left, y: height - 6, 'text-anchor': i ? 'end' : 'start', class: 'trk-axis' });
      label.textContent = new Date(ms).toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' });
      chart.appendChild(label);
    });
    (options.thresholds || []).forEach(function (v) {
      if (v >= yMin && v <= yMax) { chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'trk-threshold' })); }
    });
    var path = values.map(function (p, i) { return (i ? 'L' : 'M') + x(p.x).toFixed(1) + ' ' + y(p.y).toFixed(1); }).join(' ');
    chart.appendChild(svg('path', { d: path, class: 'trk-line' }));
    if (values.length === 1) { chart.appendChild(svg('circle', { cx: x(values[0].x), cy: y(values[0].y), r: 3, class: 'trk-dot' })); }
    container.appendChild(chart);
  }

  window.TrackerUI = { state: state, stateBadge: stateBadge, kind: kind, severityBadge: severityBadge, debounce: debounce, number: number, age: age, lineChart: lineChart };
}());
