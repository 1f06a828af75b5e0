/** The WatchStore contract against the embedded SQLite store, and its schema versioning. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { loadSqlite } from '../../src/util/runtime.ts';
import { SQLITE_MIGRATIONS, SqliteWatchStore, WATCH_DB_FILE, openWatchStore } from '../../src/watch/store.ts';
import { tempDir } from '../helpers/pki.ts';
import { silenceOf, snap, storeContract } from './store-contract.ts';

const t = tempDir('certwarden-watch-contract-');
after(() => t.cleanup());
let n = 0;
const dirs = new WeakMap<object, string>();

storeContract('sqlite', {
  async open() {
    const dir = `${t.dir}/s${n++}`;
    const store = await openWatchStore({ kind: 'sqlite', dir });
    dirs.set(store, dir);
    return store;
  },
  async reopen(store) {
    await store.close();
    const again = new SqliteWatchStore(dirs.get(store)!);
    dirs.set(again, dirs.get(store)!);
    return again;
  },
});

test('sqlite: a database from before schema versioning (user_version 0) is migrated and keeps its scans', async () => {
  const dir = `${t.dir}/legacy`;
  mkdirSync(dir);
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(`${dir}/${WATCH_DB_FILE}`);
  db.exec(SQLITE_MIGRATIONS[0]!);
  db.prepare('INSERT INTO scans (target, at, up, snapshot) VALUES (?, ?, 1, ?)').run('t.test:443', Date.parse(snap().at), JSON.stringify(snap()));
  db.close();
  const store = new SqliteWatchStore(dir);
  try {
    assert.equal(store.schemaVersion(), SQLITE_MIGRATIONS.length);
    assert.equal((await store.history('t.test:443')).scans.length, 1);
    assert.equal(await store.recordScan(snap({ atMs: Date.parse(snap().at) + 1 }), [], [], [], { slot: 'x' }), true);
  } finally {
    await store.close();
  }
  const again = new SqliteWatchStore(dir);
  assert.equal(again.schemaVersion(), SQLITE_MIGRATIONS.length, 'reopening applies nothing twice');
  await again.close();
});

test('sqlite: a database of schema version 2 (before silences) is upgraded in place to the silences schema and keeps its scans and results', async () => {
  const dir = `${t.dir}/v2`;
  mkdirSync(dir);
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(`${dir}/${WATCH_DB_FILE}`);
  db.exec(SQLITE_MIGRATIONS[0]!);
  db.exec(SQLITE_MIGRATIONS[1]!);
  db.exec('PRAGMA user_version = 2');
  db.prepare('INSERT INTO scans (target, at, up, snapshot, slot, worker) VALUES (?, ?, 1, ?, ?, ?)').run('t.test:443', Date.parse(snap().at), JSON.stringify(snap()), 'old-slot', 'dc1/w');
  db.prepare('INSERT INTO results (slot, target, at, worker, snapshot) VALUES (?, ?, ?, ?, ?)').run('waiting', 't.test:443', Date.parse(snap().at) + 1, 'dc1/w', JSON.stringify(snap({ atMs: Date.parse(snap().at) + 1 })));
  db.close();
  const store = new SqliteWatchStore(dir);
  try {
    assert.equal(SQLITE_MIGRATIONS.length, 3);
    assert.equal(store.schemaVersion(), 3);
    assert.equal((await store.history('t.test:443')).scans.length, 1);
    assert.deepEqual((await store.pendingResults()).map((r) => r.slot), ['waiting']);
    await store.addSilence(silenceOf('0123456789abcdef'));
    assert.deepEqual((await store.silences()).map((x) => x.id), ['0123456789abcdef']);
  } finally {
    await store.close();
  }
});

test('sqlite: a pre-release silences database (tables made unversioned, user_version 0) is migrated without losing its silences', async () => {
  const dir = `${t.dir}/pre-release`;
  mkdirSync(dir);
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(`${dir}/${WATCH_DB_FILE}`);
  db.exec(SQLITE_MIGRATIONS[0]!);
  db.exec(SQLITE_MIGRATIONS[2]!);
  const kept = silenceOf('fedcba9876543210');
  db.prepare('INSERT INTO silences (id, body, ends_at, created_at) VALUES (?, ?, ?, ?)').run(kept.id, JSON.stringify(kept), Date.parse(kept.endsAt), Date.parse(kept.createdAt));
  db.close();
  const store = new SqliteWatchStore(dir);
  try {
    assert.equal(store.schemaVersion(), SQLITE_MIGRATIONS.length);
    assert.deepEqual(await store.silences(), [kept]);
  } finally {
    await store.close();
  }
});

test('sqlite: a database newer than this certwarden knows is refused, not written', async () => {
  const dir = `${t.dir}/newer`;
  mkdirSync(dir);
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(`${dir}/${WATCH_DB_FILE}`);
  db.exec(`PRAGMA user_version = ${SQLITE_MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => new SqliteWatchStore(dir), (err: Error & { code?: string }) => err.code === 'CW_ERR_IO' && /newer than this version of certwarden knows/.test(err.message));
});

test('openWatchStore(config): a folder opens SQLite there; a location opens what it names', async () => {
  const store = await openWatchStore({ storeDir: `${t.dir}/by-config` });
  assert.ok(store instanceof SqliteWatchStore);
  assert.equal(store.description, `${t.dir}/by-config/${WATCH_DB_FILE}`);
  await store.close();
});
