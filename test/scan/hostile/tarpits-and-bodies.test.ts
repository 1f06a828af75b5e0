/**
 * Tarpits (accept and never answer; drip one byte a second), OCSP/CRL
 * endpoints with endless or ReDoS-shaped bodies, and a staple signed by a
 * forged root: the scan (runScan and the CLI) and the library path that
 * fetches (createAgent with revocation on) stay inside their budgets and
 * memory, and none of it is a pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIntermediate, makeOcspResponder, makeRoot } from '../../helpers/pki.ts';
import { runScan } from '../../../src/scan/runner.ts';
import { parseTarget } from '../../../src/scan/target.ts';
import { loadPolicy } from '../../../src/policy/load.ts';
import { createAgent } from '../../../src/tls/agent.ts';
import { isCertwardenError } from '../../../src/errors.ts';
import { buildOcspResponse } from '../../../src/ocsp/builder.ts';
import { get } from '../../tls/helpers/client.ts';
import { startHttpsServer, type CountingServer } from '../../tls/helpers/servers.ts';
import { makePki, startTlsServer, type Pki, type RunningServer } from '../fleet.ts';
import { dripTarpit, hostileHttp, runCliBounded, silentTarpit, type CountingHttp, type Running } from './servers.ts';

const BUDGET_S = 3;
/** Generous: the budget, process start-up and slack for a loaded machine. A bound, not a speed test. */
const WALL_BOUND_MS = BUDGET_S * 1000 + 8_000;
const FAST = { stapleAttempts: 1, clientAuthSettleMs: 100 };

let pki: Pki;
const closers: Array<Running | RunningServer | CountingHttp | CountingServer> = [];
let silent: Running;
let drip: Running;
let endlessOcsp: CountingHttp;
let endlessCrl: CountingHttp;
let redos: CountingHttp;
let bodies: RunningServer;
let crlBody: RunningServer;
let redosTarget: RunningServer;
let forgedStaple: RunningServer;

before(async () => {
  pki = await makePki();
  silent = await silentTarpit();
  drip = await dripTarpit();
  endlessOcsp = await hostileHttp('endless', 'application/ocsp-response');
  endlessCrl = await hostileHttp('endless');
  redos = await hostileHttp('redos-finite', 'application/ocsp-response');
  const leaf = pki.leaf('bodies.test', { ocspUrls: [endlessOcsp.url('/ocsp')], crlUrls: [] });
  bodies = await startTlsServer({ identity: leaf, staple: pki.staple(leaf) }, pki);
  const crlLeaf = pki.leaf('crl-body.test', { ocspUrls: [], crlUrls: [endlessCrl.url('/crl')] });
  crlBody = await startTlsServer({ identity: crlLeaf, staple: pki.staple(crlLeaf) }, pki);
  const redosLeaf = pki.leaf('redos.test', { ocspUrls: [redos.url('/ocsp')], crlUrls: [] });
  redosTarget = await startTlsServer({ identity: redosLeaf, staple: pki.staple(redosLeaf) }, pki);
  // A staple signed by a responder of a forged root that copies the real one's names.
  const forgedRoot = makeRoot('CN=Scan Test Root');
  const forgedInter = makeIntermediate(forgedRoot, 'CN=Scan Test Issuing CA');
  const forgedResponder = makeOcspResponder(forgedInter);
  const stapled = pki.leaf('forged-staple.test');
  forgedStaple = await startTlsServer({ identity: stapled, staple: buildOcspResponse({ issuer: forgedInter.certificate, signer: forgedResponder, responses: [{ certificate: stapled.certificate, status: 'good' }] }) }, pki);
  closers.push(silent, drip, endlessOcsp, endlessCrl, redos, bodies, crlBody, redosTarget, forgedStaple);
});
after(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await pki.close();
});

const target = (name: string, port: number) => ({ ...parseTarget(`${name}:${port}`), address: '127.0.0.1' });

describe('hostile servers: tarpits', () => {
  test('runScan: a silent and a dripping TLS server cost their budget and are errors (never pass)', async () => {
    const t0 = performance.now();
    const report = await runScan({ policy: pki.policy(), targets: [target('silent.test', silent.port), target('drip.test', drip.port)], targetTimeoutMs: BUDGET_S * 1000, settings: FAST });
    const ms = performance.now() - t0;
    assert.ok(ms < WALL_BOUND_MS, `took ${Math.round(ms)} ms`);
    for (const r of report.results) {
      assert.equal(r.requirements['V9.2.1'].status, 'error', `${r.target}: ${JSON.stringify(r.requirements['V9.2.1'])}`);
      assert.equal(r.requirements['V9.2.4'].status, 'error');
    }
  });

  test('CLI: tarpit targets exit promptly with a report', async () => {
    const r = await runCliBounded(
      ['scan', `silent.test:${silent.port}`, `drip.test:${drip.port}`, '--resolve', `silent.test:${silent.port}:127.0.0.1`, '--resolve', `drip.test:${drip.port}:127.0.0.1`, '--policy', pki.policyFile(), '--format', 'json', '--timeout', String(BUDGET_S), '--staple-attempts', '1'],
      { heapMb: 256, killAfterMs: 60_000 },
    );
    assert.equal(r.killed, false);
    assert.ok(r.ms < WALL_BOUND_MS, `the process ran ${Math.round(r.ms)} ms`);
    assert.equal(r.code, 2, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { results: unknown[] }).results.length, 2);
  });
});

