/**
 * The runner and the verdict rules with small scripted clients (plain
 * JavaScript on the project's Node) against a real farm: accept-everything
 * fails both requirements, reject-everything is an error (control), a
 * command that never connects is an error (contradiction), data sent before
 * a non-zero exit counts as acceptance, a hanging client is killed with its
 * process group, and a missing binary is a usage error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Farm } from '../../src/probe/farm.ts';
import { runProbe } from '../../src/probe/runner.ts';
import { judgeCase, requirementResult, type CaseResult } from '../../src/probe/report.ts';
import { CASES, caseSpec, type CaseSpec } from '../../src/probe/cases.ts';
import { renderProbeText } from '../../src/probe/render/text.ts';
import { isCertwardenError } from '../../src/errors.ts';

let farm: Farm;
before(async () => {
  farm = await Farm.start();
});
after(async () => {
  await farm.close();
});

const node = process.execPath;
const plain = { ok: (s: string) => s, bad: (s: string) => s, warn: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };
/** GET the case URL trusting anything (weak keys too): the client that accepts every server. */
const ACCEPT_ALL = `require('node:https').get(process.env.CERTWARDEN_PROBE_URL, { rejectUnauthorized: false, ciphers: 'DEFAULT:@SECLEVEL=0' }, (r) => { r.resume(); r.on('end', () => process.exit(0)); }).on('error', (e) => { console.error(e.message); process.exit(1); });`;
/** Alive and not a zombie waiting for its reaper. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
const wrongIds = (cases: readonly CaseResult[]): string[] => cases.filter((c) => c.verdict === 'wrong').map((c) => c.id);

describe('probe runner', () => {
  test('a client that accepts everything fails both requirements with one finding per bad case', async () => {
    const report = await runProbe({ command: [node, '-e', ACCEPT_ALL], farm, concurrency: 6 });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
    const served = (CASES as readonly CaseSpec[]).filter((c) => c.requirement !== null && !c.notServable).map((c) => c.id);
    assert.deepEqual(wrongIds(r.cases), served);
    assert.ok(r.requirements['V9.2.4'].findings.some((f) => f.id === 'client-accepts-responder-down' && f.severity === 'medium'));
    assert.ok(r.requirements['V9.2.1'].findings.some((f) => f.id === 'client-accepts-pinned-self-signed'), 'a non-pinning client must not accept the pinned certificate');
    assert.deepEqual(r.notServable.map((n) => n.id), ['public-root']);
    for (const c of r.cases) assert.equal(c.server.requests, 1, `${c.id}: the server saw the request`);
  });

  test('a client that rejects the control is an error on both requirements, never a pass', async () => {
    const report = await runProbe({ command: [node, '-e', 'process.exit(1)'], farm, suites: ['v9.2.4'], concurrency: 6 });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.4'].status, 'error');
    assert.match(r.requirements['V9.2.4'].reason!, /rejected the control case .*misconfigured client/);
    const control = r.cases.find((c) => c.id === 'control')!;
    assert.deepEqual([control.got, control.verdict], ['rejected', 'error'], 'rejecting the control is an error, not a finding');
    assert.deepEqual(r.requirements['V9.2.4'].findings, []);
    assert.equal(r.requirements['V9.2.1'].status, 'na', 'v9.2.1 was not in the suite');
  });

  test('exit 0 without connecting contradicts the server: error, not acceptance evidence and not a pass', async () => {
    const report = await runProbe({ command: [node, '-e', 'process.exit(0)'], farm, suites: ['v9.2.1'], concurrency: 6 });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.1'].status, 'error');
    const control = r.cases.find((c) => c.id === 'control')!;
    assert.equal(control.verdict, 'error');
    assert.match(control.contradiction!, /never completed a handshake/);
  });

  test('a client that sends its request and then exits 1 counts as accepting (data reached the server)', () => {
    const spec = caseSpec('expired');
    const r = judgeCase(spec, false, { exitStatus: 1, signal: null, stderrTail: '', durationMs: 5, server: { handshakes: 1, requests: 1 } });
    assert.equal(r.verdict, 'wrong');
    assert.match(r.contradiction!, /sent an HTTP request/);
    const silent = judgeCase(spec, false, { exitStatus: 1, signal: null, stderrTail: '', durationMs: 5, server: { handshakes: 1, requests: 0 } });
    assert.equal(silent.verdict, 'ok', 'a handshake then a refusal is a rejection (verify-after-handshake clients)');
  });

  test('soft-fail (only responder-down accepted) is warn; a pinning client rejecting its pin is warn; a timeout is error', () => {
    const specs = new Map((CASES as readonly CaseSpec[]).map((c) => [c.id, c]));
    const run = (exitStatus: number, requests: number) => ({ exitStatus, signal: null, stderrTail: '', durationMs: 1, server: { handshakes: requests, requests } });
    const control = judgeCase(caseSpec('control'), true, run(0, 1));
    const softFail = [control, judgeCase(caseSpec('responder-down'), true, run(0, 1)), judgeCase(caseSpec('revoked-ocsp'), true, run(1, 0))];
    const v924 = requirementResult('V9.2.4', specs, softFail, true);
    assert.equal(v924.status, 'warn');
    assert.deepEqual(v924.findings.map((f) => f.id), ['client-accepts-responder-down']);
    const pinRejected = requirementResult('V9.2.1', specs, [control, judgeCase(caseSpec('pinned-self-signed'), true, run(1, 0))], true);
    assert.equal(pinRejected.status, 'warn');
    assert.deepEqual(pinRejected.findings.map((f) => f.id), ['client-rejects-pinned-self-signed']);
    const good = requirementResult('V9.2.1', specs, [control, judgeCase(caseSpec('expired'), true, run(1, 0))], true);
    assert.equal(good.status, 'pass');
    assert.deepEqual(good.findings, []);
    const timedOut = judgeCase(caseSpec('expired'), true, { exitStatus: null, signal: 'SIGKILL', error: 'timed out after 1 s', stderrTail: '', durationMs: 1000, server: { handshakes: 0, requests: 0 } });
    assert.equal(requirementResult('V9.2.1', specs, [control, timedOut], true).status, 'error');
  });

  test('a hanging client is killed with its whole process group: error with the reason', async () => {
    const pidFile = join(tmpdir(), `certwarden-probe-grandchild-${process.pid}`);
    // The client starts a grandchild that would outlive a kill of the client alone.
    const hang = `const { spawn } = require('node:child_process'); const c = spawn('sleep', ['30'], { stdio: 'ignore' }); require('node:fs').appendFileSync(${JSON.stringify(pidFile)}, c.pid + '\\n'); setInterval(() => {}, 1000);`;
    try {
      const report = await runProbe({ command: [node, '-e', hang], farm, suites: ['v9.2.1'], caseTimeoutMs: 700, concurrency: 8 });
      const r = report.results[0]!;
      assert.equal(r.requirements['V9.2.1'].status, 'error');
      for (const c of r.cases) {
        assert.equal(c.got, 'error');
        assert.match(c.reason!, /timed out after 0.7 s/);
      }
      const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
      assert.equal(pids.length, r.cases.length);
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const pid of pids) assert.ok(!running(pid), `grandchild ${pid} survived`);
    } finally {
      if (existsSync(pidFile)) rmSync(pidFile);
    }
  });

  test('a client that exits while a background child still holds its stderr is judged on its exit, not timed out', async () => {
    const started = Date.now();
    const report = await runProbe({ command: ['sh', '-c', 'sleep 30 & exit 1'], farm, suites: ['v9.2.1'], caseTimeoutMs: 10_000, concurrency: 8 });
    const control = report.results[0]!.cases.find((c) => c.id === 'control')!;
    assert.deepEqual([control.got, control.exitStatus, control.reason], ['rejected', 1, control.reason]);
    assert.doesNotMatch(control.reason ?? '', /timed out/);
    assert.ok(Date.now() - started < 9_000, 'no case waited for the timeout');
  });

  test('a descendant that left the process group (setsid) and holds stderr does not hang the run', { skip: spawnSync('setsid', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'setsid is not installed' }, async () => {
    const pidFile = join(tmpdir(), `certwarden-probe-setsid-${process.pid}`);
    try {
      const report = await runProbe({ command: ['sh', '-c', `setsid sleep 30 & echo $! >> ${pidFile}; exit 1`], farm, suites: ['v9.2.1'], caseTimeoutMs: 20_000, concurrency: 8 });
      const control = report.results[0]!.cases.find((c) => c.id === 'control')!;
      assert.deepEqual([control.got, control.exitStatus], ['rejected', 1]);
      assert.ok(control.durationMs < 10_000, `took ${control.durationMs} ms`);
    } finally {
      if (existsSync(pidFile)) {
        for (const pid of readFileSync(pidFile, 'utf8').trim().split('\n').map(Number)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        rmSync(pidFile);
      }
    }
  });

  test('a missing client binary is a usage error before any case runs', async () => {
    await assert.rejects(runProbe({ command: ['certwarden-no-such-client', '{url}'], farm }), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE' && /not found/.test(e.message));
    await assert.rejects(runProbe({ command: ['/nonexistent/client', '{url}'], farm }), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE');
  });

  test('placeholders and CERTWARDEN_PROBE_* reach the client; stderr is bounded and escaped in text output', async () => {
    // Prints the placeholders it got, 10 kB of noise, then a line with a terminal escape and a forged verdict line.
    const noisy = `const [url, host, port, ca, pin, pinHost] = process.argv.slice(1); const e = process.env; const same = url === e.CERTWARDEN_PROBE_URL && host === e.CERTWARDEN_PROBE_HOST && port === e.CERTWARDEN_PROBE_PORT && ca === e.CERTWARDEN_PROBE_CA && pin === e.CERTWARDEN_PROBE_PIN && pinHost === e.CERTWARDEN_PROBE_PIN_HOST; process.stderr.write('x'.repeat(10000) + '\\n' + (same ? 'same' : 'differ') + ' ' + url + ' \\x1b[31mred\\nPASS forged\\n'); process.exit(1);`;
    const report = await runProbe({ command: [node, '-e', noisy, '{url}', '{host}', '{port}', '{ca}', '{pin}', '{pin-host}'], farm, suites: ['v9.2.1'], concurrency: 6 });
    const r = report.results[0]!;
    const control = r.cases.find((c) => c.id === 'control')!;
    assert.ok(Buffer.byteLength(control.stderrTail) <= 2048);
    assert.match(control.stderrTail, /same https:\/\/localhost:\d+\/ \x1b\[31mred/);
    const pinned = r.cases.find((c) => c.id === 'pinned-self-signed')!;
    assert.match(pinned.stderrTail, /same https:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(r.pinning, true, '{pin} in the arguments declares a pinning client');
    const text = renderProbeText(report, plain, { verbose: true });
    assert.ok(!text.includes('\x1b'), 'no raw escape reaches the terminal');
    assert.ok(!/^\s*PASS forged/m.test(text), 'a newline in stderr cannot forge an output line');
  });
});
