/**
 * What scale-out adds to the configuration and the CLI, without a database:
 * store: postgres://... (and $CERTWARDEN_WATCH_STORE), its password never in
 * a message, job-expiry, slots and their job ids, a worker refusing jobs it
 * must not run, and `watch worker`'s usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { isCertwardenError } from '../../src/errors.ts';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/output.ts';
import { DEFAULT_JOB_EXPIRY_MS, parseWatchConfig, redactStoreUrl, STORE_ENV } from '../../src/watch/config.ts';
import { WatchEngine } from '../../src/watch/engine.ts';
import { currentSlot, jobIdOf, phaseOf, slotN } from '../../src/watch/slots.ts';
import { SqliteWatchStore } from '../../src/watch/store.ts';
import { scanJobRunner } from '../../src/watch/worker.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { tempDir } from '../helpers/pki.ts';
import { snap } from './store-contract.ts';

const base = 'version: 1\npolicy: p.yaml\ntargets: [a.test:443]\n';
const PASSWORD = 'hunter2/with@odd:chars';

function problem(text: string): string {
  try {
    parseWatchConfig(text, '/cfg/watch.yaml');
  } catch (err) {
    assert.ok(isCertwardenError(err) && err.code === 'CW_ERR_WATCH_CONFIG');
    return err.message;
  }
  return assert.fail('accepted');
}

test('store: a postgres:// or postgresql:// URL selects Postgres; a folder stays SQLite, relative to the file', () => {
  const pgc = parseWatchConfig(`${base}store: postgres://watch:pw@db.internal:5432/certwarden\n`, '/cfg/watch.yaml');
  assert.equal(pgc.storeUrl, 'postgres://watch:pw@db.internal:5432/certwarden');
  assert.equal(parseWatchConfig(`${base}store: postgresql://db.internal/certwarden\n`, '/cfg/watch.yaml').storeUrl, 'postgresql://db.internal/certwarden');
  const lite = parseWatchConfig(`${base}store: data\n`, '/cfg/watch.yaml');
  assert.equal(lite.storeUrl, undefined);
  assert.equal(lite.storeDir, '/cfg/data');
  assert.equal(pgc.jobExpiryMs, DEFAULT_JOB_EXPIRY_MS);
});

test('a bad store URL is refused without printing its password', () => {
  const msg = problem(`${base}store: "postgres://watch:${PASSWORD}@[not-a-host/db"\n`);
  assert.match(msg, /store postgres:\/\/watch:\*\*\*@.* is not a valid postgres:\/\/ URL/);
  assert.ok(!msg.includes('hunter2') && !msg.includes('odd:chars'), msg);
});

test('redactStoreUrl hides every byte of an unencoded password, whatever it holds', () => {
  for (const url of [`postgres://u:${PASSWORD}@h:5432/db`, 'postgres://u:hunter2@h/db?sslmode=require', 'postgresql://u:p%40hunter2@h/db']) {
    const r = redactStoreUrl(url);
    assert.ok(!r.includes('hunter2') && !r.includes('odd:chars'), r);
    assert.match(r, /^postgres(ql)?:\/\/u:\*\*\*@h/);
  }
  assert.equal(redactStoreUrl('postgres://h/db'), 'postgres://h/db', 'nothing to hide');
});

test(`${STORE_ENV} names the store when the configuration does not; store: wins over it`, () => {
  const saved = process.env[STORE_ENV];
  process.env[STORE_ENV] = 'postgres://env@db.internal/w';
  try {
    assert.equal(parseWatchConfig(base, '/cfg/watch.yaml').storeUrl, 'postgres://env@db.internal/w');
    assert.equal(parseWatchConfig(`${base}store: here\n`, '/cfg/watch.yaml').storeUrl, undefined);
  } finally {
    if (saved === undefined) delete process.env[STORE_ENV];
    else process.env[STORE_ENV] = saved;
  }
});

test('job-expiry: a duration of at least 1s', () => {
  assert.equal(parseWatchConfig(`${base}job-expiry: 30s\n`, '/cfg/watch.yaml').jobExpiryMs, 30_000);
  assert.match(problem(`${base}job-expiry: 500ms\n`), /job-expiry must be at least 1s/);
});

test('slots: fixed per label and interval, spread by the label; one job id per slot, a UUID', () => {
  const t = { label: 'a.test:443', everyMs: 60_000 };
  const phase = phaseOf(t);
  assert.ok(phase >= 0 && phase < t.everyMs);
  assert.notEqual(phaseOf({ label: 'b.test:443', everyMs: 60_000 }), phase, 'two labels fall at different points of the interval');
  const s = currentSlot(t, 10 * t.everyMs + phase);
  assert.equal(s.n, 10);
  assert.equal(s.at, 10 * t.everyMs + phase);
  assert.equal(currentSlot(t, s.at + t.everyMs - 1).n, 10, 'the slot lasts one interval');
  assert.equal(currentSlot(t, s.at - 1).n, 9);
  assert.equal(jobIdOf(s.key), jobIdOf(slotN(t, 10).key), 'the same slot, the same job id (a restart sends no second job)');
  assert.notEqual(jobIdOf(s.key), jobIdOf(slotN(t, 11).key));
  assert.notEqual(slotN(t, 10).key, slotN({ ...t, everyMs: 120_000 }, 10).key, 'a new interval names new slots');
  assert.match(jobIdOf(s.key), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('a worker refuses a job for a target its configuration lacks, or of another zone, and scans nothing', async () => {
  const dir = tempDir('certwarden-watch-job-');
  try {
    const policyFile = dir.write('p.yaml', 'version: 1\ntrust:\n  system: true\n');
    const config = parseWatchConfig(`version: 1\npolicy: p.yaml\ntargets:\n  - { target: "dc2.test:1", resolve: 127.0.0.1, zone: dc2 }\n`, `${dir.dir}/watch.yaml`);
    const store = new SqliteWatchStore(`${dir.dir}/data`);
    const engine = new WatchEngine({ policy: loadPolicy(policyFile), targets: config.targets, store, channels: [], repeatMs: 1 });
    const log: Array<Record<string, unknown>> = [];
    const run = scanJobRunner(engine, store, 'dc1', 'dc1/test', (l) => log.push(l));
    const job = (target: string) => ({ id: 'j', name: 'q', expireInSeconds: 1, data: { slot: 's', target, due: 0 } });
    await assert.rejects(run(job('nobody.test:1')), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_WATCH_JOB' && /does not list/.test(e.message));
    await assert.rejects(run(job('dc2.test:1')), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_WATCH_JOB' && /zone dc2\) reached a worker of zone dc1/.test(e.message));
    assert.deepEqual(log, [], 'nothing started');
    assert.deepEqual(await store.pendingResults(), []);
    await store.close();
  } finally {
    dir.cleanup();
  }
});

function io(): Io & { err: () => string } {
  let err = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _enc, cb) {
    add(chunk.toString());
    cb();
  } });
  return { stdout: sink(() => {}), stderr: sink((s) => (err += s)), env: {}, err: () => err };
}

test('watch worker: --zone and --config are required, a SQLite store is refused (exit 2)', async () => {
  const dir = tempDir('certwarden-watch-worker-cli-');
  try {
    dir.write('p.yaml', 'version: 1\ntrust:\n  system: true\n');
    const cfg = dir.write('watch.yaml', 'version: 1\npolicy: p.yaml\nstore: data\ntargets: [a.test:443]\n');
    let o = io();
    assert.equal(await main(['watch', 'worker', '--config', cfg], o), 2);
    assert.match(o.err(), /needs --config FILE and --zone NAME/);
    o = io();
    assert.equal(await main(['watch', 'worker', '--config', cfg, '--zone', 'dc1'], o), 2);
    assert.match(o.err(), /watch worker needs store: postgres:\/\//);
    o = io();
    assert.equal(await main(['watch', 'worker', '--config', cfg, '--zone', 'dc1', '--concurrency', '0'], o), 2);
  } finally {
    dir.cleanup();
  }
});

test('recording: a late result (older than the latest scan) is history only; a slot recorded twice judges and counts once', async () => {
  const dir = tempDir('certwarden-watch-record-');
  try {
    const policyFile = dir.write('p.yaml', 'version: 1\ntrust:\n  system: true\n');
    const store = new SqliteWatchStore(`${dir.dir}/data`);
    const engine = new WatchEngine({ policy: loadPolicy(policyFile), targets: [], store, channels: ['hook'], repeatMs: 86_400_000 });
    const T0 = Date.parse('2026-12-02T12:00:00Z');
    const down = snap({ atMs: T0 + 2 * 3_600_000, up: false, chain: [], statuses: { 'V9.2.1': 'error', 'V9.2.4': 'error' } });
    assert.deepEqual((await engine.record(down, { slot: 'late-2', worker: 'w' })).map((e) => e.event), ['target-unreachable']);
    // The slot before, finished late by a retried job: up, another certificate. Judging it would announce a change and a recovery that are in the past.
    const late = snap({ atMs: T0 + 3_600_000, chain: [{ position: 0, sha256: 'other', subject: 'CN=t.test', notAfter: '2027-01-01T00:00:00.000Z' }] });
    assert.deepEqual(await engine.record(late, { slot: 'late-1', worker: 'w' }), []);
    assert.equal((await store.history('t.test:443')).scans.length, 2, 'kept as history');
    assert.deepEqual((await store.openConditions('t.test:443')).map((c) => c.event), ['target-unreachable'], 'conditions unchanged');
    assert.equal((await store.latest('t.test:443'))!.up, false, 'the latest is still the latest');
    assert.deepEqual(await engine.record(down, { slot: 'late-2', worker: 'w2' }), [], 'a slot recorded twice: no events');
    assert.equal(await store.pending(), 1);
    assert.equal(engine.durations.count, 2, 'the histogram counts recorded scans only');
    await store.close();
  } finally {
    dir.cleanup();
  }
});
