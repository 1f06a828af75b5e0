/**
 * The dashboard's three static files, served by the watch itself (no CDN, no
 * framework): a page, a stylesheet and a script. The script builds the DOM
 * with createElement and text nodes only: certificate subjects, SANs and
 * error messages are untrusted and never parsed as markup. Nothing here holds
 * data or a secret, so these are served without the token; every data call
 * goes to /api/*, under the API's rule (dashboard.test.ts renders it in
 * headless Chromium).
 */

/** Every dashboard response: nothing loads from elsewhere, no inline script or style, no framing, no sniffing. */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>certwarden watch</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header><h1>certwarden watch</h1><nav><a href="#/" data-view="fleet">Fleet</a><a href="#/inventory" data-view="inventory">Certificates</a></nav></header>
<form id="token-form" hidden><label>Access token <input type="password" id="token" autocomplete="off"></label> <button type="submit">Use</button> (kept in this tab only)</form>
<main id="app"><p>Loading...</p></main>
</body>
</html>
`;

export const DASHBOARD_CSS = String.raw`:root { font-family: system-ui, sans-serif; color: #1d232a; background: #f7f8fa; }
body { margin: 0; }
header { display: flex; align-items: baseline; gap: 2em; padding: 0.6em 1.2em; background: #1d232a; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
header a { color: #cfe3ff; margin-right: 1em; }
header a.current { color: #fff; font-weight: bold; }
main { padding: 1em 1.2em; }
table { border-collapse: collapse; margin: 0.6em 0; background: #fff; }
th, td { border: 1px solid #d9dde3; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
table.rows { width: 100%; }
td.subject, td.sans { word-break: break-all; max-width: 28em; }
.badge { display: inline-block; padding: 0 0.4em; margin: 0 0.15em 0.1em 0; border-radius: 0.3em; font-size: 0.85em; background: #e4e7eb; }
.badge.pass { background: #d3f2d9; }
.badge.fail, .badge.critical, .badge.high, td.fail { background: #fbd5d5; }
.badge.error { background: #fde2c4; }
.badge.warn, .badge.medium { background: #fff1bf; }
.badge.na, .badge.info, .badge.low { background: #e4e7eb; }
tr.attention-0 td:first-child, tr.attention-1 td:first-child { border-left: 4px solid #c81e1e; }
tr.attention-2 td:first-child, tr.attention-3 td:first-child { border-left: 4px solid #d97706; }
.filters { display: flex; flex-wrap: wrap; gap: 0.8em; align-items: center; margin: 0.8em 0; }
.pager { display: flex; gap: 1em; margin: 0.6em 0; }
.pager .disabled { color: #9aa1a9; }
.error { color: #a61b1b; font-weight: bold; }
.timeline { list-style: none; padding-left: 0; border-left: 3px solid #d9dde3; }
.timeline li { margin: 0 0 0.4em 0; padding-left: 0.8em; }
.timeline li.scan { color: #4b5563; }
.timeline time { font-family: ui-monospace, monospace; font-size: 0.85em; margin-right: 0.4em; }
.summary a.down { color: #a61b1b; }
.event-counts { display: flex; flex-wrap: wrap; gap: 1.2em; padding-left: 1em; }
#token-form { padding: 0.6em 1.2em; background: #fff7d6; }
`;

export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  // Every value from the API is untrusted (certificate subjects, SANs, error
  // messages): it reaches the page through text nodes only, never as markup.
  var TOKEN_KEY = 'certwarden-watch-token';
  var app = document.getElementById('app');
  var tokenForm = document.getElementById('token-form');
  var rendered = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function targetHref(label) { return '#/target/' + encodeURIComponent(label); }
  function badge(text, kind) { return el('span', { class: 'badge ' + (kind || text) }, [text]); }
  function when(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'; }

  function api(path) {
    var headers = { accept: 'application/json' };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = 'Bearer ' + token;
    return fetch(path, { headers: headers, credentials: 'omit', cache: 'no-store' }).then(function (res) {
      if (res.status === 401) {
        tokenForm.hidden = false;
        throw new Error('This service needs its access token: enter it above.');
      }
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(body.error || ('HTTP ' + res.status));
        return body;
      });
    });
  }

  function route() {
    var h = location.hash.replace(/^#/, '') || '/';
    var i = h.indexOf('?');
    return { path: i < 0 ? h : h.slice(0, i), params: new URLSearchParams(i < 0 ? '' : h.slice(i + 1)) };
  }
  function go(path, params) {
    var q = params ? params.toString() : '';
    location.hash = '#' + path + (q ? '?' + q : '');
  }
  function withParam(params, key, value) {
    var p = new URLSearchParams(params);
    if (value === null || value === '') p.delete(key); else p.set(key, value);
    return p;
  }

  function pager(data, path, params) {
    var nav = el('nav', { class: 'pager', 'aria-label': 'pages' });
    function link(label, page, id) {
      if (page < 1 || page > data.pages || page === data.page) return el('span', { class: 'disabled' }, [label]);
      return el('a', { href: '#' + path + '?' + withParam(params, 'page', String(page)).toString(), id: id }, [label]);
    }
    nav.appendChild(link('< previous', data.page - 1, 'prev-page'));
    nav.appendChild(el('span', { id: 'page-info' }, ['page ' + data.page + ' of ' + data.pages + ' (' + data.matched + ' matching, ' + data.pageSize + ' a page)']));
    nav.appendChild(link('next >', data.page + 1, 'next-page'));
    return nav;
  }

  function select(id, label, values, current) {
    var s = el('select', { id: id, name: id });
    s.appendChild(el('option', { value: '' }, ['any ' + label]));
    values.forEach(function (v) {
      var o = el('option', { value: v }, [v]);
      if (v === current) o.selected = true;
      s.appendChild(o);
    });
    return el('label', null, [label + ' ', s]);
  }

  function summary(counts) {
    var box = el('section', { class: 'summary', id: 'summary' });
    box.appendChild(el('p', null, [
      el('strong', null, [counts.targets]), ' targets: ',
      el('a', { href: '#/?status=down', class: 'down' }, [counts.down + ' down']), ', ',
      counts.up + ' up, ', counts.unscanned + ' not scanned yet']));
    var t = el('table', { id: 'requirement-counts' });
    var statuses = ['fail', 'error', 'warn', 'pass', 'na'];
    t.appendChild(el('tr', null, [el('th', null, ['requirement'])].concat(statuses.map(function (s) { return el('th', null, [s]); }))));
    Object.keys(counts.requirements).forEach(function (q) {
      t.appendChild(el('tr', null, [el('th', null, [q])].concat(statuses.map(function (s) {
        var n = counts.requirements[q][s];
        return el('td', { class: n > 0 ? s : '' }, [n > 0 ? el('a', { href: '#/?requirement=' + encodeURIComponent(q) + '&status=' + s }, [String(n)]) : '0']);
      }))));
    });
    box.appendChild(t);
    var events = Object.keys(counts.events);
    if (events.length > 0) {
      var ul = el('ul', { class: 'event-counts' });
      events.forEach(function (e) {
        ul.appendChild(el('li', null, [el('a', { href: '#/?event=' + encodeURIComponent(e) }, [e]), ': ' + counts.events[e]]));
      });
      box.appendChild(ul);
    }
    return box;
  }

  function filters(params, data) {
    var q = el('input', { type: 'search', id: 'q', name: 'q', placeholder: 'target, subject, SAN...', maxlength: '200' });
    q.value = params.get('q') || '';
    var form = el('form', { id: 'filters', class: 'filters' }, [
      select('status', 'status', data.statusFilters, params.get('status')),
      select('requirement', 'requirement', Object.keys(data.counts.requirements), params.get('requirement')),
      select('event', 'event', data.eventIds, params.get('event')),
      el('label', null, ['search ', q]),
      el('button', { type: 'submit', id: 'apply' }, ['Apply'])]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      ['status', 'requirement', 'event', 'q'].forEach(function (k) {
        var v = document.getElementById(k).value;
        if (v) p.set(k, v);
      });
      go('/', p);
    });
    return form;
  }

  function state(t) {
    if (t.up === null) return badge('not scanned', 'na');
    if (!t.up) return badge('down', 'fail');
    return badge('up', 'pass');
  }

  function fleetView(params) {
    var query = new URLSearchParams();
    ['status', 'requirement', 'event', 'q', 'page'].forEach(function (k) { if (params.get(k)) query.set(k, params.get(k)); });
    return api('/api/overview?' + query.toString()).then(function (data) {
      app.appendChild(el('h2', null, ['Fleet']));
      app.appendChild(summary(data.counts));
      app.appendChild(filters(params, data));
      var table = el('table', { id: 'fleet', class: 'rows' });
      table.appendChild(el('thead', null, [el('tr', null, ['target', 'state', 'V9.2.1', 'V9.2.4', 'leaf subject', 'not after', 'days left', 'open conditions'].map(function (h) { return el('th', null, [h]); }))]));
      var body = el('tbody');
      data.targets.forEach(function (t) {
        body.appendChild(el('tr', { class: 'attention-' + t.attention }, [
          el('td', null, [el('a', { href: targetHref(t.target), class: 'target-link' }, [t.target])]),
          el('td', null, [state(t)]),
          el('td', null, [t.statuses ? badge(t.statuses['V9.2.1']) : '-']),
          el('td', null, [t.statuses ? badge(t.statuses['V9.2.4']) : '-']),
          el('td', { class: 'subject' }, [t.leaf ? t.leaf.subject : '-']),
          el('td', null, [t.leaf ? when(t.leaf.notAfter) : '-']),
          el('td', { class: t.leaf && t.leaf.daysLeft < 14 ? 'fail' : '' }, [t.leaf ? String(t.leaf.daysLeft) : '-']),
          el('td', null, t.conditions.map(function (c) { return badge(c.event, c.severity); }))]));
      });
      table.appendChild(body);
      app.appendChild(table);
      app.appendChild(pager(data, '/', params));
    });
  }

  function chainTable(chain, now) {
    var t = el('table', { id: 'chain', class: 'rows' });
    t.appendChild(el('tr', null, ['position', 'subject', 'issuer', 'SANs', 'not after', 'SHA-256'].map(function (h) { return el('th', null, [h]); })));
    chain.forEach(function (c) {
      t.appendChild(el('tr', null, [el('td', null, [String(c.position)]), el('td', { class: 'subject' }, [c.subject]), el('td', null, [c.issuer || '-']),
        el('td', { class: 'sans' }, [(c.sans || []).join(', ')]), el('td', null, [when(c.notAfter)]), el('td', null, [el('code', null, [c.sha256.slice(0, 16) + '...'])])]));
    });
    return t;
  }

  function targetView(label) {
    return api('/api/targets/' + encodeURIComponent(label) + '/history?limit=200').then(function (data) {
      app.appendChild(el('p', null, [el('a', { href: '#/', id: 'back' }, ['< fleet'])]));
      app.appendChild(el('h2', { id: 'target-name' }, [data.target]));
      var latest = data.scans[0];
      if (latest) {
        app.appendChild(el('p', { id: 'target-state' }, ['last scan ' + when(latest.at) + ': ', latest.up ? badge('up', 'pass') : badge('down', 'fail'), ' V9.2.1 ', badge(latest.statuses['V9.2.1']), ' V9.2.4 ', badge(latest.statuses['V9.2.4']), latest.downReason ? ' ' + latest.downReason : '']));
        var up = data.scans.filter(function (s) { return s.up; })[0];
        if (up) {
          app.appendChild(el('h3', null, ['Served chain (' + when(up.at) + ')']));
          app.appendChild(chainTable(up.chain));
        }
      } else app.appendChild(el('p', null, ['Not scanned yet.']));
      app.appendChild(el('h3', null, ['Timeline']));
      var items = data.events.map(function (e) { return { at: e.at, order: 0, e: e }; }).concat(data.scans.map(function (s) { return { at: s.at, order: 1, s: s }; }));
      items.sort(function (a, b) { return a.at < b.at ? 1 : a.at > b.at ? -1 : a.order - b.order; });
      var ol = el('ol', { id: 'timeline', class: 'timeline' });
      items.forEach(function (it) {
        if (it.e) {
          var e = it.e;
          ol.appendChild(el('li', { class: 'event ' + e.severity }, [el('time', null, [when(e.at)]), ' ', badge(e.event, e.severity), e.repeat ? ' (still)' : '', e.silencedBy ? badge('silenced', 'na') : null, ' ', el('span', { class: 'message' }, [e.message])]));
        } else {
          var s = it.s;
          ol.appendChild(el('li', { class: 'scan' }, [el('time', null, [when(s.at)]), ' scan: ', s.up ? 'up, V9.2.1 ' + s.statuses['V9.2.1'] + ', V9.2.4 ' + s.statuses['V9.2.4'] + ', ' + s.findings.length + ' finding(s)' : 'down' + (s.downReason ? ': ' + s.downReason : '')]));
        }
      });
      app.appendChild(ol);
    });
  }

  function inventoryView(params) {
    var query = new URLSearchParams();
    ['q', 'sort', 'position', 'page'].forEach(function (k) { if (params.get(k)) query.set(k, params.get(k)); });
    return api('/api/inventory?' + query.toString()).then(function (data) {
      app.appendChild(el('h2', null, ['Certificates']));
      var q = el('input', { type: 'search', id: 'inv-q', placeholder: 'target, subject, issuer, SAN...', maxlength: '200' });
      q.value = params.get('q') || '';
      var sort = el('select', { id: 'inv-sort' });
      [['expiry', 'expiry, soonest first'], ['-expiry', 'expiry, latest first'], ['target', 'target']].forEach(function (o) {
        var opt = el('option', { value: o[0] }, [o[1]]);
        if ((params.get('sort') || 'expiry') === o[0]) opt.selected = true;
        sort.appendChild(opt);
      });
      var leaves = el('input', { type: 'checkbox', id: 'inv-leaf' });
      leaves.checked = params.get('position') === 'leaf';
      var form = el('form', { id: 'inv-filters', class: 'filters' }, [el('label', null, ['search ', q]), el('label', null, ['sort ', sort]), el('label', null, [leaves, ' leaves only']), el('button', { type: 'submit' }, ['Apply'])]);
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var p = new URLSearchParams();
        if (q.value) p.set('q', q.value);
        if (sort.value !== 'expiry') p.set('sort', sort.value);
        if (leaves.checked) p.set('position', 'leaf');
        go('/inventory', p);
      });
      app.appendChild(form);
      var t = el('table', { id: 'inventory', class: 'rows' });
      t.appendChild(el('thead', null, [el('tr', null, ['target', 'position', 'subject', 'issuer', 'SANs', 'not after', 'days left'].map(function (h) { return el('th', null, [h]); }))]));
      var body = el('tbody');
      data.certificates.forEach(function (c) {
        body.appendChild(el('tr', null, [el('td', null, [el('a', { href: targetHref(c.target) }, [c.target])]), el('td', null, [String(c.position)]), el('td', { class: 'subject' }, [c.subject]), el('td', null, [c.issuer || '-']), el('td', { class: 'sans' }, [c.sans.join(', ')]), el('td', null, [when(c.notAfter)]), el('td', { class: c.daysLeft < 14 ? 'fail' : '' }, [String(c.daysLeft)])]));
      });
      t.appendChild(body);
      app.appendChild(t);
      app.appendChild(pager(data, '/inventory', params));
    });
  }

  function render() {
    var r = route();
    clear(app);
    document.querySelectorAll('header nav a').forEach(function (a) { a.classList.toggle('current', a.getAttribute('data-view') === (r.path === '/inventory' ? 'inventory' : r.path.indexOf('/target/') === 0 ? '' : 'fleet')); });
    var work;
    try {
      if (r.path.indexOf('/target/') === 0) work = targetView(decodeURIComponent(r.path.slice('/target/'.length)));
      else if (r.path === '/inventory') work = inventoryView(r.params);
      else work = fleetView(r.params);
    } catch (err) {
      work = Promise.reject(err);
    }
    work.catch(function (err) {
      app.appendChild(el('p', { class: 'error', role: 'alert', id: 'error' }, [String(err && err.message ? err.message : err)]));
    }).then(function () {
      rendered++;
      document.body.setAttribute('data-rendered', String(rendered));
      document.body.setAttribute('data-view', r.path);
    });
  }

  tokenForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = document.getElementById('token').value.trim();
    if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('token').value = '';
    tokenForm.hidden = true;
    render();
  });
  window.addEventListener('hashchange', render);
  render();
})();
`;

/** A plain mark, so the browser does not ask for /favicon.ico. */
export const DASHBOARD_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1 2 3v5c0 3.5 2.6 6.2 6 7 3.4-.8 6-3.5 6-7V3z" fill="#1d232a"/></svg>';

/** The dashboard's paths and what they serve. */
export const DASHBOARD_ASSETS: ReadonlyMap<string, { type: string; body: string }> = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML }],
  ['/assets/dashboard.css', { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS }],
  ['/assets/dashboard.js', { type: 'text/javascript; charset=utf-8', body: DASHBOARD_JS }],
  ['/assets/icon.svg', { type: 'image/svg+xml', body: DASHBOARD_ICON }],
]);
