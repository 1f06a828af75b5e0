/**
 * The watch's Postgres store on a real PostgreSQL: the same contract as
 * SQLite (store-contract.ts), versioned migrations, and a password that never
 * reaches a message. Skipped, with the reason, when PostgreSQL is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isCertwardenError } from '../../src/errors.ts';
import { migrateWatch, PostgresWatchStore, WATCH_PG_MIGRATIONS, WATCH_PG_SCHEMA, WATCH_PG_SCHEMA_VERSION } from '../../src/watch/postgres-store.ts';
import { openWatchStore } from '../../src/watch/store.ts';
import { freePort } from './fixtures.ts';
import { skipWithoutPostgres, startTestPostgres, URL_PASSWORD, type TestPostgres } from './pg-fixture.ts';
import { silenceOf, snap, storeContract } from './store-contract.ts';

describe('the watch store on PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let pgs: TestPostgres;
  const urls = new WeakMap<object, string>();

  before(async () => {
    pgs = await startTestPostgres('watch');
  });
  after(async () => {
    await pgs?.stop();
  });

  storeContract('postgres', {
    async open() {
      const url = await pgs.newDatabase();
      const store = await openWatchStore({ kind: 'postgres', url });
      urls.set(store, url);
      return store;
    },
    async reopen(store) {
      await store.close();
      const again = await PostgresWatchStore.connect(urls.get(store)!);
      urls.set(again, urls.get(store)!);
      return again;
    },
  });

  test('migrations: a fresh database gets every version, a re-run is a no-op, a newer schema is refused untouched', async () => {
    const url = await pgs.newDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      assert.deepEqual(await migrateWatch(c), { from: 0, to: WATCH_PG_SCHEMA_VERSION });
      assert.deepEqual(await migrateWatch(c), { from: WATCH_PG_SCHEMA_VERSION, to: WATCH_PG_SCHEMA_VERSION });
      const { rows } = await c.query(`SELECT version FROM ${WATCH_PG_SCHEMA}.schema_migrations ORDER BY version`);
      assert.deepEqual(rows.map((r: { version: number }) => r.version), WATCH_PG_MIGRATIONS.map((m) => m.version));
      const store = await PostgresWatchStore.connect(url);
      assert.ok(!store.description.includes(URL_PASSWORD) && !store.description.includes(encodeURIComponent(URL_PASSWORD)), 'the description hides the password');
      await store.close();
      await c.query(`INSERT INTO ${WATCH_PG_SCHEMA}.schema_migrations (version, description) VALUES ($1, 'from the future')`, [WATCH_PG_SCHEMA_VERSION + 1]);
      await assert.rejects(PostgresWatchStore.connect(url), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_STORE' && /newer than this version of certwarden knows/.test(e.message) && !e.message.includes('s3cret'));
      assert.equal((await c.query(`SELECT count(*)::int AS n FROM ${WATCH_PG_SCHEMA}.schema_migrations`)).rows[0].n, WATCH_PG_MIGRATIONS.length + 1, 'nothing was changed');
    } finally {
      await c.end();
    }
  });

  test('a database at schema version 1 (before silences) is upgraded in place by migration 2 and keeps its history', async () => {
    const url = await pgs.newDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${WATCH_PG_SCHEMA}`);
      await c.query(`CREATE TABLE ${WATCH_PG_SCHEMA}.schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(WATCH_PG_MIGRATIONS[0]!.sql);
      await c.query(`INSERT INTO ${WATCH_PG_SCHEMA}.schema_migrations (version, description) VALUES (1, $1)`, [WATCH_PG_MIGRATIONS[0]!.description]);
      await c.query(`INSERT INTO ${WATCH_PG_SCHEMA}.scans (target, at, up, snapshot, slot, worker) VALUES ($1, $2, true, $3, 'old-slot', 'dc1/w')`, ['t.test:443', Date.parse(snap().at), JSON.stringify(snap())]);
      assert.equal(WATCH_PG_SCHEMA_VERSION, 2);
      const store = await PostgresWatchStore.connect(url);
      try {
        assert.equal((await store.history('t.test:443')).scans.length, 1, 'the scan survived the upgrade');
        assert.equal(await store.recordScan(snap(), [], [], [], { slot: 'old-slot' }), false, 'its slot is still taken');
        await store.addSilence(silenceOf('0123456789abcdef'));
        assert.deepEqual((await store.silences()).map((x) => x.id), ['0123456789abcdef']);
      } finally {
        await store.close();
      }
      const { rows } = await c.query(`SELECT version FROM ${WATCH_PG_SCHEMA}.schema_migrations ORDER BY version`);
      assert.deepEqual(rows.map((r: { version: number }) => r.version), [1, 2]);
    } finally {
      await c.end();
    }
  });

  test('two first starts at once migrate once (the advisory lock serialises them)', async () => {
    const url = await pgs.newDatabase();
    const [a, b] = await Promise.all([PostgresWatchStore.connect(url), PostgresWatchStore.connect(url)]);
    await a.close();
    await b.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    assert.equal((await c.query(`SELECT count(*)::int AS n FROM ${WATCH_PG_SCHEMA}.schema_migrations`)).rows[0].n, WATCH_PG_MIGRATIONS.length);
    await c.end();
  });

  test('an unreachable store is CW_ERR_STORE, with the password left out of the message', async () => {
    const port = await freePort();
    await assert.rejects(PostgresWatchStore.connect(`postgres://u:${URL_PASSWORD}@127.0.0.1:${port}/x`), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_STORE' && !e.message.includes('s3cret') && !e.message.includes('odd:chars') && e.message.includes('u:***@'));
  });
});
