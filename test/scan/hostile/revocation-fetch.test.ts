/**
 * OCSP and CRL URLs chosen by a hostile certificate: an untrusted chain makes
 * the scanner send nothing; a trusted one is followed only up to the caps
 * per certificate; `--timeout` bounds the whole target, fetches included,
 * and the process exits promptly once the report is written. Each fetch is
 * counted server-side.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLeaf, makeRoot, makeIntermediate } from '../../helpers/pki.ts';
import { runScan } from '../../../src/scan/runner.ts';
import { parseTarget } from '../../../src/scan/target.ts';
import { MAX_OCSP_URLS_PER_CERTIFICATE } from '../../../src/ocsp/fetch.ts';
import { MAX_CRL_URLS_PER_CERTIFICATE } from '../../../src/crl/cache.ts';
import type { TargetResult } from '../../../src/scan/report.ts';
import { makePki, startTlsServer, type Pki, type RunningServer } from '../fleet.ts';
import { hostileHttp, runCliBounded, type CountingHttp } from './servers.ts';

const URLS = 30;
const BUDGET_S = 3;
/** Generous: the budget, process start-up and slack for a loaded machine. A bound, not a speed test. */
const WALL_BOUND_MS = BUDGET_S * 1000 + 8_000;
const FAST = { stapleAttempts: 1, clientAuthSettleMs: 100 };

let pki: Pki;
let tarpit: CountingHttp;
const servers: RunningServer[] = [];
let untrusted: RunningServer;
let untrustedChain: RunningServer;
let trusted: RunningServer;

const urls = (kind: string): string[] => Array.from({ length: URLS }, (_, i) => tarpit.url(`/${kind}/${i}`));
const ids = (r: TargetResult): string[] => r.requirements['V9.2.4'].findings.map((f) => f.id);

before(async () => {
  pki = await makePki();
  tarpit = await hostileHttp('hang');
  const rogueRoot = makeRoot('CN=Attacker Root', { ocspUrls: urls('root-ocsp'), crlUrls: urls('root-crl') });
  const rogueInter = makeIntermediate(rogueRoot, 'CN=Attacker CA', { ocspUrls: urls('inter-ocsp'), crlUrls: urls('inter-crl') });
  const rogueLeaf = makeLeaf(rogueInter, 'evil.test', { ocspUrls: urls('leaf-ocsp'), crlUrls: urls('leaf-crl') });
  untrusted = await startTlsServer({ identity: rogueLeaf, chain: [rogueInter, rogueRoot] });
  // An untrusted leaf that claims to be issued by the policy's own CA (same name, another key).
  const forgedInter = makeIntermediate(makeRoot('CN=Scan Test Root'), 'CN=Scan Test Issuing CA');
  const forgedLeaf = makeLeaf(forgedInter, 'forged.test', { ocspUrls: urls('forged-ocsp'), crlUrls: urls('forged-crl') });
  untrustedChain = await startTlsServer({ identity: forgedLeaf, chain: [forgedInter] });
  const leaf = pki.leaf('tarpit.test', { ocspUrls: urls('ocsp'), crlUrls: urls('crl') });
  trusted = await startTlsServer({ identity: leaf, staple: pki.staple(leaf) }, pki);
  servers.push(untrusted, untrustedChain, trusted);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await tarpit.close();
  await pki.close();
});

