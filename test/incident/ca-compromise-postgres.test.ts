/**
 * `incident ca-compromise --new-store URL`: reissuing under a new CA kept
 * wholly in Postgres (`ca init --store URL`, no directory), with the
 * compromised CA in a SQLite home or in Postgres itself. A real PostgreSQL on
 * loopback (one database per CA on the same server); skipped when it is not
 * installed. The store URLs carry a password, which no output may print.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Certificate } from '../../src/x509/certificate.ts';
import { assertOneLineError, runCli, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/pki.ts';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../helpers/servers/postgres.ts';
import { initCa, PASSPHRASE } from './helpers.ts';

const skip = postgresBinDir() ? false : 'PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/test-servers.sh installs it)';
/** The port opens before the server accepts sessions ("the database system is starting up", 57P03): 100 × 100 ms. */
const STARTUP_ATTEMPTS = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** In every store URL below; the test cluster trusts loopback, so it is sent to no one, but it must never be printed. */
const DB_PASSWORD = 'pw-never-printed-7Qz';
const NEW_PASSPHRASE = 'the new CA passphrase, not the old one';

interface Json {
  revocation: { state: string };
  newCa: { state: string; dir?: string; store?: string; commands: string[] };
  stillValid: Array<{ serial: string; reissue?: { state: string; serial: string; files: { certificate: string; chain: string; key: string } } }>;
}

function assertNoPassword(...runs: CliResult[]): void {
  for (const r of runs) {
    assert.ok(!r.stdout.includes(DB_PASSWORD), `password in stdout: ${r.stdout}`);
    assert.ok(!r.stderr.includes(DB_PASSWORD), `password in stderr: ${r.stderr}`);
  }
}

