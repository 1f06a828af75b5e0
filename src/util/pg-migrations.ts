/**
 * Versioned migrations for certwarden's Postgres schemas (the CA's and the
 * watch's): one schema per store, a `schema_migrations` table in it, and the
 * whole upgrade in one transaction under an advisory lock, so processes that
 * start together (two `ca serve`, a service and its workers) apply each step
 * once. A schema newer than this code knows is refused: an older certwarden
 * must not write to a schema it does not understand.
 */
import type { PoolClient } from 'pg';
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
