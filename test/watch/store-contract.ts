/**
 * The WatchStore contract, written once and run against every store
 * (store-contract.test.ts: SQLite; postgres-store.test.ts: Postgres): the
 * same calls must give the same answers, and the durability rules of
 * src/watch/store.ts (one transaction per scan, recordScans's per-record
 * outcomes, idempotent events and outbox,
 * a slot recorded at most once, the first result of a slot kept, a held event
 * released at most once and kept while held) must hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect } from '../../src/watch/detect.ts';
import type { Snapshot } from '../../src/watch/snapshot.ts';
import { releaseEndedSilences, type Silence } from '../../src/watch/silences.ts';
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

/** A silence of every event of t.test:443 from T0 for `hours`. */
export function silenceOf(id: string, o: { hours?: number; createdAtMs?: number; target?: string } = {}): Silence {
  return {
    id,
    matchers: { target: o.target ?? 't.test:*', events: [] },
    startsAt: new Date(T0).toISOString(),
    endsAt: new Date(T0 + (o.hours ?? 2) * HOUR).toISOString(),
    createdBy: 'alice',
    comment: 'maintenance',
    createdAt: new Date(o.createdAtMs ?? T0).toISOString(),
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

  test(`${kind}: silences are kept, listed newest first, filtered by end, found by id, and expired by an update`, async () => {
    const store = await s.open();
    try {
      assert.deepEqual(await store.silences(), []);
      await store.addSilence(silenceOf('aaaa000000000001', { hours: 1, createdAtMs: T0 }));
      await store.addSilence(silenceOf('aaaa000000000002', { hours: 3, createdAtMs: T0 + 1000 }));
      assert.deepEqual((await store.silences()).map((x) => x.id), ['aaaa000000000002', 'aaaa000000000001'], 'newest first');
      assert.deepEqual((await store.silences(T0 + 2 * HOUR)).map((x) => x.id), ['aaaa000000000002'], 'only those ending later');
      assert.deepEqual(await store.silence('aaaa000000000001'), silenceOf('aaaa000000000001', { hours: 1, createdAtMs: T0 }), 'round-trips whole');
      assert.equal(await store.silence('ffff000000000000'), undefined);
      const expired = { ...silenceOf('aaaa000000000002', { hours: 3, createdAtMs: T0 + 1000 }), endsAt: new Date(T0 + 60_000).toISOString(), expiredAt: new Date(T0 + 60_000).toISOString() };
      await store.updateSilence(expired);
      assert.deepEqual(await store.silence('aaaa000000000002'), expired);
      assert.deepEqual((await store.silences(T0 + 2 * 60_000)).map((x) => x.id), ['aaaa000000000001'], 'the expired one no longer counts as open');
    } finally {
      await store.close();
    }
  });

  test(`${kind}: a held event is recorded and marked in the scan's transaction, with no outbox row; recorded again it is neither queued nor counted twice`, async () => {
    const store = await s.open();
    try {
      await store.addSilence(silenceOf('bbbb000000000001'));
      const d = detect(down(T0 + 1), undefined, [], undefined, HOUR);
      const [event] = d.events;
      assert.ok(event);
      const held = new Map([[event.key, 'bbbb000000000001']]);
      assert.equal(await store.recordScan(down(T0 + 1), d.open, d.events, ['a', 'b'], { slot: 'h1', worker: 'dc1/w', held }), true);
      assert.equal(await store.pending(), 0, 'no outbox row for a held event');
      assert.deepEqual((await store.events('t.test:443')).map((e) => e.key), [event.key], 'but it is in the history');
      assert.deepEqual((await store.heldEvents()).map((h) => [h.silenceId, h.event.key]), [['bbbb000000000001', event.key]]);
      assert.deepEqual([...(await store.silencedKeys('t.test:443'))], [[event.key, 'bbbb000000000001']]);
      assert.deepEqual(await store.silencedKeys('other:443'), new Map());
      assert.deepEqual(await store.silencedCounts(), [{ event: 'target-unreachable', n: 1 }]);
      // The same slot again (a retried job), and the same event in another scan: nothing more.
      assert.equal(await store.recordScan(down(T0 + 1), d.open, d.events, ['a', 'b'], { slot: 'h1', held }), false);
      await store.recordScan(down(T0 + 2), d.open, d.events, ['a', 'b'], { held });
      assert.deepEqual(await store.silencedCounts(), [{ event: 'target-unreachable', n: 1 }]);
      assert.equal((await store.heldEvents()).length, 1);
      // An event that is not held still gets its outbox rows in the same call.
      const other = detect(down(T0 + 3, 'u.test:443'), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0 + 3, 'u.test:443'), other.open, other.events, ['a', 'b'], { held });
      assert.equal(await store.pending(), 2);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: when its silence ends, a held condition still open is queued once per channel, however many passes run (concurrently too)`, async () => {
    const store = await s.open();
    try {
      await store.addSilence(silenceOf('cccc000000000001', { hours: 1 }));
      const d = detect(down(T0 + 1), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0 + 1), d.open, d.events, ['a', 'b'], { held: new Map([[d.events[0]!.key, 'cccc000000000001']]) });
      assert.equal(await releaseEndedSilences(store, T0 + 30 * 60_000, ['a', 'b']), 0, 'nothing leaves while the silence lasts');
      assert.equal(await store.pending(), 0);
      const after = T0 + HOUR + 1;
      const passes = await Promise.all([releaseEndedSilences(store, after, ['a', 'b']), releaseEndedSilences(store, after, ['a', 'b'])]);
      assert.equal(await store.pending(), 2, 'one row per channel, once');
      assert.equal(passes[0]! + passes[1]!, 1, 'one pass queued it, the other found it released');
      assert.equal(await releaseEndedSilences(store, after + 1000, ['a', 'b']), 0, 'a later pass has nothing left');
      assert.deepEqual(await store.heldEvents(), []);
      assert.deepEqual((await store.due(after)).map((i) => [i.channel, i.event.event]), [['a', 'target-unreachable'], ['b', 'target-unreachable']]);
      assert.equal((await store.silencedKeys('t.test:443')).size, 1, 'history still says it was silenced');
      // releaseHeld itself: a key no longer held changes nothing.
      assert.equal(await store.releaseHeld([d.events[0]!.key], [d.events[0]!.key], ['a', 'b', 'c'], after), 0);
      assert.equal(await store.pending(), 2);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: a held condition that closed before its silence ended is dropped, not sent`, async () => {
    const store = await s.open();
    try {
      await store.addSilence(silenceOf('dddd000000000001', { hours: 1 }));
      const d = detect(down(T0 + 1), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0 + 1), d.open, d.events, ['a'], { held: new Map([[d.events[0]!.key, 'dddd000000000001']]) });
      const back = detect(snap({ atMs: T0 + 60_000 }), undefined, d.open, undefined, HOUR);
      await store.recordScan(snap({ atMs: T0 + 60_000 }), back.open, back.events, ['a']);
      assert.deepEqual(await store.openConditions('t.test:443'), []);
      const queued = await store.pending();
      assert.equal(await releaseEndedSilences(store, T0 + HOUR + 1, ['a']), 0);
      assert.equal(await store.pending(), queued, 'nothing queued for it');
      assert.deepEqual(await store.heldEvents(), []);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: prune keeps an event while it is held; pruneSilences drops ended silences that hold nothing`, async () => {
    const store = await s.open();
    try {
      await store.addSilence(silenceOf('eeee000000000001', { hours: 1 }));
      await store.addSilence(silenceOf('eeee000000000002', { hours: 1, target: 'nobody:*' }));
      const d = detect(down(T0 + 1), undefined, [], undefined, HOUR);
      await store.recordScan(down(T0 + 1), d.open, d.events, ['a'], { held: new Map([[d.events[0]!.key, 'eeee000000000001']]) });
      await store.recordScan(snap({ atMs: T0 + 2 * HOUR }), [], [], ['a']);
      const later = T0 + 100 * HOUR;
      await store.prune(later);
      assert.deepEqual((await store.heldEvents()).map((h) => h.event.key), [d.events[0]!.key], 'held: not pruned');
      assert.equal(await store.pruneSilences(later), 1, 'the silence holding nothing is dropped');
      assert.deepEqual((await store.silences()).map((x) => x.id), ['eeee000000000001'], 'the one still holding an event is kept');
      await releaseEndedSilences(store, later, ['a']); // closed meanwhile: dropped
      assert.equal(await store.pruneSilences(later + 1), 1);
      assert.deepEqual(await store.silences(), []);
      await store.prune(later + 1);
      assert.deepEqual(await store.events('t.test:443'), [], 'no longer held: pruned like any event');
      assert.deepEqual(await store.silencedCounts(), [{ event: 'target-unreachable', n: 1 }], 'the counter never goes down');
    } finally {
      await store.close();
    }
  });

  test(`${kind}: silences, held events and their counter survive a reopen`, async () => {
    let store = await s.open();
    await store.addSilence(silenceOf('ffff000000000001', { hours: 1 }));
    const d = detect(down(T0 + 1), undefined, [], undefined, HOUR);
    await store.recordScan(down(T0 + 1), d.open, d.events, ['a'], { held: new Map([[d.events[0]!.key, 'ffff000000000001']]) });
    store = await s.reopen(store);
    try {
      assert.deepEqual((await store.silences()).map((x) => x.id), ['ffff000000000001']);
      assert.deepEqual((await store.heldEvents()).map((h) => h.silenceId), ['ffff000000000001']);
      assert.deepEqual(await store.silencedCounts(), [{ event: 'target-unreachable', n: 1 }]);
      assert.equal(await store.pending(), 0);
      assert.equal(await releaseEndedSilences(store, T0 + HOUR + 1, ['a']), 1, 'released after the restart');
      assert.equal(await store.pending(), 1);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: recordScans records each as recordScan would (slot once, held marks, outbox rows), in order, one outcome each; a refused record fails alone`, async () => {
    const store = await s.open();
    try {
      await store.addSilence(silenceOf('abab000000000001', { target: 'u.test:*' }));
      assert.equal(await store.putResult({ slot: 'g1', target: 't.test:443', snapshot: down(T0), worker: 'dc1/a' }), true);
      assert.equal(await store.recordScan(snap({ atMs: T0 - 10 }), [], [], [], { slot: 'g0' }), true);
      const dt = detect(down(T0), undefined, [], undefined, HOUR);
      const du = detect(down(T0, 'u.test:443'), undefined, [], undefined, HOUR);
      const refused = down(T0, 'r.test:443');
      (refused as { target: unknown }).target = null; // NOT NULL: the database refuses its scan row
      const outcomes = await store.recordScans([
        { snapshot: down(T0), open: dt.open, events: dt.events, channels: ['a', 'b'], options: { slot: 'g1', worker: 'dc1/a' } },
        { snapshot: refused, open: [], events: [], channels: ['a'] },
        { snapshot: down(T0 + 1, 'u.test:443'), open: du.open, events: du.events, channels: ['a', 'b'], options: { held: new Map([[du.events[0]!.key, 'abab000000000001']]) } },
        { snapshot: snap({ atMs: T0 + 5 }), open: [], events: [], channels: ['a'], options: { slot: 'g0', worker: 'dc1/b' } },
        { snapshot: snap({ atMs: T0 + 10 }), open: [], events: [], channels: ['a'] },
      ]);
      assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected')), [true, 'rejected', true, false, true]);
      // The first: scan with its slot, its result removed, its conditions, one outbox row per channel.
      assert.deepEqual(await store.recordedSlots('t.test:443'), [{ slot: 'g0', worker: null, at: snap({ atMs: T0 - 10 }).at }, { slot: 'g1', worker: 'dc1/a', at: down(T0).at }]);
      assert.deepEqual(await store.pendingResults(), []);
      assert.deepEqual(await store.openConditions('t.test:443'), [], 'the fifth (up, nothing open) replaced the first one\'s conditions: in order');
      assert.deepEqual((await store.openConditions('u.test:443')).map((c) => c.event), ['target-unreachable']);
      // The third: held, recorded, not queued.
      assert.deepEqual((await store.heldEvents()).map((h) => [h.silenceId, h.event.target]), [['abab000000000001', 'u.test:443']]);
      assert.equal(await store.pending(), 2, 'outbox rows for t.test:443 only');
      // The fourth: a slot already recorded changed nothing; the fifth, same target, recorded after the first.
      assert.deepEqual((await store.history('t.test:443')).scans.map((x) => x.at), [snap({ atMs: T0 + 10 }).at, down(T0).at, snap({ atMs: T0 - 10 }).at]);
      assert.deepEqual((await store.targets()).sort(), ['t.test:443', 'u.test:443'], 'the refused record left nothing');
    } finally {
      await store.close();
    }
  });

  test(`${kind}: recordScans of nothing records nothing`, async () => {
    const store = await s.open();
    try {
      assert.deepEqual(await store.recordScans([]), []);
      assert.deepEqual(await store.targets(), []);
    } finally {
      await store.close();
    }
  });

  test(`${kind}: what recordScans recorded survives a reopen`, async () => {
    let store = await s.open();
    const d = detect(down(T0), undefined, [], undefined, HOUR);
    await store.recordScans([
      { snapshot: down(T0), open: d.open, events: d.events, channels: ['a'] },
      { snapshot: snap({ target: 'u.test:443' }), open: [], events: [], channels: ['a'] },
    ]);
    store = await s.reopen(store);
    try {
      assert.deepEqual((await store.targets()).sort(), ['t.test:443', 'u.test:443']);
      assert.equal(await store.pending(), 1);
    } finally {
      await store.close();
    }
  });
}
