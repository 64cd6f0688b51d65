// Student progress page: signs in with a platform account (users-permissions), then shows what the
// Classroom content-API routes return for it. The server decides what is visible: a Student gets their
// own rows, uid only. Plain browser JavaScript, no build step; the JWT stays in this tab (sessionStorage).
(function () {
  'use strict';
  var KEY = 'tallyboard.classroom.jwt';
  var COLORS = { red: '#d02b20', green: '#328048', blue: '#4945ff' };
  var OUTCOME_COLORS = { error: '#ee5e52', display: '#5cb176', stream: '#9fd4a8', ok: '#328048', empty: '#dcdce4', not_run: '#f6ecfc' };
  var OUTCOMES = ['error', 'display', 'stream', 'ok', 'empty', 'not_run'];
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  };
  var svg = function (tag, attrs) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs).forEach(function (k) { if (k === 'text') node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); });
    return node;
  };

  function api(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) } }).then(function (res) {
      if (res.status === 401 || res.status === 403) { signOut(); throw new Error('Please sign in again'); }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
    $('progress').hidden = true;
    $('signin').hidden = false;
    $('who').textContent = '';
  }

  function timeline(points) {
    var box = $('timeline');
    box.textContent = '';
    if (!points.length) { box.appendChild(el('p', { class: 'muted', text: 'No snapshots yet.' })); return; }
    var paths = Array.from(new Set(points.map(function (p) { return p.path; }))).sort();
    var times = points.map(function (p) { return Date.parse(p.takenAt); });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 === t0) { t0 -= 3600e3; t1 += 3600e3; }
    var left = 180, width = 840, rowH = 34, height = 40 + paths.length * rowH;
    var root = svg('svg', { viewBox: '0 0 ' + (left + width + 40) + ' ' + height, width: '100%', 'data-points': String(points.length) });
    paths.forEach(function (p, i) {
      var y = 20 + i * rowH + rowH / 2;
      root.appendChild(svg('line', { x1: left, x2: left + width, y1: y, y2: y, stroke: '#eaeaef' }));
      root.appendChild(svg('text', { x: 4, y: y + 4, text: p }));
    });
    [t0, (t0 + t1) / 2, t1].forEach(function (t, i) {
      root.appendChild(svg('text', { x: left + (width * i) / 2, y: height - 4, 'text-anchor': ['start', 'middle', 'end'][i], text: new Date(t).toLocaleString() }));
    });
    points.forEach(function (p) {
      var x = left + ((Date.parse(p.takenAt) - t0) / (t1 - t0)) * width;
      var y = 20 + paths.indexOf(p.path) * rowH + rowH / 2;
      var c = svg('circle', { cx: x, cy: y, r: 4 + p.outputShare * 10, fill: COLORS[p.color], 'fill-opacity': '0.75', 'data-color': p.color });
      c.appendChild(svg('title', { text: p.path + ' · ' + new Date(p.takenAt).toLocaleString() + ' · ok ' + p.counts.ok + ', errors ' + p.counts.error }));
      root.appendChild(c);
    });
    box.appendChild(root);
  }

  function heatmap(data) {
    var box = $('heatmap');
    box.textContent = '';
    if (!data.problems.length) { box.appendChild(el('p', { class: 'muted', text: 'No graded cells yet.' })); return; }
    var byKey = {};
    data.cells.forEach(function (c) { byKey[c.gradeId + '\u0000' + c.uid] = c; });
    var head = el('tr', {}, [el('th', { text: 'Problem (' + (data.assignment || '') + ')' })].concat(data.students.map(function (s) { return el('th', { text: s.uid }); })));
    var rows = data.problems.map(function (g) {
      return el('tr', {}, [el('th', { text: g })].concat(data.students.map(function (s) {
        var c = byKey[g + '\u0000' + s.uid];
        var td = el('td', { 'data-outcome': c ? c.outcome : 'none', text: c ? c.outcome.replace('_', ' ') : '–' });
        td.style.background = c ? OUTCOME_COLORS[c.outcome] : '#fff';
        return td;
      })));
    });
    box.appendChild(el('table', { 'aria-label': 'My problems' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  function versions(detail) {
    var box = $('versions');
    box.textContent = '';
    var head = el('tr', {}, ['Path', 'Time', 'Latest'].concat(OUTCOMES.map(function (o) { return o.replace('_', ' '); })).map(function (t) { return el('th', { text: t }); }));
    var rows = detail.versions.map(function (v) {
      var dot = el('span', { class: 'dot' });
      dot.style.background = COLORS[v.color];
      return el('tr', { 'data-path': v.path }, [el('td', {}, [dot, document.createTextNode(v.path)]), el('td', { text: new Date(v.takenAt).toLocaleString() }), el('td', { text: v.isLatest ? 'yes' : '' })]
        .concat(OUTCOMES.map(function (o) { return el('td', { text: v.graded ? String(v.counts[o]) : '' }); })));
    });
    box.appendChild(el('table', { 'aria-label': 'My versions' }, [el('thead', {}, [head]), el('tbody', {}, rows)]));
  }

  function load() {
    $('signin').hidden = true;
    $('progress').hidden = false;
    var signOutButton = el('button', { type: 'button', text: 'Sign out' });
    signOutButton.addEventListener('click', signOut);
    api('/api/dashboards/classroom/snapshots').then(function (res) {
      var me = res.meta.students[0];
      $('who').textContent = '';
      $('who').appendChild(document.createTextNode((me ? me.uid : 'no notebooks yet') + '  '));
      $('who').appendChild(signOutButton);
      $('summary').textContent = res.data.length + ' snapshots · red: some error, green: output and nothing empty, blue: other · size: share of cells with output';
      timeline(res.data);
      return Promise.all([
        api('/api/dashboards/classroom/heatmap').then(function (h) { heatmap(h.data); }),
        me ? api('/api/dashboards/classroom/students/' + encodeURIComponent(me.uid)).then(function (d) { versions(d.data); }) : null,
      ]);
    }).catch(function (error) { $('summary').textContent = error.message; });
  }

  $('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    $('signin-error').textContent = '';
    fetch('/api/auth/local', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identifier: $('identifier').value, password: $('password').value }) })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok) throw new Error((r.body && r.body.error && r.body.error.message) || 'Sign-in failed');
        sessionStorage.setItem(KEY, r.body.jwt);
        load();
      })
      .catch(function (error) { $('signin-error').textContent = error.message; });
  });

  if (sessionStorage.getItem(KEY)) load(); else signOut();
})();