describe('incident ca-compromise --new-store: reissue under a new CA kept in Postgres', { skip }, () => {
  let server: RunningPostgres;
  let tmp: ReturnType<typeof tempDir>;
  let newPassFile: string;
  /** A database of the test server, named in a URL that carries DB_PASSWORD. */
  const dbUrl = (db: string): string => `postgres://certwarden:${DB_PASSWORD}@127.0.0.1:${server.port}/${db}`;
  /** The same with the password as libpq's ?password= parameter. */
  const dbUrlQuery = (db: string): string => `postgres://certwarden@127.0.0.1:${server.port}/${db}?password=${DB_PASSWORD}`;

  before(async () => {
    tmp = tempDir('certwarden-incident-cc-pg-');
    server = await startPostgres();
    for (let attempt = 0; ; attempt++) {
      const c = new pg.Client({ connectionString: server.url });
      try {
        await c.connect();
        for (const db of ['old_sqlite_new', 'old_pg', 'old_pg_new']) await c.query(`CREATE DATABASE ${db}`);
        await c.end();
        break;
      } catch (err) {
        await c.end().catch(() => {});
        if ((err as { code?: string }).code !== '57P03' || attempt >= STARTUP_ATTEMPTS) throw err;
        await sleep(100);
      }
    }
    newPassFile = join(tmp.dir, 'new.pass');
    writeFileSync(newPassFile, NEW_PASSPHRASE, { mode: 0o600 });
  });
  after(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  /** `ca init --store URL` (no directory) under the new passphrase; returns its issuing CA subject. */
  async function initNewCaInStore(url: string, name: string): Promise<string> {
    const r = await runCli(['ca', 'init', '--store', url, '--name', name, '--crl-url', 'http://127.0.0.1:9/new.crl', '--format', 'json'], { CERTWARDEN_CA_PASSPHRASE: NEW_PASSPHRASE, CERTWARDEN_CA_DIR: '' });
    assert.equal(r.code, 0, r.stderr);
    assertNoPassword(r);
    return (JSON.parse(r.stdout) as { issuing: { subject: string } }).issuing.subject;
  }

  /** Reissue under --new-store twice: every still-valid certificate reissued once, under the new CA, with a new key. */
  async function reissueTwice(env: Record<string, string>, newUrl: string, newSubject: string, serials: string[], out: string, shown: RegExp): Promise<void> {
    const args = ['incident', 'ca-compromise', '--new-store', newUrl, '--new-passphrase-file', newPassFile, '--reissue', '--out', out];
    const first = await runCli([...args, '--format', 'json'], env);
    assert.equal(first.code, 0, first.stderr);
    const j = JSON.parse(first.stdout) as Json;
    assert.equal(j.newCa.state, 'given');
    assert.equal(j.newCa.dir, undefined);
    assert.match(j.newCa.store!, shown, 'the store named without its password');
    assert.ok(j.newCa.commands.some((c) => c.includes('--new-store')));
    assert.deepEqual(j.stillValid.map((v) => v.serial).sort(), [...serials].sort());
    for (const v of j.stillValid) {
      assert.equal(v.reissue?.state, 'reissued-now');
      const cert = Certificate.parse(readFileSync(v.reissue!.files.certificate));
      assert.equal(cert.issuer, newSubject);
    }
    const second = await runCli([...args, '--format', 'json'], env);
    assert.equal(second.code, 0, second.stderr);
    const k = JSON.parse(second.stdout) as Json;
    assert.deepEqual(k.stillValid.map((v) => v.reissue?.state), serials.map(() => 'already-reissued'));
    assert.deepEqual(k.stillValid.map((v) => v.reissue?.serial).sort(), j.stillValid.map((v) => v.reissue?.serial).sort());
    const text = await runCli(args, env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`New CA: .* in ${shown.source.replace(/^\^/, '').replace(/\$$/, '')} \\(root sha256`));
    const listed = await runCli(['ca', 'list', '--store', newUrl, '--format', 'json'], { CERTWARDEN_CA_DIR: '' });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, serials.length, 'one reissue each, not two');
    assertNoPassword(first, second, text, listed);
  }

  test('old CA in a SQLite home, new CA in Postgres: every still-valid certificate reissued once; a second run reissues nothing', async () => {
    const old = await initCa(join(tmp.dir, 'old'), 'Old');
    const web = await old.issue('web', ['DNS:web.test']);
    const api = await old.issue('api', ['DNS:api.test']);
    const newUrl = dbUrl('old_sqlite_new');
    const newSubject = await initNewCaInStore(newUrl, 'New in Postgres');
    await reissueTwice(old.env, newUrl, newSubject, [web.serial, api.serial], join(tmp.dir, 'out-sqlite'), /^postgres:\/\/certwarden:\*\*\*@127\.0\.0\.1:\d+\/old_sqlite_new$/);
  });

  test('old CA in Postgres too (CERTWARDEN_CA_STORE), new CA in another database of the same server (its password as ?password=)', async () => {
    const oldUrl = dbUrl('old_pg');
    const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_STORE: oldUrl, CERTWARDEN_CA_DIR: '' };
    assert.equal((await runCli(['ca', 'init', '--name', 'Old in Postgres', '--crl-url', 'http://127.0.0.1:9/old.crl'], env)).code, 0);
    const serials: string[] = [];
    for (const name of ['a', 'b']) {
      const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', `DNS:${name}.test`, '--out', join(tmp.dir, `pg-${name}`), '--format', 'json'], env);
      assert.equal(r.code, 0, r.stderr);
      serials.push((JSON.parse(r.stdout) as { serial: string }).serial);
    }
    const newUrl = dbUrlQuery('old_pg_new');
    const newSubject = await initNewCaInStore(newUrl, 'New beside it');
    // The compromised CA's own store given as the new one: refused, the URL not printed.
    const same = await runCli(['incident', 'ca-compromise', '--new-store', oldUrl, '--reissue', '--out', join(tmp.dir, 'out-same')], env);
    assertOneLineError(same, 'CW_ERR_USAGE');
    assert.match(same.stderr, /is the compromised one/);
    assertNoPassword(same);
    await reissueTwice(env, newUrl, newSubject, serials, join(tmp.dir, 'out-pg'), /^postgres:\/\/certwarden@127\.0\.0\.1:\d+\/old_pg_new\?password=\*\*\*$/);
  });

  test('refusals before anything opens: --new-dir with --new-store, a --new-store that is not a postgres URL; neither prints the password', async () => {
    const home = await initCa(join(tmp.dir, 'refusals'), 'Refusals');
    const both = await home.cli(['incident', 'ca-compromise', '--new-dir', join(tmp.dir, 'x'), '--new-store', dbUrl('old_pg_new'), '--reissue']);
    assertOneLineError(both, 'CW_ERR_USAGE');
    assert.match(both.stderr, /not both/);
    const notPg = await home.cli(['incident', 'ca-compromise', '--new-store', `mysql://certwarden:${DB_PASSWORD}@127.0.0.1/x`, '--reissue']);
    assertOneLineError(notPg, 'CW_ERR_USAGE');
    assert.match(notPg.stderr, /postgres:\/\//);
    assertNoPassword(both, notPg);
    const valid = JSON.parse((await home.cli(['ca', 'list', '--status', 'valid', '--format', 'json'])).stdout) as unknown[];
    assert.equal(valid.length, 0);
    const issuing = await home.cli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:still.test', '--out', join(tmp.dir, 'still')]);
    assert.equal(issuing.code, 0, 'the CA was not revoked by a refused run');
  });
});