describe('hostile certificates: OCSP/CRL URL fan-out', () => {
  test('an untrusted chain naming 180 OCSP/CRL URLs makes the scanner send none; V9.2.4 says not checked, and why (never pass)', async () => {
    const before = tarpit.requests.length;
    const policy = pki.policy('revocation:\n  check: chain\n');
    const report = await runScan({
      policy,
      targets: [
        { ...parseTarget(`evil.test:${untrusted.port}`), address: '127.0.0.1' },
        { ...parseTarget(`forged.test:${untrustedChain.port}`), address: '127.0.0.1' },
      ],
      targetTimeoutMs: BUDGET_S * 1000,
      settings: FAST,
    });
    assert.deepEqual(tarpit.requests.slice(before), [], 'requests were sent on behalf of an untrusted chain');
    for (const r of report.results) {
      assert.equal(r.requirements['V9.2.1'].status, 'fail');
      assert.notEqual(r.requirements['V9.2.4'].status, 'pass');
      assert.ok(ids(r).includes('revocation-unanchored'), JSON.stringify(r.requirements['V9.2.4']));
      assert.ok(r.requirements['V9.2.4'].findings.some((f) => f.id === 'revocation-unanchored' && /not fetched|can be evidence/.test(f.message)), JSON.stringify(r.requirements['V9.2.4']));
    }
  });

  test(`a trusted leaf naming ${URLS} OCSP and ${URLS} CRL URLs is followed at most ${MAX_OCSP_URLS_PER_CERTIFICATE} + ${MAX_CRL_URLS_PER_CERTIFICATE} times; the budget ends the rest`, async () => {
    const before = tarpit.requests.length;
    const t0 = performance.now();
    const report = await runScan({ policy: pki.policy('revocation:\n  check: leaf\n'), targets: [{ ...parseTarget(`tarpit.test:${trusted.port}`), address: '127.0.0.1' }], targetTimeoutMs: BUDGET_S * 1000, settings: FAST });
    const ms = performance.now() - t0;
    assert.ok(ms < WALL_BOUND_MS, `took ${Math.round(ms)} ms`);
    const sent = tarpit.requests.slice(before);
    assert.ok(sent.filter((u) => u.startsWith('/ocsp/')).length <= MAX_OCSP_URLS_PER_CERTIFICATE, sent.join(' '));
    assert.ok(sent.filter((u) => u.startsWith('/crl/')).length <= MAX_CRL_URLS_PER_CERTIFICATE, sent.join(' '));
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', JSON.stringify(r.requirements['V9.2.1']));
    assert.equal(r.requirements['V9.2.4'].status, 'error', JSON.stringify(r.requirements['V9.2.4']));
    // Abort reached the fetches: the tarpit sees no connection left open shortly after the report.
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(tarpit.open(), 0, 'fetch sockets were left open after the scan');
  });
});

describe('the fetch gate is silent on chains a trusted CA signed', () => {
  test('a leaf from the policy CA scanned under another name: its OCSP URL (the CA\'s) is still asked; V9.2.4 passes', async () => {
    const leaf = pki.leaf('named.test');
    const server = await startTlsServer({ identity: leaf, staple: pki.staple(leaf) }, pki);
    servers.push(server);
    const report = await runScan({ policy: pki.policy('revocation:\n  check: leaf\n'), targets: [{ ...parseTarget(`other.test:${server.port}`), address: '127.0.0.1' }], targetTimeoutMs: 8_000, settings: FAST });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.equal(r.requirements['V9.2.4'].status, 'pass', JSON.stringify(r.requirements['V9.2.4']));
    assert.equal((r.evidence.checks['revocation-status'] as { status: string }).status, 'good');
  });
});

describe('--timeout bounds the whole target, queued OCSP/CRL fetches included', () => {
  test(`CLI: a leaf with ${2 * URLS} tarpit URLs at --timeout ${BUDGET_S}: the report is written and the process exits within the bound (was 110 s with 40 URLs at --timeout 5)`, async () => {
    const policy = pki.policyFile('revocation:\n  check: leaf\n');
    const r = await runCliBounded(['scan', `tarpit.test:${trusted.port}`, '--resolve', `tarpit.test:${trusted.port}:127.0.0.1`, '--policy', policy, '--format', 'json', '--timeout', String(BUDGET_S), '--staple-attempts', '1'], { heapMb: 256, killAfterMs: 90_000 });
    assert.equal(r.killed, false, `killed after ${Math.round(r.ms)} ms`);
    assert.ok(r.ms < WALL_BOUND_MS, `the process ran ${Math.round(r.ms)} ms`);
    const report = JSON.parse(r.stdout) as { results: Array<{ requirements: Record<string, { status: string }> }> };
    assert.equal(report.results[0]!.requirements['V9.2.4']!.status, 'error');
  });
});
