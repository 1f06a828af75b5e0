import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect, type InventoryView } from '../../src/watch/detect.ts';
import type { Snapshot, SnapshotFinding } from '../../src/watch/snapshot.ts';
import { SqliteWatchStore } from '../../src/watch/store.ts';
import { tempDir } from '../helpers/pki.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-02T12:00:00Z');

function snap(o: Partial<Snapshot> & { atMs?: number } = {}): Snapshot {
  const { atMs, ...rest } = o;
  return {
    target: 't.test:443',
    at: new Date(atMs ?? T0).toISOString(),
    up: true,
    durationMs: 10,
    statuses: { 'V9.2.1': 'pass', 'V9.2.4': 'pass' },
    findings: [],
    chain: [{ position: 0, sha256: 'leaf1', subject: 'CN=t.test', notAfter: '2027-01-01T00:00:00.000Z' }],
    trusted: true,
    ...rest,
  };
}

const f = (id: string, requirement: 'V9.2.1' | 'V9.2.4' = 'V9.2.4'): SnapshotFinding => ({ id, severity: 'high', requirement, message: id });
const ids = (s: { events: Array<{ event: string }> }): string[] => s.events.map((e) => e.event).sort();

test('a good target stays silent, scan after scan', () => {
  let open = detect(snap(), undefined, [], undefined, HOUR);
  assert.deepEqual(open.events, []);
  open = detect(snap({ atMs: T0 + HOUR }), snap(), open.open, undefined, HOUR);
  assert.deepEqual(open.events, []);
  assert.deepEqual(open.open, []);
});

test('responder-down and crl-stale come from the scan\'s findings', () => {
  const d = detect(snap({ statuses: { 'V9.2.1': 'pass', 'V9.2.4': 'fail' }, findings: [f('revocation-unavailable'), f('crl-expiring')] }), snap(), [], undefined, HOUR);
  assert.deepEqual(ids(d), ['crl-stale', 'requirement-failed', 'responder-down']);
});

test('without an inventory a new certificate that chains to the policy is an expected change', () => {
  const d = detect(snap({ chain: [{ position: 0, sha256: 'leaf2', subject: 'CN=t.test', notAfter: '2027-06-01T00:00:00.000Z' }] }), snap(), [], undefined, HOUR);
  assert.deepEqual(ids(d), ['certificate-changed']);
  assert.equal(d.events[0]!.evidence.expected, true);
});

test('with an inventory, a trusted certificate the CA did not issue is an unexpected change and served-unknown', () => {
  const inventory: InventoryView = { lookup: (sha) => (sha === 'leaf1' ? { serial: '01' } : undefined) };
  const d = detect(snap({ chain: [{ position: 0, sha256: 'leaf2', subject: 'CN=t.test', notAfter: '2027-06-01T00:00:00.000Z' }] }), snap(), [], inventory, HOUR);
  assert.deepEqual(ids(d), ['certificate-changed', 'served-unknown']);
  assert.equal(d.events.find((e) => e.event === 'certificate-changed')!.severity, 'critical');
});

test('an outage does not re-announce a failure that was already announced', () => {
  const failing = snap({ statuses: { 'V9.2.1': 'fail', 'V9.2.4': 'pass' }, findings: [f('chain-untrusted', 'V9.2.1')] });
  const first = detect(failing, undefined, [], undefined, HOUR);
  assert.deepEqual(ids(first), ['requirement-failed']);
  const down = detect(snap({ up: false, chain: [], statuses: { 'V9.2.1': 'error', 'V9.2.4': 'error' }, atMs: T0 + 60_000 }), failing, first.open, undefined, HOUR);
  assert.deepEqual(ids(down), ['target-unreachable']);
  const back = detect({ ...failing, at: new Date(T0 + 120_000).toISOString() }, failing, down.open, undefined, HOUR);
  assert.deepEqual(ids(back), []);
});

test('occurrence keys are stable: the same scan gives the same keys', () => {
  const a = detect(snap({ findings: [f('staple-missing')] }), undefined, [], undefined, HOUR);
  const b = detect(snap({ findings: [f('staple-missing')] }), undefined, [], undefined, HOUR);
  assert.deepEqual(a.events.map((e) => e.key), b.events.map((e) => e.key));
});

test('retention prunes old scans but keeps each target\'s latest', async () => {
  const t = tempDir('certwarden-watch-store-');
  const store = new SqliteWatchStore(`${t.dir}/data`);
  try {
    for (let i = 0; i < 5; i++) await store.recordScan(snap({ atMs: T0 + i * HOUR }), [], [], []);
    await store.recordScan({ ...snap({ atMs: T0 }), target: 'other:443' }, [], [], []);
    assert.equal(await store.prune(T0 + 3 * HOUR), 3 + 0);
    assert.equal((await store.history('t.test:443')).scans.length, 2);
    assert.equal((await store.history('other:443')).scans.length, 1, 'the latest scan of a target is kept');
  } finally {
    await store.close();
    t.cleanup();
  }
});
