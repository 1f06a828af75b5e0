/**
 * The dashboard: its API pages and filters on the server (1,000 targets),
 * its responses carry a strict CSP and nosniff, and real headless Chromium
 * (no network: test/helpers/chromium.ts) renders it, is clicked through
 * (filter, a target's timeline, the certificate inventory, paging), and shows
 * a certificate subject and SAN of `<script>` / `<img onerror>` as text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWatchConfig, type WatchConfig } from '../../src/watch/config.ts';
import { startWatch, type RunningWatch } from '../../src/watch/service.ts';
import type { Clock } from '../../src/watch/scheduler.ts';
import type { Snapshot } from '../../src/watch/snapshot.ts';
import { DASHBOARD_PAGE_SIZE } from '../../src/watch/dashboard/api.ts';
import { Chromium, chromiumPath, type Page } from '../helpers/chromium.ts';
import { freePort, makeWorld, SwappableServer, type World } from './fixtures.ts';

const SCRIPT_CN = '<script>alert(1)</script>';
/** One DNS SAN holding both: a <script> inserted as markup would not run, an <img onerror> would. */
const HOSTILE_SAN = '<script>alert(1)</script><img src=x onerror=alert(2)>';
/** How the subject reads once formatted (RFC 4514 escapes < and >): still markup-like, still untrusted. */
const SCRIPT_SUBJECT = 'CN=\\<script\\>alert(1)\\</script\\>';
const TOKEN = 'dashboard-read-token-0123456789';
const DAY = 86_400_000;

class FrozenClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
  setTimer(): () => void {
    return () => {};
  }
}

const chromium = chromiumPath();
const noChromium = chromium ? false : 'chromium not installed (scripts/test-servers.sh installs it)';

