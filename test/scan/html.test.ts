/**
 * The HTML report (field trial 9.13): an overall verdict, failing targets
 * first, finding ids linked to their row in docs/scan.md, one collapsible
 * <details> per target, and certificate fields escaped (a subject of
 * `<script>` renders as text). Scanned from real Node TLS servers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import { FINDING_DOCS_URL, OPEN_FAILURES_UP_TO_TARGETS, renderHtml } from '../../src/scan/render/html.ts';
import type { ScanReport } from '../../src/scan/report.ts';
import { projectRoot } from '../helpers/shared.ts';
import { FAST, makePki, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

let pki: Pki;
const servers: RunningServer[] = [];
let report: ScanReport;
let html: string;

before(async () => {
  pki = await makePki();
  const good = pki.leaf('good.test');
  const xss = pki.leaf('xss.test', { subject: 'CN=<script>alert(1)</script>' });
  const nostaple = pki.leaf('nostaple.test');
  const ports: Array<[string, number]> = [];
  for (const [host, spec] of [
    ['good.test', { identity: good, staple: pki.staple(good) }],
    ['xss.test', { identity: xss, staple: pki.staple(xss) }],
    ['nostaple.test', { identity: nostaple }],
  ] as const) {
    const s = await startTlsServer(spec, pki);
    servers.push(s);
    ports.push([host, s.port]);
  }
  const policy = pki.policy('revocation:\n  check: leaf\n');
  // The passing target first: the report must still list the failing one first.
  const targets = ports.map(([host, port]) => ({ ...parseTarget(`${host}:${port}`), address: '127.0.0.1' }));
  report = await runScan({ policy, targets, settings: FAST, targetTimeoutMs: 8_000 });
  html = renderHtml(report);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pki.close();
});

describe('HTML report', () => {
  test('an overall verdict: FAIL with the count of failed targets', () => {
    assert.match(html, /<p class="verdict" id="verdict"><span class="badge fail">FAIL<\/span> 1 of 3 target\(s\) failed/);
    assert.match(html, /<title>certwarden scan: FAIL, 3 target\(s\)<\/title>/);
  });

  test('targets are collapsible <details>, failing first, and a small report opens its failures', () => {
    const sections = [...html.matchAll(/<details class="target" data-status="(\w+)"( open)?><summary>.*? (\S+\.test:\d+) &middot;/g)].map((m) => ({ status: m[1], open: !!m[2], target: m[3] }));
    assert.equal(sections.length, 3);
    assert.equal(sections[0]!.status, 'fail');
    assert.match(sections[0]!.target!, /^nostaple\.test:/);
    assert.ok(sections[0]!.open);
    assert.ok(sections.slice(1).every((s) => s.status === 'pass' && !s.open), JSON.stringify(sections));
    assert.ok(report.results.length <= OPEN_FAILURES_UP_TO_TARGETS);
  });

  test('a large report (hundreds of targets) starts fully collapsed, failures still first', () => {
    const many = { ...report, results: Array.from({ length: 500 }, (_, i) => ({ ...report.results[i % report.results.length]!, target: `t${i}` })) };
    const big = renderHtml(many);
    const sections = [...big.matchAll(/<details class="target" data-status="(\w+)"( open)?>/g)];
    assert.equal(sections.length, 500);
    assert.ok(sections.every((m) => !m[2]));
    const firstPass = sections.findIndex((m) => m[1] === 'pass');
    assert.ok(sections.slice(firstPass).every((m) => m[1] === 'pass'), 'every failing target is listed before the passing ones');
  });

  test('finding ids link to their row in docs/scan.md, and every such anchor exists', () => {
    const docs = readFileSync(join(projectRoot, 'docs', 'scan.md'), 'utf8');
    const links = [...html.matchAll(/<a href="([^"]+)" rel="noreferrer"><code>([a-z0-9-]+)<\/code><\/a>/g)];
    assert.ok(links.some((m) => m[2] === 'staple-missing'));
    for (const [, href, id] of links) {
      assert.equal(href, `${FINDING_DOCS_URL}#${id}`);
      assert.ok(docs.includes(`<a id="${id}"></a>`), `docs/scan.md has no anchor ${id}`);
    }
  });

  test('a certificate subject of <script> renders as text, never as markup', () => {
    assert.doesNotMatch(html, /<script/i);
    // RFC 4514 string form escapes < and > with a backslash; HTML escaping comes on top.
    assert.match(html, /<td>CN=\\&lt;script\\&gt;alert\(1\)\\&lt;\/script\\&gt;<\/td>/);
  });

  test('self-contained: no resource is loaded (no src, no stylesheet link, no url()), the CSP forbids fetching', () => {
    assert.doesNotMatch(html, /\ssrc=|<link|url\(/i);
    assert.match(html, /default-src 'none'/);
  });
});
