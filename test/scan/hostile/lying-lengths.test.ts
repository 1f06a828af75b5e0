/**
 * Hostile servers whose TLS 1.2 first flight lies about its lengths: each
 * costs at most its own budget, and a scan of several finishes with a report
 * inside a capped heap (was: 34-43 s and 2.1 GB per target; four of them
 * aborted the process with a V8 out-of-memory and no report).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRoot, tempDir } from '../../helpers/pki.ts';
import { loadPolicy } from '../../../src/policy/load.ts';
import { runScan } from '../../../src/scan/runner.ts';
import { parseTarget } from '../../../src/scan/target.ts';
import { lyingCertificateFlight, lyingServer, runCliBounded, type Running } from './servers.ts';

const BUDGET_S = 3;
/** Generous: the budget, process start-up and slack for a loaded machine. This is a bound, not a speed test. */
const WALL_BOUND_MS = BUDGET_S * 1000 + 8_000;
const dir = tempDir('certwarden-hostile-');
const servers: Running[] = [];
let policyFile: string;

before(async () => {
  dir.write('root.pem', makeRoot().certificate.toPem());
  policyFile = dir.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n');
  for (let i = 0; i < 4; i++) servers.push(await lyingServer(lyingCertificateFlight()));
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  dir.cleanup();
});

describe('hostile servers: lying lengths in the TLS 1.2 first flight', () => {
  test('runScan: four lying targets finish within the budget, as errors (never pass), with bounded heap growth', async () => {
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const report = await runScan({
      policy: loadPolicy(policyFile),
      targets: servers.map((s, i) => ({ ...parseTarget(`lying${i}.test:${s.port}`), address: '127.0.0.1' })),
      targetTimeoutMs: BUDGET_S * 1000,
      settings: { stapleAttempts: 1, clientAuthSettleMs: 100 },
    });
    const ms = performance.now() - t0;
    const grown = process.memoryUsage().heapUsed - heap0;
    assert.ok(ms < WALL_BOUND_MS, `took ${Math.round(ms)} ms`);
    assert.ok(grown < 64 * 1024 * 1024, `heap grew ${Math.round(grown / 1e6)} MB`);
    assert.equal(report.results.length, 4);
    for (const r of report.results) {
      assert.notEqual(r.requirements['V9.2.1'].status, 'pass', JSON.stringify(r.requirements['V9.2.1']));
      assert.notEqual(r.requirements['V9.2.4'].status, 'pass');
    }
  });

  test('CLI: four lying targets in a 128 MB heap exit with a report inside the budget', async () => {
    const args = ['scan', '--policy', policyFile, '--format', 'json', '--timeout', String(BUDGET_S), '--staple-attempts', '1', '--concurrency', '4'];
    servers.forEach((s, i) => args.push(`lying${i}.test:${s.port}`, '--resolve', `lying${i}.test:${s.port}:127.0.0.1`));
    const r = await runCliBounded(args, { heapMb: 128, killAfterMs: 60_000 });
    assert.equal(r.killed, false, `killed after ${Math.round(r.ms)} ms`);
    assert.ok(r.ms < WALL_BOUND_MS, `took ${Math.round(r.ms)} ms`);
    assert.equal(r.code, 2, `exit ${r.code} ${r.signal ?? ''}: ${r.stderr.slice(0, 500)}`);
    const report = JSON.parse(r.stdout) as { results: Array<{ requirements: Record<string, { status: string }> }> };
    assert.equal(report.results.length, 4);
    assert.ok(report.results.every((x) => x.requirements['V9.2.1']!.status === 'error'));
  });
});