describe('hostile OCSP/CRL endpoints: bodies', () => {
  test('endless OCSP and CRL bodies stop at the policy caps; heap growth bounded; V9.2.4 is not a pass', async () => {
    const heap0 = process.memoryUsage().heapUsed;
    const policy = pki.policy('revocation:\n  check: leaf\n  max-response-bytes: { ocsp: 65536, crl: 4194304 }\n');
    const report = await runScan({ policy, targets: [target('bodies.test', bodies.port), target('crl-body.test', crlBody.port)], targetTimeoutMs: 10_000, settings: FAST });
    for (const r of report.results) {
      assert.equal(r.requirements['V9.2.1'].status, 'pass');
      assert.notEqual(r.requirements['V9.2.4'].status, 'pass', JSON.stringify(r.requirements['V9.2.4']));
    }
    assert.ok(endlessOcsp.requests.length >= 1 && endlessCrl.requests.length >= 1, `${endlessOcsp.requests.length} OCSP, ${endlessCrl.requests.length} CRL requests`);
    assert.ok(process.memoryUsage().heapUsed - heap0 < 96 * 1024 * 1024);
  });

  test(
    'a ReDoS-shaped OCSP body (BEGIN lines, no END) under the size cap costs at most the budget (network bodies are DER only; PEM is read in one pass)',
    async () => {
      const r = await runCliBounded(
        ['scan', `redos.test:${redosTarget.port}`, '--resolve', `redos.test:${redosTarget.port}:127.0.0.1`, '--policy', pki.policyFile('revocation:\n  check: leaf\n'), '--format', 'json', '--timeout', String(BUDGET_S), '--staple-attempts', '1'],
        { heapMb: 256, killAfterMs: 30_000 },
      );
      assert.equal(r.killed, false, `killed after ${Math.round(r.ms)} ms`);
      assert.ok(r.ms < WALL_BOUND_MS, `the process ran ${Math.round(r.ms)} ms`);
      assert.notEqual((JSON.parse(r.stdout) as { results: Array<{ requirements: Record<string, { status: string }> }> }).results[0]!.requirements['V9.2.4']!.status, 'pass');
    },
  );

  test('a staple signed by a forged root with the real names: V9.2.4 fails (the attacker\'s own evidence is no pass)', async () => {
    const report = await runScan({ policy: pki.policy('revocation:\n  check: leaf\n'), targets: [target('forged-staple.test', forgedStaple.port)], targetTimeoutMs: 8_000, settings: FAST });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.4'].status, 'fail', JSON.stringify(r.requirements['V9.2.4']));
    assert.ok(r.requirements['V9.2.4'].findings.some((f) => f.id.startsWith('staple-') && f.severity === 'high'), JSON.stringify(r.requirements['V9.2.4'].findings));
  });
});

describe('createAgent (library path that fetches) against hostile revocation endpoints', () => {
  test('tarpit OCSP URLs and an endless CRL: the connection is refused within the policy timeouts, caps hold, memory bounded', async () => {
    const tarpit = await hostileHttp('hang');
    closers.push(tarpit);
    const ocspUrls = Array.from({ length: 20 }, (_, i) => tarpit.url(`/ocsp/${i}`));
    const leaf = pki.leaf('agent.test', { ocspUrls, crlUrls: [endlessCrl.url('/agent-crl')] });
    const server = await startHttpsServer(leaf, [pki.inter.certificate]);
    closers.push(server);
    const policy = loadPolicy({ version: 1, trust: { cas: [pki.root.certificate.toPem()] }, revocation: { mode: 'hard-fail', check: 'leaf', sources: ['ocsp', 'crl'], timeouts: { ocsp: '1s', crl: '2s' }, 'max-response-bytes': { crl: 4194304 } } }, { baseDir: process.cwd() });
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await assert.rejects(get(`https://agent.test:${server.port}/`, createAgent(policy)), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_REVOCATION');
    const ms = performance.now() - t0;
    assert.ok(ms < 2 * 1_000 + 2_000 + 5_000, `took ${Math.round(ms)} ms`);
    assert.ok(tarpit.requests.length <= 2, `${tarpit.requests.length} OCSP requests`);
    assert.equal(server.requests, 0);
    assert.ok(process.memoryUsage().heapUsed - heap0 < 96 * 1024 * 1024);
  });
});
