/**
 * What the CA's and the watch's Postgres stores share: the pool they open,
 * their transactions, and versioned migrations (one schema per store, a
 * `schema_migrations` table in it, and the whole upgrade in one transaction
 * under an advisory lock, so processes that start together (two `ca serve`,
 * a service and its workers) apply each step once; a schema newer than this
 * code knows is refused: an older certwarden must not write to a schema it
 * does not understand). `pg` is loaded on first use only.
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { CertwardenError, ErrorCode } from '../errors.ts';

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

export interface PgSchema {
  /** The Postgres schema the store lives in (a fixed identifier, never user input). */
  schema: string;
  /** Migrations in ascending version order; the last one's version is the schema version. */
  migrations: readonly PgMigration[];
  /** The advisory lock key serialising concurrent upgrades of this schema. */
  lockKey: number;
  /** How messages name the store: "the CA store", "the watch store". */
  what: string;
}

type Queryable = Pick<PoolClient, 'query'>;

/** The version the last migration brings the schema to. */
export function schemaVersionOf(s: Pick<PgSchema, 'migrations'>): number {
  return s.migrations[s.migrations.length - 1]!.version;
}

/** Bring the schema to its newest version: fresh → every migration; up to date → nothing; newer → CW_ERR_STORE. */
export async function migrateSchema(client: Queryable, s: PgSchema, description = 'postgres'): Promise<{ from: number; to: number }> {
  const to = schemaVersionOf(s);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [s.lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s.schema}.schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query(`SELECT coalesce(max(version), 0) AS v FROM ${s.schema}.schema_migrations`);
    const from = Number((rows[0] as { v: unknown }).v);
    if (from > to) {
      throw new CertwardenError(ErrorCode.STORE, `${s.what} ${description} has schema version ${from}, newer than this version of certwarden knows (${to}); upgrade certwarden`, {
        details: { schemaVersion: from, knownVersion: to },
      });
    }
    for (const m of s.migrations) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${s.schema}.schema_migrations (version, description) VALUES ($1, $2)`, [m.version, m.description]);
    }
    await client.query('COMMIT');
    return { from, to };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export interface PgPoolSettings {
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

/**
 * A pool on `url` whose schema has been brought up to date (migrateSchema).
 * Errors are thrown as they come (each store words them); on an error the
 * pool is closed.
 */
export async function openMigratedPool(url: string, settings: PgPoolSettings, schema: PgSchema, description: string): Promise<{ pool: Pool; config: PoolConfig; pg: typeof import('pg').default }> {
  const { default: pg } = await import('pg');
  const config: PoolConfig = {
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    // Durability does not depend on the server's default: COMMIT waits for the WAL flush.
    options: '-c synchronous_commit=on',
    application_name: settings.applicationName,
  };
  const pool = new pg.Pool(config);
  // An idle connection that dies (server restart) must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await migrateSchema(client, schema, description);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return { pool, config, pg };
}

/**
 * `work` in one transaction on a connection of `pool`, waiting at most
 * `lockTimeoutMs` for any row lock (a busy store is an error, not a hang);
 * rolled back on any error, which is thrown as it came.
 */
export async function inTransaction<T>(pool: Pool, lockTimeoutMs: number, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`);
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
