/**
 * The watch's history on embedded SQLite (node:sqlite, loaded on first open):
 * per target its scans (snapshots), its open conditions, the events it
 * produced, and the alert outbox. WAL with synchronous=FULL: a scan, its
 * events and their outbox rows commit in one transaction, so a restart loses
 * no history and neither forgets nor repeats an alert.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { loadSqlite } from '../util/runtime.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { EventId, WatchEvent } from './events.ts';
import type { OpenCondition } from './detect.ts';
import type { Snapshot } from './snapshot.ts';
import type { ScanRecord } from './group-commit.ts';

export const WATCH_DB_FILE = 'watch.db';
/** Another process (a second watch on the same store, a backup) may hold the lock briefly. */
export const BUSY_TIMEOUT_MS = 10_000;
/** Rows returned by one history query: a page for the API, not the whole table. */
export const MAX_HISTORY_ROWS = 1000;

const SCHEMA = `
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
`;

type Row = Record<string, unknown>;

export interface OutboxItem {
  id: number;
  channel: string;
  eventKey: string;
  event: WatchEvent;
  attempts: number;
}

export class WatchStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();

  /** Open (creating the folder 0700 and the database if needed) the store in `dir`. */
  constructor(dir: string) {
    this.path = join(dir, WATCH_DB_FILE);
    const { DatabaseSync: Database } = loadSqlite();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.#db = new Database(this.path);
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.#db.exec('PRAGMA journal_mode = WAL');
      // A recorded scan and its alerts survive a crash or power cut once the commit returns.
      this.#db.exec('PRAGMA synchronous = FULL');
      this.#db.exec(SCHEMA);
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot open the watch database ${this.path}: ${(cause as Error).message}`, { cause });
    }
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

  /** Record a scan, the target's open conditions after it, its events and one outbox row per event and channel: one transaction. */
  recordScan(s: Snapshot, open: readonly OpenCondition[], events: readonly WatchEvent[], channels: readonly string[]): void {
    this.#tx(() => this.#writeScan({ snapshot: s, open, events, channels }));
  }

  openConditions(target: string): OpenCondition[] {
    return (this.#stmt('SELECT key, event, subject, since, last_sent_at FROM conditions WHERE target = ? ORDER BY key').all(target) as Row[]).map((r) => ({ key: r.key as string, event: r.event as EventId, subject: r.subject as string, since: r.since as string, lastSentAt: r.last_sent_at as string }));
  }

  latest(target: string): Snapshot | undefined {
    const r = this.#stmt('SELECT snapshot FROM scans WHERE target = ? ORDER BY at DESC, id DESC LIMIT 1').get(target) as Row | undefined;
    return r ? (JSON.parse(r.snapshot as string) as Snapshot) : undefined;
  }

  /** The last scan in which the target was up. */
  lastUp(target: string): Snapshot | undefined {
    const r = this.#stmt('SELECT snapshot FROM scans WHERE target = ? AND up = 1 ORDER BY at DESC, id DESC LIMIT 1').get(target) as Row | undefined;
    return r ? (JSON.parse(r.snapshot as string) as Snapshot) : undefined;
  }

  /** Newest first, at most `limit` (capped at MAX_HISTORY_ROWS). */
  history(target: string, limit = 100): { scans: Snapshot[]; events: WatchEvent[] } {
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_HISTORY_ROWS);
    const scans = (this.#stmt('SELECT snapshot FROM scans WHERE target = ? ORDER BY at DESC, id DESC LIMIT ?').all(target, n) as Row[]).map((r) => JSON.parse(r.snapshot as string) as Snapshot);
    const events = (this.#stmt('SELECT body FROM events WHERE target = ? ORDER BY at DESC, key LIMIT ?').all(target, n) as Row[]).map((r) => JSON.parse(r.body as string) as WatchEvent);
    return { scans, events };
  }

  events(target?: string): WatchEvent[] {
    const rows = target === undefined ? this.#stmt('SELECT body FROM events ORDER BY at, key').all() : this.#stmt('SELECT body FROM events WHERE target = ? ORDER BY at, key').all(target);
    return (rows as Row[]).map((r) => JSON.parse(r.body as string) as WatchEvent);
  }

  /** Outbox rows due at `now`, oldest first. */
  due(now: number, limit = 100): OutboxItem[] {
    return (this.#stmt('SELECT o.id, o.channel, o.event_key, o.attempts, e.body FROM outbox o JOIN events e ON e.key = o.event_key WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.id LIMIT ?').all(now, limit) as Row[]).map((r) => ({ id: Number(r.id), channel: r.channel as string, eventKey: r.event_key as string, attempts: Number(r.attempts), event: JSON.parse(r.body as string) as WatchEvent }));
  }

  /** Undelivered rows (whatever their next attempt time). */
  pending(): number {
    return Number((this.#stmt('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL').get() as Row).n);
  }

  markDelivered(item: OutboxItem, now: number): void {
    this.#tx(() => {
      const r = this.#stmt('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND delivered_at IS NULL').run(now, item.id);
      if (Number(r.changes) === 1) this.#stmt('INSERT INTO alert_counts (channel, event, n) VALUES (?, ?, 1) ON CONFLICT (channel, event) DO UPDATE SET n = n + 1').run(item.channel, item.event.event);
    });
  }

  markFailed(item: OutboxItem, nextAttemptAt: number, error: string): void {
    this.#stmt('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?').run(nextAttemptAt, error.slice(0, 500), item.id);
  }

  /** Delivered alerts per channel and event (monotonic: pruning never lowers them). */
  alertCounts(): Array<{ channel: string; event: string; n: number }> {
    return (this.#stmt('SELECT channel, event, n FROM alert_counts ORDER BY channel, event').all() as Row[]).map((r) => ({ channel: r.channel as string, event: r.event as string, n: Number(r.n) }));
  }

  /** Targets with at least one scan. */
  targets(): string[] {
    return (this.#stmt('SELECT DISTINCT target FROM scans ORDER BY target').all() as Row[]).map((r) => r.target as string);
  }

  /** Drop scans and delivered alerts older than `before` (ms); the latest scan of each target is always kept. */
  prune(before: number): number {
    return this.#tx(() => {
      const r = this.#stmt('DELETE FROM scans WHERE at < ? AND id NOT IN (SELECT max(id) FROM scans GROUP BY target)').run(before);
      this.#stmt('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?').run(before);
      this.#stmt('DELETE FROM events WHERE at < ? AND key NOT IN (SELECT event_key FROM outbox)').run(before);
      return Number(r.changes);
    });
  }

  close(): void {
    this.#db.close();
  }

  // ---- group commit (watch-bench; bench/watch-fleet.ts): several scans in one transaction ----

  /** Record several scans, each as recordScan would, in one transaction (one fsync for the lot; all or none). */
  recordScans(batch: readonly ScanRecord[]): void {
    this.#tx(() => {
      for (const r of batch) this.#writeScan(r);
    });
  }

  #writeScan({ snapshot: s, open, events, channels }: ScanRecord): void {
    const at = Date.parse(s.at);
    this.#stmt('INSERT INTO scans (target, at, up, snapshot) VALUES (?, ?, ?, ?)').run(s.target, at, s.up ? 1 : 0, JSON.stringify(s));
    this.#stmt('DELETE FROM conditions WHERE target = ?').run(s.target);
    for (const c of open) this.#stmt('INSERT INTO conditions (target, key, event, subject, since, last_sent_at) VALUES (?, ?, ?, ?, ?, ?)').run(s.target, c.key, c.event, c.subject, c.since, c.lastSentAt);
    for (const e of events) {
      const fresh = this.#stmt('INSERT OR IGNORE INTO events (key, target, event, at, body) VALUES (?, ?, ?, ?, ?)').run(e.key, e.target, e.event, at, JSON.stringify(e));
      if (Number(fresh.changes) === 0) continue; // already recorded: never queued twice
      for (const ch of channels) this.#stmt('INSERT OR IGNORE INTO outbox (channel, event_key, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(ch, e.key, e.event, Date.now(), 0);
    }
  }
}
