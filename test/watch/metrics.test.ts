import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DurationHistogram, renderMetrics } from '../../src/watch/metrics.ts';
import type { Snapshot } from '../../src/watch/snapshot.ts';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

const snap = (target: string, up: boolean): Snapshot => ({
  target,
  at: '2026-12-02T12:00:00.000Z',
  up,
  durationMs: 40,
  statuses: up ? { 'V9.2.1': 'pass', 'V9.2.4': 'fail' } : { 'V9.2.1': 'error', 'V9.2.4': 'error' },
  findings: [],
  chain: up ? [{ position: 0, sha256: 'aa', subject: 'CN=x', notAfter: '2027-01-01T00:00:00.000Z' }, { position: 1, sha256: 'bb', subject: 'CN=ca', notAfter: '2030-01-01T00:00:00.000Z' }] : [],
  trusted: up,
  ...(up ? { stapleNextUpdate: '2026-12-02T13:00:00.000Z' } : {}),
});

function render(): string {
  const d = new DurationHistogram();
  d.observe(0.04);
  d.observe(3);
  const hostile = 'we"ird\\label\nx:443';
  return renderMetrics({
    targets: [
      { label: 'a.test:443', latest: snap('a.test:443', true), lastUp: snap('a.test:443', true) },
      { label: hostile, latest: snap(hostile, false), lastUp: snap(hostile, true) },
      { label: 'never.test:443', latest: undefined, lastUp: undefined },
    ],
    durations: d,
    alertCounts: [{ channel: 'webhook', event: 'target-unreachable', n: 2 }],
    pending: 1,
  });
}

test('one series per status with 1 on the current one; dates as Unix seconds; a down target keeps its last chain', () => {
  const text = render();
  assert.match(text, /^certwarden_requirement_status\{target="a\.test:443",requirement="V9\.2\.4",status="fail"\} 1$/m);
  assert.match(text, /^certwarden_requirement_status\{target="a\.test:443",requirement="V9\.2\.4",status="pass"\} 0$/m);
  assert.match(text, /^certwarden_cert_not_after_timestamp_seconds\{target="a\.test:443",position="1"\} 1893456000$/m);
  assert.match(text, /^certwarden_ocsp_staple_next_update_timestamp_seconds\{target="a\.test:443"\} 1796216400$/m);
  assert.match(text, /^certwarden_target_up\{target="we\\"ird\\\\label\\nx:443"\} 0$/m);
  assert.match(text, /^certwarden_cert_not_after_timestamp_seconds\{target="we\\"ird\\\\label\\nx:443",position="0"\} 1798761600$/m);
  assert.match(text, /^certwarden_scan_duration_seconds_bucket\{le="0\.05"\} 1$/m);
  assert.match(text, /^certwarden_scan_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
  assert.ok(!/never\.test/.test(text), 'a target never scanned has no series yet');
});

test('promtool check metrics accepts the exposition, hostile label values included', { skip: !hasPromtool && 'promtool not installed (scripts/test-servers.sh)' }, () => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: render(), encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
