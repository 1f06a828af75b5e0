/**
 * The WatchStore contract, written once and run against every store
 * (store-contract.test.ts: SQLite; postgres-store.test.ts: Postgres): the
 * same calls must give the same answers, and the durability rules of
 * src/watch/store.ts (one transaction per scan, idempotent events and outbox,
 * a slot recorded at most once, the first result of a slot kept) must hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect } from '../../src/watch/detect.ts';
import type { Snapshot } from '../../src/watch/snapshot.ts';
import type { WatchStore } from '../../src/watch/store.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-02T12:00:00Z');

export function snap(o: Partial<Snapshot> & { atMs?: number } = {}): Snapshot {
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

const down = (atMs: number, target = 't.test:443'): Snapshot => snap({ target, atMs, up: false, chain: [], statuses: { 'V9.2.1': 'error', 'V9.2.4': 'error' }, downReason: 'ECONNREFUSED' });

export interface StoreUnderTest {
  /** A fresh, empty store. */
  open(): Promise<WatchStore>;
  /** The same store again, as a restarted process opens it. */
  reopen(store: WatchStore): Promise<WatchStore>;
}

/** Register the contract's tests for one store kind. */
export function storeContract(kind: string, s: StoreUnderTest): void {
  test(`${kind}: a scan, its conditions and events round-trip; latest and lastUp tell down from up`, async () => {
    const store = await s.open();
    try {
      await store.recordScan(snap(), [], [], ['hook']);
      const d = detect(down(T0 + HOUR), snap(), [], undefined, HOUR);
      assert.equal(await store.recordScan(down(T0 + HOUR), d.open, d.events, ['hook']), true);
      assert.equal((await store.latest('t.test:443'))!.up, false);
      assert.equal((await store.lastUp('t.test:443'))!.at, snap().at);
      assert.deepEqual((await store.openConditions('t.test:443')).map((c) => c.event), ['target-unreachable']);
      assert.deepEqual((await store.events('t.test:443')).map((e) => e.event), ['target-unreachable']);
      const h = await store.history('t.test:443', 10);
      assert.deepEqual(h.scans.map((x) => x.up), [false, true], 'newest first');
      assert.equal(h.events.length, 1);
      assert.deepEqual(await store.targets(), ['t.test:443']);
      assert.equal(await store.latest('nobody:443'), undefined);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: an event recorded twice is stored and queued once per channel`, async () => {
    const store = await s.open();
    try {
      const d = detect(down(T0), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0), d.open, d.events, ['a', 'b']);
      await store.recordScan(down(T0 + 1), d.open, d.events, ['a', 'b']);
      assert.equal((await store.events()).length, 1);
      assert.equal(await store.pending(), 2, 'one outbox row per channel');
    } finally {
      await store.close();
    }
  });

  test(`${kind}: a slot is recorded once; the second record changes nothing and says so`, async () => {
    const store = await s.open();
    try {
      const d = detect(down(T0), undefined, [], undefined, HOUR);
      assert.equal(await store.recordScan(down(T0), d.open, d.events, ['hook'], { slot: 'slot-1', worker: 'dc1/a' }), true);
      // A retried job's later scan of the same slot, with different findings, must not land.
      const again = detect(snap({ atMs: T0 + 5 }), undefined, [], undefined, HOUR);
      assert.equal(await store.recordScan(snap({ atMs: T0 + 5 }), again.open, again.events, ['hook'], { slot: 'slot-1', worker: 'dc1/b' }), false);
      assert.equal((await store.history('t.test:443')).scans.length, 1);
      assert.equal((await store.latest('t.test:443'))!.up, false);
      assert.deepEqual((await store.openConditions('t.test:443')).map((c) => c.event), ['target-unreachable']);
      assert.equal(await store.pending(), 1);
      assert.deepEqual(await store.recordedSlots('t.test:443'), [{ slot: 'slot-1', worker: 'dc1/a', at: down(T0).at }]);
      // Scans without a slot (the in-process scheduler's) are never in conflict with each other.
      assert.equal(await store.recordScan(snap({ atMs: T0 + 10 }), [], [], []), true);
      assert.equal(await store.recordScan(snap({ atMs: T0 + 20 }), [], [], []), true);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: the first result of a slot is kept, recording it removes it, a result for a recorded slot is refused`, async () => {
    const store = await s.open();
    try {
      assert.equal(await store.putResult({ slot: 's1', target: 't.test:443', snapshot: snap(), worker: 'dc1/a' }), true);
      assert.equal(await store.putResult({ slot: 's1', target: 't.test:443', snapshot: down(T0 + 1), worker: 'dc1/b' }), false);
      assert.equal(await store.putResult({ slot: 's0', target: 'u.test:443', snapshot: snap({ target: 'u.test:443', atMs: T0 - 1 }), worker: 'dc2/c' }), true);
      const pending = await store.pendingResults();
      assert.deepEqual(pending.map((r) => [r.slot, r.worker, r.snapshot.up]), [['s0', 'dc2/c', true], ['s1', 'dc1/a', true]], 'oldest scan first; the first result kept');
      await store.recordScan(pending[1]!.snapshot, [], [], [], { slot: 's1', worker: 'dc1/a' });
      assert.deepEqual((await store.pendingResults()).map((r) => r.slot), ['s0']);
      assert.equal(await store.putResult({ slot: 's1', target: 't.test:443', snapshot: snap(), worker: 'dc1/c' }), false, 'a late retry of a recorded slot');
      assert.deepEqual((await store.pendingResults()).map((r) => r.slot), ['s0']);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: the outbox: due rows, a failure waits for its retry time, a delivery is counted once`, async () => {
    const store = await s.open();
    try {
      const d = detect(down(T0), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0), d.open, d.events, ['hook']);
      const [item] = await store.due(Date.now());
      assert.ok(item);
      assert.equal(item.channel, 'hook');
      assert.equal(item.event.event, 'target-unreachable');
      await store.markFailed(item, Date.now() + HOUR, 'HTTP 500');
      assert.deepEqual(await store.due(Date.now()), []);
      const [retry] = await store.due(Date.now() + 2 * HOUR);
      assert.equal(retry!.attempts, 1);
      await store.markDelivered(retry!, Date.now());
      await store.markDelivered(retry!, Date.now());
      assert.deepEqual(await store.alertCounts(), [{ channel: 'hook', event: 'target-unreachable', n: 1 }]);
      assert.equal(await store.pending(), 0);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: retention prunes old scans and keeps each target's latest`, async () => {
    const store = await s.open();
    try {
      for (let i = 0; i < 5; i++) await store.recordScan(snap({ atMs: T0 + i * HOUR }), [], [], []);
      await store.recordScan({ ...snap({ atMs: T0 }), target: 'other:443' }, [], [], []);
      assert.equal(await store.prune(T0 + 3 * HOUR), 3);
      assert.equal((await store.history('t.test:443')).scans.length, 2);
      assert.equal((await store.history('other:443')).scans.length, 1);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: history is capped at its page size`, async () => {
    const store = await s.open();
    try {
      for (let i = 0; i < 5; i++) await store.recordScan(snap({ atMs: T0 + i }), [], [], []);
      assert.equal((await store.history('t.test:443', 2)).scans.length, 2);
      assert.equal((await store.history('t.test:443', 0)).scans.length, 1, 'at least one');
    } finally {
      await store.close();
    }
  });

  test(`${kind}: a reopened store has everything a closed one committed`, async () => {
    let store = await s.open();
    const d = detect(down(T0), undefined, [], undefined, HOUR);
    await store.recordScan(down(T0), d.open, d.events, ['hook'], { slot: 'k', worker: 'w' });
    await store.putResult({ slot: 'k2', target: 't.test:443', snapshot: snap(), worker: 'w' });
    store = await s.reopen(store);
    try {
      assert.equal((await store.history('t.test:443')).scans.length, 1);
      assert.equal(await store.pending(), 1);
      assert.deepEqual((await store.openConditions('t.test:443')).map((c) => c.event), ['target-unreachable']);
      assert.deepEqual((await store.pendingResults()).map((r) => r.slot), ['k2']);
      assert.equal(await store.recordScan(down(T0 + 1), [], [], [], { slot: 'k' }), false, 'the slot is still taken');
    } finally {
      await store.close();
    }
  });
}
