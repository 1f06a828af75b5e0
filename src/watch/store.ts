/**
 * The watch's history contract, asynchronous so that a networked database can
 * implement it (certmagic's `Storage` pattern, as the CA's src/ca/store.ts):
 * per target its scans (snapshots), its open conditions, the events it
 * produced, the alert outbox, (for workers) scan results waiting to be
 * recorded, and the silences with the events they hold back. Two implementations: SqliteWatchStore below (embedded default)
 * and PostgresWatchStore (postgres-store.ts, shared with `watch worker`s).
 *
 * Rules every implementation keeps:
 *  - `recordScan` is one transaction: the scan, the target's open conditions,
 *    its events and one outbox row per event and channel commit together and
 *    are durable when it returns, so a restart loses no history and neither
 *    forgets nor repeats an alert; `recordScans` (group commit) keeps every
 *    rule per record, and a record it refuses changes nothing and fails alone;
 *  - events and outbox rows are idempotent (event key; channel + event key):
 *    a second insert is a no-op, and an event already recorded is never
 *    queued again;
 *  - a scan recorded with a `slot` (the id of one scheduled scan) is recorded
 *    at most once: a second `recordScan` of the same slot changes nothing and
 *    returns false (a retried job after a worker's death cannot record twice);
 *  - `putResult` keeps the first result of a slot (later ones are no-ops),
 *    and `recordScan` of that slot removes it in the same transaction;
 *  - silences: an event `recordScan` is told a silence holds (`o.held`) is
 *    recorded and marked held in the same transaction, with no outbox row;
 *    `releaseHeld` queues a held event at most once, and `prune` never drops
 *    an event still held.
 *
 * Adding a store: one file implementing WatchStore, one line in STORE_KINDS.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { loadSqlite } from '../util/runtime.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { EventId, WatchEvent } from './events.ts';
import type { OpenCondition } from './detect.ts';
import type { Snapshot } from './snapshot.ts';
import type { HeldEvent, Silence } from './silences.ts';
import type { WatchConfig } from './config.ts';

export const WATCH_DB_FILE = 'watch.db';
/** Another process (a second watch on the same store, a backup) may hold the lock briefly. */
export const BUSY_TIMEOUT_MS = 10_000;
/** Rows returned by one history query: a page for the API, not the whole table. */
export const MAX_HISTORY_ROWS = 1000;
/** Results handed to the recorder per call: a batch, not the whole backlog. */
export const MAX_RESULT_ROWS = 500;

export interface OutboxItem {
  id: number;
  channel: string;
  eventKey: string;
  event: WatchEvent;
  attempts: number;
}

/** A worker's scan of one scheduled slot, waiting to be recorded by the service. */
export interface ScanResult {
  /** The scheduled scan's id (target and slot; see slots.ts). */
  slot: string;
  target: string;
  snapshot: Snapshot;
  /** Who scanned it (`zone/host:pid`), for the operator and the tests. */
  worker: string;
}

export interface RecordOptions {
  /** The scheduled scan this records: at most once per slot. */
  slot?: string;
  /** Who scanned it. */
  worker?: string;
  /** Events a silence holds back (event key → silence id): recorded and marked held, with no outbox row (silences.ts). */
  held?: ReadonlyMap<string, string>;
}

/** One scan to record, with what `recordScan` takes (group-commit.ts queues these). */
export interface ScanRecord {
  snapshot: Snapshot;
  open: readonly OpenCondition[];
  events: readonly WatchEvent[];
  channels: readonly string[];
  options?: RecordOptions;
}

