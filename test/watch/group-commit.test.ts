import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { detect } from '../../src/watch/detect.ts';
import { GroupCommit, MAX_BATCH, MIN_COMMIT_INTERVAL_MS, type ScanRecord } from '../../src/watch/group-commit.ts';
import { WatchEngine } from '../../src/watch/engine.ts';
import { SqliteWatchStore } from '../../src/watch/store.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { Snapshot } from '../../src/watch/snapshot.ts';
import type { Policy } from '../../src/policy/types.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';

const T0 = Date.parse('2026-12-02T12:00:00Z');

function record(target: string, atMs = T0): ScanRecord {
  const snapshot: Snapshot = {
    target,
    at: new Date(atMs).toISOString(),
    up: true,
    durationMs: 10,
    statuses: { 'V9.2.1': 'pass', 'V9.2.4': 'pass' },
    findings: [],
    chain: [{ position: 0, sha256: 'leaf1', subject: 'CN=t.test', notAfter: '2027-01-01T00:00:00.000Z' }],
    trusted: true,
  };
  return { snapshot, open: [], events: [], channels: [] };
}

/** A real store whose transactions are counted (sizes and times). */
function countedStore(dir: string): { store: SqliteWatchStore; commits: Array<{ size: number; at: number }> } {
  const store = new SqliteWatchStore(dir);
  const commits: Array<{ size: number; at: number }> = [];
  const recordScans = store.recordScans.bind(store);
  store.recordScans = (batch) => {
    commits.push({ size: batch.length, at: performance.now() });
    return recordScans(batch);
  };
  const recordScan = store.recordScan.bind(store);
  store.recordScan = (...args) => {
    commits.push({ size: 1, at: performance.now() });
    return recordScan(...args);
  };
  return { store, commits };
}

