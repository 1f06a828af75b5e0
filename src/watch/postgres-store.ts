/**
 * WatchStore on PostgreSQL (node-postgres): the history of a watch whose scans
 * are run by `certwarden watch worker`s in other zones and machines.
 *
 * The same guarantees as SQLite, in Postgres terms:
 *  - durability: sessions run with synchronous_commit=on, so `recordScan`
 *    returns after the WAL flush whatever the server's default;
 *  - one transaction per scan: scan, conditions, events, held-event marks
 *    (silences) and outbox rows commit together (`recordScans`: several scans
 *    in one transaction, a savepoint each, so each is still all or nothing); events and outbox rows are `INSERT ... ON CONFLICT DO
 *    NOTHING` on their keys (an event already recorded is never queued again);
 *  - a slot is recorded once: `scans.slot` is UNIQUE, and the insert is
 *    `ON CONFLICT (slot) DO NOTHING`; a second record of a slot changes nothing;
 *  - one target at a time: `recordScan` takes a transaction-scoped advisory
 *    lock on the target, so two recorders never interleave its conditions.
 *
 * Everything lives in the schema `certwarden_watch` (its own; a database
 * shared with the CA, pg-boss or other applications is fine), versioned by
 * MIGRATIONS and its `schema_migrations` table, as the CA's store.
 */
import type { Pool, PoolClient } from 'pg';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { redactStoreUrl } from './config.ts';
import type { EventId, WatchEvent } from './events.ts';
import type { OpenCondition } from './detect.ts';
import type { Snapshot } from './snapshot.ts';
import type { HeldEvent, Silence } from './silences.ts';
import { MAX_HISTORY_ROWS, MAX_RESULT_ROWS, type OutboxItem, type RecordOptions, type ScanRecord, type ScanResult, type WatchStore } from './store.ts';
import { inTransaction, migrateSchema, openMigratedPool, type PgMigration, type PgSchema } from '../util/pg.ts';

/** The Postgres schema holding the watch's tables. */
export const WATCH_PG_SCHEMA = 'certwarden_watch';
/** No statement of the watch runs longer (the largest is a prune of a month of scans). */
export const WATCH_PG_STATEMENT_TIMEOUT_MS = 60_000;
/** Connecting to the server: a dead host must not hang the service's start. */
export const WATCH_PG_CONNECT_TIMEOUT_MS = 10_000;
/** How long a write waits for another transaction's lock (a recorder of the same target) before failing. */
export const WATCH_PG_LOCK_TIMEOUT_MS = 10_000;
/** Connections per process: the recorder, the outbox, the HTTP API; a worker uses one or two. */
export const WATCH_PG_POOL_SIZE = 4;

/** Schema migrations, in order: each applied once, in a transaction, and recorded in schema_migrations. */
export const WATCH_PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'scans, conditions, events, outbox, alert counts, worker results',
    sql: `
CREATE TABLE ${WATCH_PG_SCHEMA}.scans (id bigserial PRIMARY KEY, target text NOT NULL, at bigint NOT NULL, up boolean NOT NULL, snapshot text NOT NULL, slot text UNIQUE, worker text);
CREATE INDEX scans_target_at ON ${WATCH_PG_SCHEMA}.scans (target, at);
CREATE TABLE ${WATCH_PG_SCHEMA}.conditions (target text NOT NULL, key text NOT NULL, event text NOT NULL, subject text NOT NULL, since text NOT NULL, last_sent_at text NOT NULL, PRIMARY KEY (target, key));
CREATE TABLE ${WATCH_PG_SCHEMA}.events (key text PRIMARY KEY, target text NOT NULL, event text NOT NULL, at bigint NOT NULL, body text NOT NULL);
CREATE INDEX events_target_at ON ${WATCH_PG_SCHEMA}.events (target, at);
CREATE TABLE ${WATCH_PG_SCHEMA}.outbox (
  id bigserial PRIMARY KEY, channel text NOT NULL, event_key text NOT NULL, event text NOT NULL,
  created_at bigint NOT NULL, attempts integer NOT NULL DEFAULT 0, next_attempt_at bigint NOT NULL,
  delivered_at bigint, last_error text, UNIQUE (channel, event_key)
);
CREATE INDEX outbox_due ON ${WATCH_PG_SCHEMA}.outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE TABLE ${WATCH_PG_SCHEMA}.alert_counts (channel text NOT NULL, event text NOT NULL, n bigint NOT NULL, PRIMARY KEY (channel, event));
CREATE TABLE ${WATCH_PG_SCHEMA}.results (slot text PRIMARY KEY, target text NOT NULL, at bigint NOT NULL, worker text NOT NULL, snapshot text NOT NULL);
CREATE INDEX results_at ON ${WATCH_PG_SCHEMA}.results (at);
`,
  },
  {
    version: 2,
    description: 'silences, the events they hold back, held counts',
    sql: `
CREATE TABLE ${WATCH_PG_SCHEMA}.silences (id text PRIMARY KEY, body text NOT NULL, ends_at bigint NOT NULL, created_at bigint NOT NULL);
CREATE INDEX silences_ends_at ON ${WATCH_PG_SCHEMA}.silences (ends_at);
CREATE TABLE ${WATCH_PG_SCHEMA}.silenced_events (event_key text PRIMARY KEY, silence_id text NOT NULL, target text NOT NULL, at bigint NOT NULL, state text NOT NULL CHECK (state IN ('held', 'released', 'dropped')));
CREATE INDEX silenced_held ON ${WATCH_PG_SCHEMA}.silenced_events (at, event_key) WHERE state = 'held';
CREATE INDEX silenced_target ON ${WATCH_PG_SCHEMA}.silenced_events (target);
CREATE TABLE ${WATCH_PG_SCHEMA}.silenced_counts (event text PRIMARY KEY, n bigint NOT NULL);
`,
  },
];