describe('dashboard', () => {
  let world: World;
  let good: SwappableServer;
  let evil: SwappableServer;
  let deadPort: number;
  let config: WatchConfig;
  let w: RunningWatch;
  let browser: Chromium | undefined;
  const clock = new FrozenClock();
  const labels = { good: '', evil: '', dead: '' };
  const others: RunningWatch[] = [];

  before(async () => {
    world = await makeWorld();
    good = await new SwappableServer(await world.issue('good.test')).start();
    evil = await new SwappableServer(world.foreign(HOSTILE_SAN, `CN=${SCRIPT_CN}`)).start();
    deadPort = await freePort();
    labels.good = `good.test:${good.port}`;
    labels.evil = `evil.test:${evil.port}`;
    labels.dead = `dead.test:${deadPort}`;
    world.write('token', `${TOKEN}\n`);
    config = parseWatchConfig(`version: 1\npolicy: policy.yaml\nstore: ./data\ntargets:\n${Object.values(labels).map((l) => `  - { target: "${l}", resolve: 127.0.0.1 }`).join('\n')}\n`, `${world.dir}/watch.yaml`);
    w = await startWatch(config, { clock, port: 0, scan: { settings: { stapleAttempts: 1 } } });
    // The dead target's outage is silenced: recorded and shown all the same.
    await w.store.addSilence({ id: 'abcdef0123456789', matchers: { target: labels.dead, events: ['target-unreachable'] }, startsAt: new Date(clock.t - 1000).toISOString(), endsAt: new Date(clock.t + 3_600_000).toISOString(), createdBy: 'test', comment: 'known outage', createdAt: new Date(clock.t).toISOString() });
    for (const t of w.engine.targets) await w.engine.scanTarget(t, new Date(clock.t));
    clock.t += 60_000;
    for (const t of w.engine.targets) await w.engine.scanTarget(t, new Date(clock.t));
    if (chromium) browser = await Chromium.launch(chromium);
  });

  after(async () => {
    await browser?.close();
    for (const r of others) await r.stop().catch(() => {});
    await w?.stop();
    await good?.stop();
    await evil?.stop();
    await world?.close();
  });

  test('the page and its assets are served with a strict CSP and nosniff, with no inline script or style', async () => {
    const page = await fetch(`${w.server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /(^|; )default-src 'self'(;|$)/);
    assert.match(csp, /(^|; )script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    assert.deepEqual([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script src="/assets/dashboard.js" defer>']);
    assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=|https?:\/\//i, 'no inline style, no handler attribute, nothing from elsewhere');
    for (const [path, type] of [['/assets/dashboard.js', /^text\/javascript/], ['/assets/dashboard.css', /^text\/css/]] as const) {
      const r = await fetch(`${w.server.url}${path}`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, type);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.doesNotMatch(await r.text(), /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, `${path} never parses data as markup`);
    }
    assert.equal((await fetch(`${w.server.url}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${w.server.url}/`, { method: 'POST' })).status, 405);
  });

  test('the overview API: failures first, counts per requirement and status, filters, and bad queries refused', async () => {
    const r = (await (await fetch(`${w.server.url}/api/overview`)).json()) as { counts: { targets: number; down: number; requirements: Record<string, Record<string, number>> }; targets: Array<{ target: string; attention: number; leaf: { subject: string; sans: string[] } | null }> };
    assert.deepEqual(r.targets.map((t) => t.target), [labels.dead, labels.evil, labels.good]);
    assert.equal(r.counts.targets, 3);
    assert.equal(r.counts.down, 1);
    assert.equal(r.counts.requirements['V9.2.1']!.fail, 1);
    assert.equal(r.targets[1]!.leaf!.subject, SCRIPT_SUBJECT, 'the subject is kept as data');
    assert.ok(r.targets[1]!.leaf!.sans.includes(`DNS:${HOSTILE_SAN}`), 'the SAN is kept raw');
    const down = (await (await fetch(`${w.server.url}/api/overview?status=down`)).json()) as { matched: number };
    assert.equal(down.matched, 1);
    const text = (await (await fetch(`${w.server.url}/api/overview?q=${encodeURIComponent('ALERT(1)')}`)).json()) as { targets: Array<{ target: string }> };
    assert.deepEqual(text.targets.map((t) => t.target), [labels.evil], 'search covers subjects, case-insensitive');
    for (const q of ['status=bogus', 'requirement=V1', 'event=nope', 'page=0', `q=${'x'.repeat(201)}`, 'sort=x']) {
      const path = q.startsWith('sort') ? `/api/inventory?${q}` : `/api/overview?${q}`;
      assert.equal((await fetch(`${w.server.url}${path}`)).status, 400, path);
    }
  });

  test('Chromium renders a hostile subject and SAN as text: no injected element, no dialog, no CSP violation, nothing fetched elsewhere', { skip: noChromium }, async () => {
    const page = await browser!.newPage(new URL(w.server.url).origin);
    await page.goto(`${w.server.url}/`);
    const dom = await page.evaluate<string>('document.documentElement.outerHTML');
    assert.ok(dom.includes('CN=\\&lt;script\\&gt;alert(1)\\&lt;/script\\&gt;'), 'the subject appears escaped in the DOM');
    assert.equal(await page.evaluate<number>('document.scripts.length'), 1, 'only the dashboard script');
    assert.equal(await page.evaluate<number>('document.querySelectorAll("#app img, #app script").length'), 0);
    const cells = await page.evaluate<string[]>('[...document.querySelectorAll("#fleet tbody tr td:first-child")].map((td) => td.textContent)');
    assert.deepEqual(cells, [labels.dead, labels.evil, labels.good], 'failures first');
    assert.ok((await page.evaluate<string>('document.querySelector("#fleet").textContent')).includes(SCRIPT_SUBJECT));
    // The target page shows the SAN list: the <img onerror> is text there too.
    await page.andRender(() => page.click(`a.target-link[href="#/target/${encodeURIComponent(labels.evil)}"]`));
    assert.equal(await page.evaluate<string>('document.querySelector("#target-name").textContent'), labels.evil);
    assert.ok((await page.evaluate<string>('document.querySelector("#chain").textContent')).includes(`DNS:${HOSTILE_SAN}`));
    assert.ok((await page.evaluate<string>('document.documentElement.outerHTML')).includes('DNS:&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;'));
    assert.equal(await page.evaluate<number>('document.querySelectorAll("#app img, #app script").length'), 0);
    await page.andRender(() => page.click('a[data-view="inventory"]'));
    assert.ok((await page.evaluate<string>('document.querySelector("#inventory").textContent')).includes(`DNS:${HOSTILE_SAN}`));
    assert.equal(await page.evaluate<number>('document.querySelectorAll("#app img, #app script").length'), 0);
    await new Promise((r) => setTimeout(r, 200)); // an onerror would fire by now
    assert.deepEqual(page.dialogs, [], 'no alert() ran');
    assert.deepEqual(page.errors, [], 'no script error and no CSP violation');
    assert.deepEqual(page.blocked, [], 'the page asked for nothing outside the service');
    assert.match(page.responses.get('/')?.['content-security-policy'] ?? '', /default-src 'self'/);
  });

  test('Chromium: filter the fleet, open a target and read its timeline, then the inventory sorted by expiry', { skip: noChromium }, async () => {
    const page = await browser!.newPage(new URL(w.server.url).origin);
    await page.goto(`${w.server.url}/`);
    await page.choose('#status', 'down');
    await page.andRender(() => page.click('#apply'));
    assert.equal(await page.evaluate<string>('location.hash'), '#/?status=down');
    assert.deepEqual(await page.evaluate<string[]>('[...document.querySelectorAll("#fleet tbody tr td:first-child")].map((td) => td.textContent)'), [labels.dead]);
    await page.choose('#status', '');
    await page.type('#q', 'good.test');
    await page.andRender(() => page.click('#apply'));
    assert.deepEqual(await page.evaluate<string[]>('[...document.querySelectorAll("#fleet tbody tr td:first-child")].map((td) => td.textContent)'), [labels.good]);
    await page.andRender(() => page.click('a.target-link'));
    assert.equal(await page.evaluate<string>('document.querySelector("#target-name").textContent'), labels.good);
    const timeline = await page.evaluate<string[]>('[...document.querySelectorAll("#timeline li")].map((li) => li.className + ": " + li.textContent)');
    assert.equal(timeline.filter((t) => t.startsWith('scan')).length, 2, timeline.join('\n'));
    assert.ok(timeline.every((t) => /^(scan|event)/.test(t)));
    assert.ok((await page.evaluate<string>('document.querySelector("#chain").textContent')).includes('DNS:good.test'));
    await page.andRender(() => page.click('a[data-view="inventory"]'));
    const expiries = await page.evaluate<string[]>('[...document.querySelectorAll("#inventory tbody tr td:nth-child(6)")].map((td) => td.textContent)');
    assert.ok(expiries.length >= 3, expiries.join(', '));
    assert.deepEqual(expiries, [...expiries].sort(), 'soonest expiry first');
    await page.choose('#inv-sort', '-expiry');
    await page.andRender(() => page.click('#inv-filters button'));
    const reversed = await page.evaluate<string[]>('[...document.querySelectorAll("#inventory tbody tr td:nth-child(6)")].map((td) => td.textContent)');
    assert.deepEqual(reversed, [...expiries].reverse());
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.blocked, []);
  });

  test('Chromium: a silenced event is still on the target\'s timeline, marked silenced, and the target still counts as down', { skip: noChromium }, async () => {
    const page = await browser!.newPage(new URL(w.server.url).origin);
    await page.goto(`${w.server.url}/#/?status=down`);
    assert.match(await page.evaluate<string>('document.querySelector("#summary").textContent'), /1 down/);
    await page.andRender(() => page.click('a.target-link'));
    const events = await page.evaluate<string[]>('[...document.querySelectorAll("#timeline li.event")].map((li) => li.textContent)');
    assert.equal(events.length, 1, events.join('\n'));
    assert.match(events[0]!, /target-unreachable.*silenced/);
    assert.deepEqual(page.errors, []);
  });

  test('with token-file the data needs the token: the page asks for it, then renders', { skip: noChromium }, async () => {
    const guarded = await startWatch({ ...config, tokenFile: `${world.dir}/token` }, { clock, port: 0 });
    others.push(guarded);
    assert.equal((await fetch(`${guarded.server.url}/api/overview`)).status, 401);
    assert.equal((await fetch(`${guarded.server.url}/`)).status, 200, 'the page itself carries no data');
    const page = await browser!.newPage(new URL(guarded.server.url).origin);
    await page.goto(`${guarded.server.url}/`);
    assert.equal(await page.evaluate<boolean>('document.querySelector("#token-form").hidden'), false);
    assert.match(await page.evaluate<string>('document.querySelector("#error").textContent'), /access token/);
    await page.type('#token', TOKEN);
    await page.andRender(() => page.click('#token-form button'));
    assert.equal(await page.evaluate<number>('document.querySelectorAll("#fleet tbody tr").length'), 3);
  });

  describe('1,000 targets', () => {
    let big: RunningWatch;
    const N = 1000;
    const label = (i: number): string => `t${String(i).padStart(4, '0')}.fleet.test:443`;

    before(async () => {
      const targets = Array.from({ length: N }, (_, i) => `  - ${label(i)}`).join('\n');
      const c = parseWatchConfig(`version: 1\npolicy: policy.yaml\nstore: ./big\ntargets:\n${targets}\n`, `${world.dir}/big.yaml`);
      big = await startWatch(c, { clock, port: 0 });
      others.push(big);
      // Synthetic history: a row per target written straight to the store (no servers needed to page).
      for (let i = 0; i < N; i++) {
        const up = i % 50 !== 7;
        const fail = i % 10 === 3;
        const snap: Snapshot = {
          target: label(i),
          at: new Date(clock.t).toISOString(),
          up,
          ...(up ? {} : { downReason: 'ECONNREFUSED' }),
          durationMs: 5,
          statuses: { 'V9.2.1': up ? (fail ? 'fail' : 'pass') : 'error', 'V9.2.4': up ? 'pass' : 'error' },
          findings: [],
          chain: up ? [{ position: 0, sha256: i.toString(16).padStart(64, '0'), subject: `CN=t${i}.fleet.test`, issuer: 'CN=Fleet CA', sans: [`DNS:t${i}.fleet.test`], notAfter: new Date(clock.t + ((i * 7919) % 365) * DAY + DAY / 2).toISOString() }] : [],
          trusted: !fail,
        };
        await big.store.recordScan(snap, [], [], []);
      }
    });

    test('the API pages at DASHBOARD_PAGE_SIZE, filters on the server, failures first', async () => {
      const started = Date.now();
      const r = (await (await fetch(`${big.server.url}/api/overview`)).json()) as { counts: { targets: number; down: number; requirements: Record<string, Record<string, number>> }; page: number; pages: number; pageSize: number; matched: number; targets: Array<{ target: string; attention: number }> };
      assert.ok(Date.now() - started < 5000, 'answers in seconds');
      assert.equal(r.counts.targets, N);
      assert.equal(r.counts.down, 20);
      assert.equal(r.counts.requirements['V9.2.1']!.fail, 100);
      assert.equal(r.pageSize, DASHBOARD_PAGE_SIZE);
      assert.equal(r.pages, N / DASHBOARD_PAGE_SIZE);
      assert.equal(r.targets.length, DASHBOARD_PAGE_SIZE);
      assert.deepEqual(r.targets.slice(0, 20).map((t) => t.attention), Array(20).fill(0), 'the 20 down targets come first');
      assert.deepEqual(r.targets.slice(20).map((t) => t.attention), Array(30).fill(1), 'then the failing ones');
      const last = (await (await fetch(`${big.server.url}/api/overview?page=${N / DASHBOARD_PAGE_SIZE}`)).json()) as { targets: unknown[]; page: number };
      assert.equal(last.targets.length, DASHBOARD_PAGE_SIZE);
      const failing = (await (await fetch(`${big.server.url}/api/overview?requirement=V9.2.1&status=fail`)).json()) as { matched: number; pages: number };
      assert.equal(failing.matched, 100);
      assert.equal(failing.pages, 2);
      const one = (await (await fetch(`${big.server.url}/api/overview?q=t0999.fleet`)).json()) as { targets: Array<{ target: string }> };
      assert.deepEqual(one.targets.map((t) => t.target), [label(999)]);
      const inv = (await (await fetch(`${big.server.url}/api/inventory`)).json()) as { matched: number; certificates: Array<{ daysLeft: number }> };
      assert.equal(inv.matched, N - 20);
      assert.equal(inv.certificates.length, DASHBOARD_PAGE_SIZE);
      assert.deepEqual(inv.certificates.map((c) => c.daysLeft), [...inv.certificates.map((c) => c.daysLeft)].sort((a, b) => a - b));
      assert.equal(inv.certificates[0]!.daysLeft, 0);
    });

    test('Chromium renders one page of rows, not a thousand, and pages on', { skip: noChromium }, async () => {
      const page = await browser!.newPage(new URL(big.server.url).origin);
      await page.goto(`${big.server.url}/`);
      assert.equal(await page.evaluate<number>('document.querySelectorAll("#fleet tbody tr").length'), DASHBOARD_PAGE_SIZE);
      assert.match(await page.evaluate<string>('document.querySelector("#page-info").textContent'), /^page 1 of 20 \(1000 matching, 50 a page\)$/);
      const first = await page.evaluate<string>('document.querySelector("#fleet tbody tr td").textContent');
      await page.andRender(() => page.click('#next-page'));
      assert.match(await page.evaluate<string>('document.querySelector("#page-info").textContent'), /^page 2 of 20/);
      assert.notEqual(await page.evaluate<string>('document.querySelector("#fleet tbody tr td").textContent'), first);
      assert.equal(await page.evaluate<number>('document.querySelectorAll("#fleet tbody tr").length'), DASHBOARD_PAGE_SIZE);
      assert.deepEqual(page.errors, []);
    });
  });
});