export interface WatchStore {
  /** What this store is, for logs and messages (a path, or a URL without its password). */
  readonly description: string;
  /**
   * Record a scan, the target's open conditions after it, its events and one
   * outbox row per event and channel: one transaction. False (and nothing
   * changed) when `o.slot` was already recorded.
   */
  recordScan(s: Snapshot, open: readonly OpenCondition[], events: readonly WatchEvent[], channels: readonly string[], o?: RecordOptions): Promise<boolean>;
  /**
   * Group commit: record each of `batch` as `recordScan` would (its options
   * included: slot, worker, held), in order, and return one outcome per
   * record: fulfilled with recordScan's boolean (false: its slot was already
   * recorded), or rejected with the error of a record the store refused,
   * which changed nothing (the others are still recorded). Every fulfilled
   * record is durable when this returns; a rejection of the whole call means
   * none is known to be.
   */
  recordScans(batch: readonly ScanRecord[]): Promise<Array<PromiseSettledResult<boolean>>>;
  openConditions(target: string): Promise<OpenCondition[]>;
  latest(target: string): Promise<Snapshot | undefined>;
  /** The last scan in which the target was up. */
  lastUp(target: string): Promise<Snapshot | undefined>;
  /** Newest first, at most `limit` (capped at MAX_HISTORY_ROWS). */
  history(target: string, limit?: number): Promise<{ scans: Snapshot[]; events: WatchEvent[] }>;
  events(target?: string): Promise<WatchEvent[]>;
  /** Outbox rows due at `now`, oldest first. */
  due(now: number, limit?: number): Promise<OutboxItem[]>;
  /** Undelivered rows (whatever their next attempt time). */
  pending(): Promise<number>;
  markDelivered(item: OutboxItem, now: number): Promise<void>;
  markFailed(item: OutboxItem, nextAttemptAt: number, error: string): Promise<void>;
  /** Delivered alerts per channel and event (monotonic: pruning never lowers them). */
  alertCounts(): Promise<Array<{ channel: string; event: string; n: number }>>;
  /** Targets with at least one scan. */
  targets(): Promise<string[]>;
  /** Drop scans and delivered alerts older than `before` (ms); the latest scan of each target is always kept. */
  prune(before: number): Promise<number>;
  /** Keep a worker's result of a slot; false when that slot already has one (or was recorded). */
  putResult(r: ScanResult): Promise<boolean>;
  /** Results not recorded yet, oldest scan first. */
  pendingResults(limit?: number): Promise<ScanResult[]>;
  /** Which slots were recorded, and by whom, for a target (oldest first). */
  recordedSlots(target: string): Promise<Array<{ slot: string; worker: string | null; at: string }>>;
  /** Keep a new silence (validated by silences.ts; its id is fresh). */
  addSilence(s: Silence): Promise<void>;
  /** Every silence kept (newest first); `endingAfter`: only those whose end is later (pending and active ones). */
  silences(endingAfter?: number): Promise<Silence[]>;
  silence(id: string): Promise<Silence | undefined>;
  /** Replace a silence (expiring it early moves its end; its held events are then released by `releaseHeld`). */
  updateSilence(s: Silence): Promise<void>;
  /** Events a silence holds back (state `held`), oldest first. */
  heldEvents(): Promise<HeldEvent[]>;
  /** Events of a target a silence held (event key → silence id), for history and the dashboard. */
  silencedKeys(target: string): Promise<Map<string, string>>;
  /**
   * One transaction: every key of `done` still held is marked released (when
   * in `send`: one outbox row per channel) or dropped. A key no longer held
   * (another pass released it) changes nothing: a held event is queued at
   * most once. Returns how many events this call queued.
   */
  releaseHeld(send: readonly string[], done: readonly string[], channels: readonly string[], now: number): Promise<number>;
  /** Events held by a silence, per event id (monotonic: pruning never lowers them). */
  silencedCounts(): Promise<Array<{ event: string; n: number }>>;
  /** Drop released/dropped marks older than `before`, and silences that ended before it and hold nothing any more. */
  pruneSilences(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Where the history lives: a folder (SQLite) or a Postgres URL. */
export type WatchStoreLocation = { kind: 'sqlite'; dir: string } | { kind: 'postgres'; url: string };

/** The store kinds: adding one is a file implementing WatchStore and one line here. */
const STORE_KINDS: Record<WatchStoreLocation['kind'], (loc: never) => Promise<WatchStore>> = {
  sqlite: async (loc: { dir: string }) => new SqliteWatchStore(loc.dir),
  postgres: async (loc: { url: string }) => (await import('./postgres-store.ts')).PostgresWatchStore.connect(loc.url),
};

/** Where a configuration keeps history: its `storeUrl` (Postgres) when set, else its folder (SQLite). */
export function storeLocation(config: Pick<WatchConfig, 'storeDir' | 'storeUrl'>): WatchStoreLocation {
  return config.storeUrl !== undefined ? { kind: 'postgres', url: config.storeUrl } : { kind: 'sqlite', dir: config.storeDir };
}

/** Open the store a configuration names (`store:`: a folder, or postgres://...), or the one a location names. */
export function openWatchStore(where: WatchStoreLocation | Pick<WatchConfig, 'storeDir' | 'storeUrl'>): Promise<WatchStore> {
  const loc = 'kind' in where ? where : storeLocation(where);
  return (STORE_KINDS[loc.kind] as (l: WatchStoreLocation) => Promise<WatchStore>)(loc);
}

/**
 * SQLite schema, versioned by `PRAGMA user_version`: each step runs once, in
 * order, in one transaction with the version bump. Version 1 is the schema of
 * the first release (its CREATEs are IF NOT EXISTS: a database from before
 * versioning is at 0 and gets nothing twice); 2 adds worker slots and
 * results; 3 adds silences, the events they hold back (state `held`, then
 * `released` or `dropped`) and a monotonic count of held events per event id.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, target TEXT NOT NULL, at INTEGER NOT NULL, up INTEGER NOT NULL, snapshot TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS scans_target_at ON scans (target, at);
CREATE TABLE IF NOT EXISTS conditions (target TEXT NOT NULL, key TEXT NOT NULL, event TEXT NOT NULL, subject TEXT NOT NULL, since TEXT NOT NULL, last_sent_at TEXT NOT NULL, PRIMARY KEY (target, key));
CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, target TEXT NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_target_at ON events (target, at);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY, channel TEXT NOT NULL, event_key TEXT NOT NULL, event TEXT NOT NULL,
  created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER, last_error TEXT, UNIQUE (channel, event_key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE TABLE IF NOT EXISTS alert_counts (channel TEXT NOT NULL, event TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (channel, event));
`,
  `
ALTER TABLE scans ADD COLUMN slot TEXT;
ALTER TABLE scans ADD COLUMN worker TEXT;
CREATE UNIQUE INDEX scans_slot ON scans (slot);
CREATE TABLE results (slot TEXT PRIMARY KEY, target TEXT NOT NULL, at INTEGER NOT NULL, worker TEXT NOT NULL, snapshot TEXT NOT NULL);
`,
  // IF NOT EXISTS: a pre-release build of silences created these tables unversioned (user_version 0).
  `
CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, body TEXT NOT NULL, ends_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS silenced_events (event_key TEXT PRIMARY KEY, silence_id TEXT NOT NULL, target TEXT NOT NULL, at INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS silenced_held ON silenced_events (state) WHERE state = 'held';
CREATE INDEX IF NOT EXISTS silenced_target ON silenced_events (target);
CREATE TABLE IF NOT EXISTS silenced_counts (event TEXT PRIMARY KEY, n INTEGER NOT NULL);
`,
];

type Row = Record<string, unknown>;

export class SqliteWatchStore implements WatchStore {
  readonly path: string;
  readonly description: string;
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();

  /** Open (creating the folder 0700 and the database if needed) the store in `dir`. */
  constructor(dir: string) {
    this.path = join(dir, WATCH_DB_FILE);
    this.description = this.path;
    const { DatabaseSync: Database } = loadSqlite();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.#db = new Database(this.path);
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.#db.exec('PRAGMA journal_mode = WAL');
      // A recorded scan and its alerts survive a crash or power cut once the commit returns.
      this.#db.exec('PRAGMA synchronous = FULL');
      this.#migrate();
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot open the watch database ${this.path}: ${(cause as Error).message}`, { cause });
    }
  }

  #migrate(): void {
    this.#tx(() => {
      const from = Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
      if (from > SQLITE_MIGRATIONS.length) throw new Error(`its schema version ${from} is newer than this version of certwarden knows (${SQLITE_MIGRATIONS.length}); upgrade certwarden`);
      for (let v = from; v < SQLITE_MIGRATIONS.length; v++) this.#db.exec(SQLITE_MIGRATIONS[v]!);
      this.#db.exec(`PRAGMA user_version = ${SQLITE_MIGRATIONS.length}`);
    });
  }

  /** The schema version (PRAGMA user_version). */
  schemaVersion(): number {
    return Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
  }

  #stmt(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) this.#stmts.set(sql, (s = this.#db.prepare(sql)));
    return s;
  }

  #tx<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = work();
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async recordScan(s: Snapshot, open: readonly OpenCondition[], events: readonly WatchEvent[], channels: readonly string[], o: RecordOptions = {}): Promise<boolean> {
    return this.#tx(() => this.#writeScan({ snapshot: s, open, events, channels, options: o }));
  }

  /**
   * Group commit (group-commit.ts): every record of `batch` in one
   * transaction, so one fsync for the lot (node:sqlite commits on the event
   * loop: ~5 ms blocked per commit). Each record is written under its own
   * savepoint: one the database refuses is rolled back alone and comes back
   * rejected, the others commit.
   */
  async recordScans(batch: readonly ScanRecord[]): Promise<Array<PromiseSettledResult<boolean>>> {
    return this.#tx(() =>
      batch.map((r): PromiseSettledResult<boolean> => {
        this.#db.exec('SAVEPOINT record_scan');
        try {
          const value = this.#writeScan(r);
          this.#db.exec('RELEASE record_scan');
          return { status: 'fulfilled', value };
        } catch (reason) {
          this.#db.exec('ROLLBACK TO record_scan');
          this.#db.exec('RELEASE record_scan');
          return { status: 'rejected', reason };
        }
      }),
    );
  }

  /** One record's rows (inside a transaction); false when its slot was already recorded. */
  #writeScan({ snapshot: s, open, events, channels, options: o = {} }: ScanRecord): boolean {
    const at = Date.parse(s.at);
    const scan = this.#stmt('INSERT INTO scans (target, at, up, snapshot, slot, worker) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slot) DO NOTHING').run(s.target, at, s.up ? 1 : 0, JSON.stringify(s), o.slot ?? null, o.worker ?? null);
    if (o.slot !== undefined) this.#stmt('DELETE FROM results WHERE slot = ?').run(o.slot);
    if (Number(scan.changes) === 0) return false; // this slot is already recorded: nothing else changes
    this.#stmt('DELETE FROM conditions WHERE target = ?').run(s.target);
    for (const c of open) this.#stmt('INSERT INTO conditions (target, key, event, subject, since, last_sent_at) VALUES (?, ?, ?, ?, ?, ?)').run(s.target, c.key, c.event, c.subject, c.since, c.lastSentAt);
    for (const e of events) {
      const fresh = this.#stmt('INSERT OR IGNORE INTO events (key, target, event, at, body) VALUES (?, ?, ?, ?, ?)').run(e.key, e.target, e.event, at, JSON.stringify(e));
      if (Number(fresh.changes) === 0) continue; // already recorded: never queued twice
      const silence = o.held?.get(e.key);
      if (silence !== undefined) {
        this.#holdEvent(e, silence, at); // silences: recorded, not queued
        continue;
      }
      for (const ch of channels) this.#stmt('INSERT OR IGNORE INTO outbox (channel, event_key, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(ch, e.key, e.event, Date.now(), 0);
    }
    return true;
  }

  async openConditions(target: string): Promise<OpenCondition[]> {
    return (this.#stmt('SELECT key, event, subject, since, last_sent_at FROM conditions WHERE target = ? ORDER BY key').all(target) as Row[]).map((r) => ({ key: r.key as string, event: r.event as EventId, subject: r.subject as string, since: r.since as string, lastSentAt: r.last_sent_at as string }));
  }

  async latest(target: string): Promise<Snapshot | undefined> {
    const r = this.#stmt('SELECT snapshot FROM scans WHERE target = ? ORDER BY at DESC, id DESC LIMIT 1').get(target) as Row | undefined;
    return r ? (JSON.parse(r.snapshot as string) as Snapshot) : undefined;
  }

  /** The last scan in which the target was up. */
  async lastUp(target: string): Promise<Snapshot | undefined> {
    const r = this.#stmt('SELECT snapshot FROM scans WHERE target = ? AND up = 1 ORDER BY at DESC, id DESC LIMIT 1').get(target) as Row | undefined;
    return r ? (JSON.parse(r.snapshot as string) as Snapshot) : undefined;
  }

  /** Newest first, at most `limit` (capped at MAX_HISTORY_ROWS). */
  async history(target: string, limit = 100): Promise<{ scans: Snapshot[]; events: WatchEvent[] }> {
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_HISTORY_ROWS);
    const scans = (this.#stmt('SELECT snapshot FROM scans WHERE target = ? ORDER BY at DESC, id DESC LIMIT ?').all(target, n) as Row[]).map((r) => JSON.parse(r.snapshot as string) as Snapshot);
    const events = (this.#stmt('SELECT body FROM events WHERE target = ? ORDER BY at DESC, key LIMIT ?').all(target, n) as Row[]).map((r) => JSON.parse(r.body as string) as WatchEvent);
    return { scans, events };
  }

  async events(target?: string): Promise<WatchEvent[]> {
    const rows = target === undefined ? this.#stmt('SELECT body FROM events ORDER BY at, key').all() : this.#stmt('SELECT body FROM events WHERE target = ? ORDER BY at, key').all(target);
    return (rows as Row[]).map((r) => JSON.parse(r.body as string) as WatchEvent);
  }

  /** Outbox rows due at `now`, oldest first. */
  async due(now: number, limit = 100): Promise<OutboxItem[]> {
    return (this.#stmt('SELECT o.id, o.channel, o.event_key, o.attempts, e.body FROM outbox o JOIN events e ON e.key = o.event_key WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?').all(now, limit) as Row[]).map((r) => ({ id: Number(r.id), channel: r.channel as string, eventKey: r.event_key as string, attempts: Number(r.attempts), event: JSON.parse(r.body as string) as WatchEvent }));
  }

  /** Undelivered rows (whatever their next attempt time). */
  async pending(): Promise<number> {
    return Number((this.#stmt('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL').get() as Row).n);
  }

  async markDelivered(item: OutboxItem, now: number): Promise<void> {
    this.#tx(() => {
      const r = this.#stmt('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND delivered_at IS NULL').run(now, item.id);
      if (Number(r.changes) === 1) this.#stmt('INSERT INTO alert_counts (channel, event, n) VALUES (?, ?, 1) ON CONFLICT (channel, event) DO UPDATE SET n = n + 1').run(item.channel, item.event.event);
    });
  }

  async markFailed(item: OutboxItem, nextAttemptAt: number, error: string): Promise<void> {
    this.#stmt('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?').run(nextAttemptAt, error.slice(0, 500), item.id);
  }

  /** Delivered alerts per channel and event (monotonic: pruning never lowers them). */
  async alertCounts(): Promise<Array<{ channel: string; event: string; n: number }>> {
    return (this.#stmt('SELECT channel, event, n FROM alert_counts ORDER BY channel, event').all() as Row[]).map((r) => ({ channel: r.channel as string, event: r.event as string, n: Number(r.n) }));
  }

  /** Targets with at least one scan. */
  async targets(): Promise<string[]> {
    return (this.#stmt('SELECT DISTINCT target FROM scans ORDER BY target').all() as Row[]).map((r) => r.target as string);
  }

  /** Drop scans and delivered alerts older than `before` (ms); the latest scan of each target is always kept. */
  async prune(before: number): Promise<number> {
    return this.#tx(() => {
      const r = this.#stmt('DELETE FROM scans WHERE at < ? AND id NOT IN (SELECT max(id) FROM scans GROUP BY target)').run(before);
      this.#stmt('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?').run(before);
      this.#stmt("DELETE FROM events WHERE at < ? AND key NOT IN (SELECT event_key FROM outbox) AND key NOT IN (SELECT event_key FROM silenced_events WHERE state = 'held')").run(before);
      return Number(r.changes);
    });
  }

  async putResult(r: ScanResult): Promise<boolean> {
    return this.#tx(() => {
      if (this.#stmt('SELECT 1 FROM scans WHERE slot = ?').get(r.slot)) return false;
      const ins = this.#stmt('INSERT INTO results (slot, target, at, worker, snapshot) VALUES (?, ?, ?, ?, ?) ON CONFLICT (slot) DO NOTHING').run(r.slot, r.target, Date.parse(r.snapshot.at), r.worker, JSON.stringify(r.snapshot));
      return Number(ins.changes) === 1;
    });
  }

  async pendingResults(limit = MAX_RESULT_ROWS): Promise<ScanResult[]> {
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_RESULT_ROWS);
    return (this.#stmt('SELECT slot, target, worker, snapshot FROM results ORDER BY at, slot LIMIT ?').all(n) as Row[]).map((r) => ({ slot: r.slot as string, target: r.target as string, worker: r.worker as string, snapshot: JSON.parse(r.snapshot as string) as Snapshot }));
  }

  async recordedSlots(target: string): Promise<Array<{ slot: string; worker: string | null; at: string }>> {
    return (this.#stmt('SELECT slot, worker, at FROM scans WHERE target = ? AND slot IS NOT NULL ORDER BY at, id').all(target) as Row[]).map((r) => ({ slot: r.slot as string, worker: (r.worker as string | null) ?? null, at: new Date(Number(r.at)).toISOString() }));
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  // ---- silences (silences.ts) ----

  #holdEvent(e: WatchEvent, silenceId: string, at: number): void {
    this.#stmt('INSERT OR IGNORE INTO silenced_events (event_key, silence_id, target, at, state) VALUES (?, ?, ?, ?, ?)').run(e.key, silenceId, e.target, at, 'held');
    this.#stmt('INSERT INTO silenced_counts (event, n) VALUES (?, 1) ON CONFLICT (event) DO UPDATE SET n = n + 1').run(e.event);
  }

  async addSilence(s: Silence): Promise<void> {
    this.#stmt('INSERT INTO silences (id, body, ends_at, created_at) VALUES (?, ?, ?, ?)').run(s.id, JSON.stringify(s), Date.parse(s.endsAt), Date.parse(s.createdAt));
  }

  /** Every silence kept (newest first); `endingAfter`: only those whose end is later (pending and active ones). */
  async silences(endingAfter?: number): Promise<Silence[]> {
    const rows = endingAfter === undefined ? this.#stmt('SELECT body FROM silences ORDER BY created_at DESC, id').all() : this.#stmt('SELECT body FROM silences WHERE ends_at > ? ORDER BY created_at DESC, id').all(endingAfter);
    return (rows as Row[]).map((r) => JSON.parse(r.body as string) as Silence);
  }

  async silence(id: string): Promise<Silence | undefined> {
    const r = this.#stmt('SELECT body FROM silences WHERE id = ?').get(id) as Row | undefined;
    return r ? (JSON.parse(r.body as string) as Silence) : undefined;
  }

  /** End a silence now (its held events are then released by `releaseHeld`). */
  async updateSilence(s: Silence): Promise<void> {
    this.#stmt('UPDATE silences SET body = ?, ends_at = ? WHERE id = ?').run(JSON.stringify(s), Date.parse(s.endsAt), s.id);
  }

  /** Events a silence holds back, oldest first. */
  async heldEvents(): Promise<HeldEvent[]> {
    return (this.#stmt("SELECT s.silence_id, e.body FROM silenced_events s JOIN events e ON e.key = s.event_key WHERE s.state = 'held' ORDER BY s.at, s.event_key").all() as Row[]).map((r) => ({ silenceId: r.silence_id as string, event: JSON.parse(r.body as string) as WatchEvent }));
  }

  /** Which of these event keys a silence held (event key → silence id), for history and the dashboard. */
  async silencedKeys(target: string): Promise<Map<string, string>> {
    return new Map((this.#stmt('SELECT event_key, silence_id FROM silenced_events WHERE target = ?').all(target) as Row[]).map((r) => [r.event_key as string, r.silence_id as string]));
  }

  /** One transaction: queue `send` on every channel, mark `done` (still held) as released or dropped. */
  async releaseHeld(send: readonly string[], done: readonly string[], channels: readonly string[], now: number): Promise<number> {
    const sending = new Set(send);
    return this.#tx(() => {
      let queued = 0;
      for (const key of done) {
        const r = this.#stmt("UPDATE silenced_events SET state = ? WHERE event_key = ? AND state = 'held'").run(sending.has(key) ? 'released' : 'dropped', key);
        if (Number(r.changes) === 0 || !sending.has(key)) continue; // released by another pass already
        const e = this.#stmt('SELECT event FROM events WHERE key = ?').get(key) as Row | undefined;
        if (!e) continue;
        for (const ch of channels) this.#stmt('INSERT OR IGNORE INTO outbox (channel, event_key, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(ch, key, e.event as string, now, 0);
        queued++;
      }
      return queued;
    });
  }

  /** Events held by a silence, per event (monotonic: pruning never lowers them). */
  async silencedCounts(): Promise<Array<{ event: string; n: number }>> {
    return (this.#stmt('SELECT event, n FROM silenced_counts ORDER BY event').all() as Row[]).map((r) => ({ event: r.event as string, n: Number(r.n) }));
  }

  /** Drop silences that ended before `before` and whose events are no longer held. */
  async pruneSilences(before: number): Promise<number> {
    return this.#tx(() => {
      this.#stmt("DELETE FROM silenced_events WHERE state <> 'held' AND at < ?").run(before);
      return Number(this.#stmt('DELETE FROM silences WHERE ends_at < ? AND id NOT IN (SELECT silence_id FROM silenced_events)').run(before).changes);
    });
  }
}