/** The newest schema version this code knows. */
export const WATCH_PG_SCHEMA_VERSION = WATCH_PG_MIGRATIONS[WATCH_PG_MIGRATIONS.length - 1]!.version;
/** pg_advisory_xact_lock key serialising migrations of concurrent first starts ("cwwa" in ASCII). */
const MIGRATION_LOCK_KEY = 0x63777761;

type Row = Record<string, unknown>;
type Queryable = Pick<PoolClient, 'query'>;

function storeError(what: string, description: string, cause: unknown): CertwardenError {
  if (cause instanceof CertwardenError) return cause;
  return new CertwardenError(ErrorCode.STORE, `the watch store ${description}: cannot ${what}: ${(cause as Error).message}`, { cause });
}

/** The watch's schema: its migrations, lock and name in messages (util/pg.ts runs them). */
const WATCH_SCHEMA: PgSchema = { schema: WATCH_PG_SCHEMA, migrations: WATCH_PG_MIGRATIONS, lockKey: MIGRATION_LOCK_KEY, what: 'the watch store' };

/** Bring the schema to WATCH_PG_SCHEMA_VERSION; a newer schema than this code knows is refused (CW_ERR_STORE). */
export function migrateWatch(client: Queryable, description = 'postgres'): Promise<{ from: number; to: number }> {
  return migrateSchema(client, WATCH_SCHEMA, description);
}

const T = WATCH_PG_SCHEMA;

export class PostgresWatchStore implements WatchStore {
  readonly description: string;
  readonly #pool: Pool;
  #closed = false;

  private constructor(description: string, pool: Pool) {
    this.description = description;
    this.#pool = pool;
  }

  /** Connect to `url`, apply pending migrations (refusing a newer schema), and return the store. */
  static async connect(url: string, o: { poolSize?: number; applicationName?: string } = {}): Promise<PostgresWatchStore> {
    const description = redactStoreUrl(url);
    try {
      const settings = { max: o.poolSize ?? WATCH_PG_POOL_SIZE, connectTimeoutMs: WATCH_PG_CONNECT_TIMEOUT_MS, statementTimeoutMs: WATCH_PG_STATEMENT_TIMEOUT_MS, applicationName: o.applicationName ?? 'certwarden-watch' };
      const { pool } = await openMigratedPool(url, settings, WATCH_SCHEMA, description);
      return new PostgresWatchStore(description, pool);
    } catch (err) {
      // node-postgres messages name the user and host, never the password; the URL is shown redacted.
      throw storeError('open it', description, err);
    }
  }

