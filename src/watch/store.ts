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
import type { HeldEvent, Silence } from './silences.ts';

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
-- silences (watch-ui): the silences, the events they hold back (state held, then released or dropped), and a monotonic count per event
CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, body TEXT NOT NULL, ends_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS silenced_events (event_key TEXT PRIMARY KEY, silence_id TEXT NOT NULL, target TEXT NOT NULL, at INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS silenced_held ON silenced_events (state) WHERE state = 'held';
CREATE TABLE IF NOT EXISTS silenced_counts (event TEXT PRIMARY KEY, n INTEGER NOT NULL);
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

  /** Record a scan, the target's open conditions after it, its events and one outbox row per event and channel (none for an event a silence holds: `held` maps its key to the silence): one transaction. */
  recordScan(s: Snapshot, open: readonly OpenCondition[], events: readonly WatchEvent[], channels: readonly string[], held: ReadonlyMap<string, string> = new Map()): void {
    const at = Date.parse(s.at);
    this.#tx(() => {
      this.#stmt('INSERT INTO scans (target, at, up, snapshot) VALUES (?, ?, ?, ?)').run(s.target, at, s.up ? 1 : 0, JSON.stringify(s));
      this.#stmt('DELETE FROM conditions WHERE target = ?').run(s.target);
      for (const c of open) this.#stmt('INSERT INTO conditions (target, key, event, subject, since, last_sent_at) VALUES (?, ?, ?, ?, ?, ?)').run(s.target, c.key, c.event, c.subject, c.since, c.lastSentAt);
      for (const e of events) {
        const fresh = this.#stmt('INSERT OR IGNORE INTO events (key, target, event, at, body) VALUES (?, ?, ?, ?, ?)').run(e.key, e.target, e.event, at, JSON.stringify(e));
        if (Number(fresh.changes) === 0) continue; // already recorded: never queued twice
        if (held.has(e.key)) {
          this.#holdEvent(e, held.get(e.key)!, at); // silences: recorded, not queued
          continue;
        }
        for (const ch of channels) this.#stmt('INSERT OR IGNORE INTO outbox (channel, event_key, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(ch, e.key, e.event, Date.now(), 0);
      }
    });
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
      this.#stmt("DELETE FROM events WHERE at < ? AND key NOT IN (SELECT event_key FROM outbox) AND key NOT IN (SELECT event_key FROM silenced_events WHERE state = 'held')").run(before);
      return Number(r.changes);
    });
  }

  close(): void {
    this.#db.close();
  }

  // ---- silences (watch-ui): port these to the async interface and to Postgres ----

  #holdEvent(e: WatchEvent, silenceId: string, at: number): void {
    this.#stmt('INSERT OR IGNORE INTO silenced_events (event_key, silence_id, target, at, state) VALUES (?, ?, ?, ?, ?)').run(e.key, silenceId, e.target, at, 'held');
    this.#stmt('INSERT INTO silenced_counts (event, n) VALUES (?, 1) ON CONFLICT (event) DO UPDATE SET n = n + 1').run(e.event);
  }

  addSilence(s: Silence): void {
    this.#stmt('INSERT INTO silences (id, body, ends_at, created_at) VALUES (?, ?, ?, ?)').run(s.id, JSON.stringify(s), Date.parse(s.endsAt), Date.parse(s.createdAt));
  }

  /** Every silence kept (newest first); `endingAfter`: only those whose end is later (pending and active ones). */
  silences(endingAfter?: number): Silence[] {
    const rows = endingAfter === undefined ? this.#stmt('SELECT body FROM silences ORDER BY created_at DESC, id').all() : this.#stmt('SELECT body FROM silences WHERE ends_at > ? ORDER BY created_at DESC, id').all(endingAfter);
    return (rows as Row[]).map((r) => JSON.parse(r.body as string) as Silence);
  }

  silence(id: string): Silence | undefined {
    const r = this.#stmt('SELECT body FROM silences WHERE id = ?').get(id) as Row | undefined;
    return r ? (JSON.parse(r.body as string) as Silence) : undefined;
  }

  /** End a silence now (its held events are then released by `releaseHeld`). */
  updateSilence(s: Silence): void {
    this.#stmt('UPDATE silences SET body = ?, ends_at = ? WHERE id = ?').run(JSON.stringify(s), Date.parse(s.endsAt), s.id);
  }

  /** Events a silence holds back, oldest first. */
  heldEvents(): HeldEvent[] {
    return (this.#stmt("SELECT s.silence_id, e.body FROM silenced_events s JOIN events e ON e.key = s.event_key WHERE s.state = 'held' ORDER BY s.at, s.event_key").all() as Row[]).map((r) => ({ silenceId: r.silence_id as string, event: JSON.parse(r.body as string) as WatchEvent }));
  }

  /** Which of these event keys a silence held (event key → silence id), for history and the dashboard. */
  silencedKeys(target: string): Map<string, string> {
    return new Map((this.#stmt('SELECT event_key, silence_id FROM silenced_events WHERE target = ?').all(target) as Row[]).map((r) => [r.event_key as string, r.silence_id as string]));
  }

  /** One transaction: queue `send` on every channel, mark `done` (still held) as released or dropped. */
  releaseHeld(send: readonly string[], done: readonly string[], channels: readonly string[], now: number): void {
    const sending = new Set(send);
    this.#tx(() => {
      for (const key of done) {
        const r = this.#stmt("UPDATE silenced_events SET state = ? WHERE event_key = ? AND state = 'held'").run(sending.has(key) ? 'released' : 'dropped', key);
        if (Number(r.changes) === 0 || !sending.has(key)) continue; // released by another pass already
        const e = this.#stmt('SELECT event FROM events WHERE key = ?').get(key) as Row | undefined;
        if (!e) continue;
        for (const ch of channels) this.#stmt('INSERT OR IGNORE INTO outbox (channel, event_key, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(ch, key, e.event as string, now, 0);
      }
    });
  }

  /** Events held by a silence, per event (monotonic: pruning never lowers them). */
  silencedCounts(): Array<{ event: string; n: number }> {
    return (this.#stmt('SELECT event, n FROM silenced_counts ORDER BY event').all() as Row[]).map((r) => ({ event: r.event as string, n: Number(r.n) }));
  }

  /** Drop silences that ended before `before` and whose events are no longer held. */
  pruneSilences(before: number): number {
    return this.#tx(() => {
      this.#stmt("DELETE FROM silenced_events WHERE state <> 'held' AND at < ?").run(before);
      return Number(this.#stmt('DELETE FROM silences WHERE ends_at < ? AND id NOT IN (SELECT silence_id FROM silenced_events)').run(before).changes);
    });
  }
}