test('scans recorded together share one transaction, and each is durable when its promise resolves', async () => {
  const tmp = tempDir('cw-group-');
  const { store, commits } = countedStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    await Promise.all(Array.from({ length: 50 }, (_, i) => group.record(record(`t${i}.test:443`))));
    assert.equal(commits.length, 1, 'one commit for the 50');
    assert.equal(commits[0]!.size, 50);
    // Another connection sees every row: what resolved was committed.
    const other = new SqliteWatchStore(tmp.dir);
    assert.equal((await other.targets()).length, 50);
    await other.close();
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('under load, commits are at least MIN_COMMIT_INTERVAL_MS apart and whatever finished meanwhile joins the next', async () => {
  const tmp = tempDir('cw-group-');
  const { store, commits } = countedStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    await group.record(record('first.test:443'));
    const t0 = performance.now();
    const later: Promise<boolean>[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(group.record(record(`t${i}.test:443`)));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(later);
    const elapsed = performance.now() - t0;
    // One commit per interval at most (plus the first, alone, at once), however slow the machine.
    assert.ok(commits.length <= 2 + Math.ceil(elapsed / MIN_COMMIT_INTERVAL_MS) && commits.length < 21, `${commits.length} commits for 21 records in ${Math.round(elapsed)} ms`);
    for (let i = 1; i < commits.length; i++) assert.ok(commits[i]!.at - commits[i - 1]!.at >= MIN_COMMIT_INTERVAL_MS - 2, `commits ${i - 1} and ${i} are ${commits[i]!.at - commits[i - 1]!.at} ms apart`);
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('a transaction holds at most MAX_BATCH records', async () => {
  const tmp = tempDir('cw-group-');
  const { store, commits } = countedStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    const n = MAX_BATCH * 2 + 7;
    await Promise.all(Array.from({ length: n }, (_, i) => group.record(record(`t${i}.test:443`))));
    assert.ok(commits.every((c) => c.size <= MAX_BATCH), commits.map((c) => c.size).join(','));
    assert.equal(commits.reduce((a, c) => a + c.size, 0), n);
    assert.equal((await store.targets()).length, n);
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('a record the store refuses fails alone: the others of its batch are committed, in the same transaction', async () => {
  const tmp = tempDir('cw-group-');
  const { store, commits } = countedStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    const bad = record('bad.test:443');
    (bad.snapshot as { target: unknown }).target = null; // NOT NULL: the scans insert fails
    const outcomes = await Promise.allSettled([group.record(record('a.test:443')), group.record(bad), group.record(record('b.test:443'))]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(await store.targets(), ['a.test:443', 'b.test:443']);
    assert.equal(commits.length, 1, 'rolled back to its savepoint, not retried in transactions of its own');
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('GroupCommit passes recordScan\'s options through and returns its answer: a slot recorded twice in one batch is recorded once', async () => {
  const tmp = tempDir('cw-group-');
  const { store, commits } = countedStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    const first = { ...record('t.test:443'), options: { slot: 's1', worker: 'dc1/a' } };
    const again = { ...record('t.test:443', T0 + 5), options: { slot: 's1', worker: 'dc1/b' } };
    const other = { ...record('u.test:443'), options: { slot: 's2', worker: 'dc1/a' } };
    assert.deepEqual(await Promise.all([group.record(first), group.record(again), group.record(other)]), [true, false, true]);
    assert.equal(commits.length, 1);
    assert.deepEqual(await store.recordedSlots('t.test:443'), [{ slot: 's1', worker: 'dc1/a', at: first.snapshot.at }]);
    assert.equal(await group.record(again), false, 'and in a later batch');
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('GroupCommit keeps held events held: recorded and marked in the batch, no outbox row', async () => {
  const tmp = tempDir('cw-group-');
  const store = new SqliteWatchStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    const down: Snapshot = { ...record('t.test:443').snapshot, up: false, chain: [], statuses: { 'V9.2.1': 'error', 'V9.2.4': 'error' }, downReason: 'ECONNREFUSED' };
    const d = detect(down, undefined, [], undefined, 3_600_000);
    const [event] = d.events;
    assert.ok(event);
    const held = new Map([[event.key, 'cccc000000000001']]);
    const loud = { ...down, target: 'u.test:443' };
    const dl = detect(loud, undefined, [], undefined, 3_600_000);
    assert.deepEqual(await Promise.all([group.record({ snapshot: down, open: d.open, events: d.events, channels: ['hook'], options: { held } }), group.record({ snapshot: loud, open: dl.open, events: dl.events, channels: ['hook'] })]), [true, true]);
    assert.deepEqual((await store.heldEvents()).map((h) => [h.silenceId, h.event.key]), [['cccc000000000001', event.key]]);
    assert.deepEqual((await store.due(Date.now())).map((o) => o.event.target), ['u.test:443'], 'only the event nobody silenced is queued');
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('a batch whose transaction cannot run rejects every record of it (none is reported recorded)', async () => {
  const tmp = tempDir('cw-group-');
  const store = new SqliteWatchStore(tmp.dir);
  try {
    const group = new GroupCommit(store);
    await store.close();
    const outcomes = await Promise.allSettled([group.record(record('a.test:443')), group.record(record('b.test:443'))]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
  } finally {
    tmp.cleanup();
  }
});

test('the engine records targets scanned together in one commit, not one fsync each (10,000-target cycles blocked ~50 s in fsync)', async () => {
  const tmp = tempDir('cw-group-');
  const root = makeRoot('CN=Group Root');
  tmp.write('root.pem', root.certificate.toPem());
  const policy: Policy = loadPolicy(tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n'));
  // A port with nothing listening: each scan ends at once (connection refused) and is recorded as down.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { store, commits } = countedStore(tmp.dir);
  try {
    const targets = Array.from({ length: 20 }, (_, i) => ({ label: `t${i}.test:${port}`, scan: { ...parseTarget(`t${i}.test:${port}`), address: '127.0.0.1' }, everyMs: 60_000 }));
    const engine = new WatchEngine({ policy, targets, store, channels: [], repeatMs: 86_400_000 });
    const results = await Promise.all(targets.map((t) => engine.scanTarget(t, new Date(T0))));
    assert.ok(results.every((r) => !r.snapshot.up));
    assert.equal((await store.targets()).length, 20);
    assert.ok(commits.length < 10, `${commits.length} commits for 20 scans that finished together`);
  } finally {
    await store.close();
    tmp.cleanup();
  }
});