  async #query(what: string, sql: string, params: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.#pool.query(sql, params)).rows as Row[];
    } catch (err) {
      throw storeError(what, this.description, err);
    }
  }

  async #tx<T>(what: string, work: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.#pool, WATCH_PG_LOCK_TIMEOUT_MS, work);
    } catch (err) {
      throw storeError(what, this.description, err);
    }
  }


  async recordScan(s: Snapshot, open: readonly OpenCondition[], events: readonly WatchEvent[], channels: readonly string[], o: RecordOptions = {}): Promise<boolean> {
    return this.#tx('record a scan', (c) => this.#writeScan(c, { snapshot: s, open, events, channels, options: o }));
  }

  /**
   * Group commit (group-commit.ts): the batch in one transaction, each record
   * under its own savepoint. Postgres commits do not block this process's
   * event loop (the reason SQLite batches), so looping over recordScan would
   * be correct too; one transaction is chosen because the service records
   * workers' results one after another, and with synchronous_commit=on each
   * commit waits for a WAL flush on the server: a batch waits for one. What
   * it costs: the per-target advisory locks and the rows written are held
   * until the batch commits (at most MAX_BATCH records, each ~10 round
   * trips); only the service records, so no other recorder waits on them (a
   * worker's putResult of a slot in the batch may wait for the commit). A
   * record Postgres refuses (or a lock that times out)
   * is rolled back to its savepoint and fails alone; the savepoint also
   * releases the locks it took.
   */
  async recordScans(batch: readonly ScanRecord[]): Promise<Array<PromiseSettledResult<boolean>>> {
    return this.#tx('record scans', async (c) => {
      const out: Array<PromiseSettledResult<boolean>> = [];
      for (const r of batch) {
        await c.query('SAVEPOINT record_scan');
        try {
          const value = await this.#writeScan(c, r);
          await c.query('RELEASE SAVEPOINT record_scan');
          out.push({ status: 'fulfilled', value });
        } catch (err) {
          // If even this fails the connection is gone: the whole batch fails (nothing committed).
          await c.query('ROLLBACK TO SAVEPOINT record_scan');
          out.push({ status: 'rejected', reason: storeError('record a scan', this.description, err) });
        }
      }
      return out;
    });
  }

  /** One record's rows, in the transaction `c`; false when its slot was already recorded. */
  async #writeScan(c: PoolClient, { snapshot: s, open, events, channels, options: o = {} }: ScanRecord): Promise<boolean> {
    const at = Date.parse(s.at);
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${T}:${s.target}`]);
    const scan = await c.query(`INSERT INTO ${T}.scans (target, at, up, snapshot, slot, worker) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slot) DO NOTHING`, [s.target, at, s.up, JSON.stringify(s), o.slot ?? null, o.worker ?? null]);
    if (o.slot !== undefined) await c.query(`DELETE FROM ${T}.results WHERE slot = $1`, [o.slot]);
    if (scan.rowCount === 0) return false; // this slot is already recorded: nothing else changes
    await c.query(`DELETE FROM ${T}.conditions WHERE target = $1`, [s.target]);
    for (const k of open) await c.query(`INSERT INTO ${T}.conditions (target, key, event, subject, since, last_sent_at) VALUES ($1, $2, $3, $4, $5, $6)`, [s.target, k.key, k.event, k.subject, k.since, k.lastSentAt]);
    for (const e of events) {
      const fresh = await c.query(`INSERT INTO ${T}.events (key, target, event, at, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [e.key, e.target, e.event, at, JSON.stringify(e)]);
      if (fresh.rowCount === 0) continue; // already recorded: never queued twice
      const silence = o.held?.get(e.key);
      if (silence !== undefined) {
        // silences: recorded and marked held, not queued (released later by releaseHeld)
        await c.query(`INSERT INTO ${T}.silenced_events (event_key, silence_id, target, at, state) VALUES ($1, $2, $3, $4, 'held') ON CONFLICT DO NOTHING`, [e.key, silence, e.target, at]);
        await c.query(`INSERT INTO ${T}.silenced_counts (event, n) VALUES ($1, 1) ON CONFLICT (event) DO UPDATE SET n = ${T}.silenced_counts.n + 1`, [e.event]);
        continue;
      }
      for (const ch of channels) await c.query(`INSERT INTO ${T}.outbox (channel, event_key, event, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING`, [ch, e.key, e.event, Date.now()]);
    }
    return true;
  }

  async openConditions(target: string): Promise<OpenCondition[]> {
    const rows = await this.#query('read conditions', `SELECT key, event, subject, since, last_sent_at FROM ${T}.conditions WHERE target = $1 ORDER BY key`, [target]);
    return rows.map((r) => ({ key: r.key as string, event: r.event as EventId, subject: r.subject as string, since: r.since as string, lastSentAt: r.last_sent_at as string }));
  }

  async latest(target: string): Promise<Snapshot | undefined> {
    const rows = await this.#query('read a scan', `SELECT snapshot FROM ${T}.scans WHERE target = $1 ORDER BY at DESC, id DESC LIMIT 1`, [target]);
    return rows[0] ? (JSON.parse(rows[0].snapshot as string) as Snapshot) : undefined;
  }

  async lastUp(target: string): Promise<Snapshot | undefined> {
    const rows = await this.#query('read a scan', `SELECT snapshot FROM ${T}.scans WHERE target = $1 AND up ORDER BY at DESC, id DESC LIMIT 1`, [target]);
    return rows[0] ? (JSON.parse(rows[0].snapshot as string) as Snapshot) : undefined;
  }

  async history(target: string, limit = 100): Promise<{ scans: Snapshot[]; events: WatchEvent[] }> {
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_HISTORY_ROWS);
    const scans = (await this.#query('read history', `SELECT snapshot FROM ${T}.scans WHERE target = $1 ORDER BY at DESC, id DESC LIMIT $2`, [target, n])).map((r) => JSON.parse(r.snapshot as string) as Snapshot);
    const events = (await this.#query('read history', `SELECT body FROM ${T}.events WHERE target = $1 ORDER BY at DESC, key LIMIT $2`, [target, n])).map((r) => JSON.parse(r.body as string) as WatchEvent);
    return { scans, events };
  }

  async events(target?: string): Promise<WatchEvent[]> {
    const rows = target === undefined ? await this.#query('read events', `SELECT body FROM ${T}.events ORDER BY at, key`) : await this.#query('read events', `SELECT body FROM ${T}.events WHERE target = $1 ORDER BY at, key`, [target]);
    return rows.map((r) => JSON.parse(r.body as string) as WatchEvent);
  }

  async due(now: number, limit = 100): Promise<OutboxItem[]> {
    const rows = await this.#query('read the outbox', `SELECT o.id, o.channel, o.event_key, o.attempts, e.body FROM ${T}.outbox o JOIN ${T}.events e ON e.key = o.event_key WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1 ORDER BY o.id LIMIT $2`, [now, limit]);
    return rows.map((r) => ({ id: Number(r.id), channel: r.channel as string, eventKey: r.event_key as string, attempts: Number(r.attempts), event: JSON.parse(r.body as string) as WatchEvent }));
  }

  async pending(): Promise<number> {
    return Number((await this.#query('read the outbox', `SELECT count(*) AS n FROM ${T}.outbox WHERE delivered_at IS NULL`))[0]!.n);
  }

  async markDelivered(item: OutboxItem, now: number): Promise<void> {
    await this.#tx('mark an alert delivered', async (c) => {
      const r = await c.query(`UPDATE ${T}.outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2 AND delivered_at IS NULL`, [now, item.id]);
      if (r.rowCount === 1) await c.query(`INSERT INTO ${T}.alert_counts (channel, event, n) VALUES ($1, $2, 1) ON CONFLICT (channel, event) DO UPDATE SET n = ${T}.alert_counts.n + 1`, [item.channel, item.event.event]);
    });
  }

  async markFailed(item: OutboxItem, nextAttemptAt: number, error: string): Promise<void> {
    await this.#query('mark an alert failed', `UPDATE ${T}.outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3`, [nextAttemptAt, error.slice(0, 500), item.id]);
  }

  async alertCounts(): Promise<Array<{ channel: string; event: string; n: number }>> {
    return (await this.#query('read alert counts', `SELECT channel, event, n FROM ${T}.alert_counts ORDER BY channel, event`)).map((r) => ({ channel: r.channel as string, event: r.event as string, n: Number(r.n) }));
  }

  async targets(): Promise<string[]> {
    return (await this.#query('read targets', `SELECT DISTINCT target FROM ${T}.scans ORDER BY target`)).map((r) => r.target as string);
  }

  async prune(before: number): Promise<number> {
    return this.#tx('prune history', async (c) => {
      const r = await c.query(`DELETE FROM ${T}.scans WHERE at < $1 AND id NOT IN (SELECT max(id) FROM ${T}.scans GROUP BY target)`, [before]);
      await c.query(`DELETE FROM ${T}.outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1`, [before]);
      await c.query(`DELETE FROM ${T}.events WHERE at < $1 AND key NOT IN (SELECT event_key FROM ${T}.outbox) AND key NOT IN (SELECT event_key FROM ${T}.silenced_events WHERE state = 'held')`, [before]);
      return r.rowCount ?? 0;
    });
  }

  async putResult(r: ScanResult): Promise<boolean> {
    const rows = await this.#query(
      'keep a scan result',
      `INSERT INTO ${T}.results (slot, target, at, worker, snapshot) SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM ${T}.scans WHERE slot = $1) ON CONFLICT (slot) DO NOTHING RETURNING slot`,
      [r.slot, r.target, Date.parse(r.snapshot.at), r.worker, JSON.stringify(r.snapshot)],
    );
    return rows.length === 1;
  }

  async pendingResults(limit = MAX_RESULT_ROWS): Promise<ScanResult[]> {
    const n = Math.min(Math.max(1, Math.floor(limit)), MAX_RESULT_ROWS);
    const rows = await this.#query('read scan results', `SELECT slot, target, worker, snapshot FROM ${T}.results ORDER BY at, slot LIMIT $1`, [n]);
    return rows.map((r) => ({ slot: r.slot as string, target: r.target as string, worker: r.worker as string, snapshot: JSON.parse(r.snapshot as string) as Snapshot }));
  }

  async recordedSlots(target: string): Promise<Array<{ slot: string; worker: string | null; at: string }>> {
    const rows = await this.#query('read recorded slots', `SELECT slot, worker, at FROM ${T}.scans WHERE target = $1 AND slot IS NOT NULL ORDER BY at, id`, [target]);
    return rows.map((r) => ({ slot: r.slot as string, worker: (r.worker as string | null) ?? null, at: new Date(Number(r.at)).toISOString() }));
  }

  // ---- silences (silences.ts) ----

  async addSilence(s: Silence): Promise<void> {
    await this.#query('keep a silence', `INSERT INTO ${T}.silences (id, body, ends_at, created_at) VALUES ($1, $2, $3, $4)`, [s.id, JSON.stringify(s), Date.parse(s.endsAt), Date.parse(s.createdAt)]);
  }

  async silences(endingAfter?: number): Promise<Silence[]> {
    const rows =
      endingAfter === undefined
        ? await this.#query('read silences', `SELECT body FROM ${T}.silences ORDER BY created_at DESC, id`)
        : await this.#query('read silences', `SELECT body FROM ${T}.silences WHERE ends_at > $1 ORDER BY created_at DESC, id`, [endingAfter]);
    return rows.map((r) => JSON.parse(r.body as string) as Silence);
  }

  async silence(id: string): Promise<Silence | undefined> {
    const rows = await this.#query('read a silence', `SELECT body FROM ${T}.silences WHERE id = $1`, [id]);
    return rows[0] ? (JSON.parse(rows[0].body as string) as Silence) : undefined;
  }

  async updateSilence(s: Silence): Promise<void> {
    await this.#query('update a silence', `UPDATE ${T}.silences SET body = $1, ends_at = $2 WHERE id = $3`, [JSON.stringify(s), Date.parse(s.endsAt), s.id]);
  }

  async heldEvents(): Promise<HeldEvent[]> {
    const rows = await this.#query('read held events', `SELECT s.silence_id, e.body FROM ${T}.silenced_events s JOIN ${T}.events e ON e.key = s.event_key WHERE s.state = 'held' ORDER BY s.at, s.event_key`);
    return rows.map((r) => ({ silenceId: r.silence_id as string, event: JSON.parse(r.body as string) as WatchEvent }));
  }

  async silencedKeys(target: string): Promise<Map<string, string>> {
    const rows = await this.#query('read held events', `SELECT event_key, silence_id FROM ${T}.silenced_events WHERE target = $1`, [target]);
    return new Map(rows.map((r) => [r.event_key as string, r.silence_id as string]));
  }

  async releaseHeld(send: readonly string[], done: readonly string[], channels: readonly string[], now: number): Promise<number> {
    const sending = new Set(send);
    return this.#tx('release held events', async (c) => {
      let queued = 0;
      for (const key of done) {
        // The row lock makes a concurrent pass wait, then see the row no longer held: one release per event.
        const r = await c.query(`UPDATE ${T}.silenced_events SET state = $1 WHERE event_key = $2 AND state = 'held'`, [sending.has(key) ? 'released' : 'dropped', key]);
        if (r.rowCount === 0 || !sending.has(key)) continue; // released by another pass already
        const e = await c.query(`SELECT event FROM ${T}.events WHERE key = $1`, [key]);
        if (e.rowCount === 0) continue;
        for (const ch of channels) await c.query(`INSERT INTO ${T}.outbox (channel, event_key, event, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING`, [ch, key, (e.rows[0] as Row).event, now]);
        queued++;
      }
      return queued;
    });
  }

  async silencedCounts(): Promise<Array<{ event: string; n: number }>> {
    return (await this.#query('read held counts', `SELECT event, n FROM ${T}.silenced_counts ORDER BY event`)).map((r) => ({ event: r.event as string, n: Number(r.n) }));
  }

  async pruneSilences(before: number): Promise<number> {
    return this.#tx('prune silences', async (c) => {
      await c.query(`DELETE FROM ${T}.silenced_events WHERE state <> 'held' AND at < $1`, [before]);
      const r = await c.query(`DELETE FROM ${T}.silences WHERE ends_at < $1 AND id NOT IN (SELECT silence_id FROM ${T}.silenced_events)`, [before]);
      return r.rowCount ?? 0;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
