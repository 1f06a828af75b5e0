/**
 * The CA on a real PostgreSQL (a throwaway cluster on 127.0.0.1, see
 * test/helpers/servers/postgres.ts): versioned migrations, serials and
 * cRLNumbers under concurrent writers in several processes, SIGKILL in the
 * middle of writes, and two `ca serve` processes on one store answering a
 * revocation made by a third one (LISTEN/NOTIFY), checked by openssl ocsp.
 * Skipped, with the reason, when PostgreSQL is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CA_FILES, CertificateAuthority } from '../../src/ca/ca.ts';
import { migrate, MIGRATIONS, PG_MAX_FILE_BYTES, PG_SCHEMA, PostgresStore, SCHEMA_VERSION } from '../../src/ca/postgres-store.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { projectRoot } from '../helpers/shared.ts';
import { freePort, runOpenssl, waitForPort } from '../helpers/openssl-ocsp.ts';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../helpers/servers/postgres.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';
import { runAndKill } from './kill-worker.ts';

const skip = postgresBinDir() ? false : 'PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/test-servers.sh installs it)';
const CLI = join(projectRoot, 'src', 'cli', 'main.ts');
const WORKER = join(projectRoot, 'test', 'ca', 'postgres-worker.ts');
const CRL_SIGNER = join(projectRoot, 'test', 'ca', 'crl-signer-worker.ts');
/**
 * How long after a revocation every server serves the new shared CRL: a
 * notification round trip, one signature under the lock, a second round
 * trip; generously above it for a loaded 2-core machine, far below the
 * 1 s keeper fallback that a lost notification would cost.
 */
const SHARED_CRL_BOUND_MS = 3_000;
/** After the signer dies mid-cycle: its lock is gone at once (the server aborts its transaction), the others retry at their next check (1 s). */
const TAKEOVER_BOUND_MS = 5_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Tries (100 ms apart) while the fresh cluster is still starting up: 10 s. */
const STARTUP_ATTEMPTS = 100;

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run the worker and SIGKILL it a random time after it is ready; resolves to the acknowledged lines. */

/** One request on a fresh connection (no keep-alive), so the cluster hands each to the next worker. */
function freshRequest(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, headers: body ? { 'content-type': 'application/ocsp-request', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('the CA on PostgreSQL', { skip }, () => {
  let server: RunningPostgres;
  let admin: pg.Client;
  let databases = 0;

  before(async () => {
    server = await startPostgres();
    // The port opens before the server accepts sessions ("the database system is starting up", 57P03).
    for (let attempt = 0; ; attempt++) {
      admin = new pg.Client({ connectionString: server.url });
      try {
        await admin.connect();
        break;
      } catch (err) {
        await admin.end().catch(() => {});
        if ((err as { code?: string }).code !== '57P03' || attempt >= STARTUP_ATTEMPTS) throw err;
        await sleep(100);
      }
    }
  });
  after(async () => {
    await admin?.end();
    await server?.stop();
  });

  /** A fresh, empty database on the cluster: its URL. */
  const newDatabase = async (): Promise<string> => {
    const name = `ca_${++databases}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };

  test('migrations: a fresh database gets every version, a re-run is a no-op, a newer schema is refused', async () => {
    const url = await newDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      assert.deepEqual(await migrate(c), { from: 0, to: SCHEMA_VERSION });
      assert.ok(SCHEMA_VERSION >= 2, 'version 2 keeps the CA files');
      assert.deepEqual(await migrate(c), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
      const { rows } = await c.query(`SELECT version FROM ${PG_SCHEMA}.schema_migrations ORDER BY version`);
      assert.deepEqual(rows.map((r: { version: number }) => r.version), MIGRATIONS.map((m) => m.version));
      // Connecting migrates too, and leaves an up-to-date schema alone.
      await (await PostgresStore.connect(url)).close();
      await c.query(`INSERT INTO ${PG_SCHEMA}.schema_migrations (version, description) VALUES ($1, 'from the future')`, [SCHEMA_VERSION + 1]);
      const newer = new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this version of certwarden knows \\(${SCHEMA_VERSION}\\); upgrade certwarden`);
      await assert.rejects(PostgresStore.connect(url), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_STORE' && newer.test(e.message));
      assert.equal((await c.query(`SELECT count(*)::int AS n FROM ${PG_SCHEMA}.schema_migrations`)).rows[0].n, MIGRATIONS.length + 1, 'nothing was changed');
    } finally {
      await c.end();
    }
  });

  test('an unreachable store is CW_ERR_STORE, with the password left out of the message', async () => {
    const port = await freePort();
    await assert.rejects(PostgresStore.connect(`postgres://u:s3cret@127.0.0.1:${port}/x`), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_STORE' && !e.message.includes('s3cret') && e.message.includes('u:***@'));
  });

  test('a store holding a CA refuses a second init; a store keeps the whole CA, so a directory given to init is refused and nothing is written there', async () => {
    const url = await newDatabase();
    const a = await freshCa({ store: await PostgresStore.connect(url) });
    const b = await freshCa();
    try {
      await assert.rejects(freshCa({ store: await PostgresStore.connect(url) }), /already holds a CA/);
      const again = await CertificateAuthority.open(undefined, PASSPHRASE, { store: await PostgresStore.connect(url) });
      assert.equal(again.issuing.certificate.fingerprint256, a.ca.issuing.certificate.fingerprint256);
      assert.equal(again.dir, undefined);
      await again.close();
      // A directory (here: b's CA home) is never written by an init into a store.
      await assert.rejects(CertificateAuthority.init(b.dir, PASSPHRASE, { name: 'x', store: await PostgresStore.connect(await newDatabase()) }), /keeps the CA's keys and certificates itself: a CA kept there has no home directory/);
      assert.ok(await CertificateAuthority.open(b.dir, PASSPHRASE).then((ca) => ca.close().then(() => true)), 'b is intact');
      // An empty store without a directory: says what is missing.
      await assert.rejects(CertificateAuthority.open(undefined, PASSPHRASE, { store: await PostgresStore.connect(await newDatabase()) }), /holds no CA certificates or keys, and no CA home directory was given/);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  test('a CA initialised with its keys in a directory (schema 1) still opens from it, and is refused with another CA home or without its store', async () => {
    const url = await newDatabase();
    const a = await freshCa({ store: await PostgresStore.connect(url) });
    const legacyDir = mkdtempSync(join(tmpdir(), 'certwarden-pg-legacy-'));
    const b = await freshCa();
    try {
      // Move the artefacts out of the store into a directory, as the earlier layout had them.
      for (const name of [CA_FILES.chain, CA_FILES.rootCert, CA_FILES.issuingCert, CA_FILES.issuingKey, CA_FILES.rootKey]) {
        writeFileSync(join(legacyDir, name), (await a.ca.store.files!.read(name))!, { mode: 0o600 });
      }
      await a.ca.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DELETE FROM ${PG_SCHEMA}.files`);
      await c.end();
      const opened = await CertificateAuthority.open(legacyDir, PASSPHRASE, { store: await PostgresStore.connect(url) });
      assert.equal(opened.files.description, legacyDir);
      await opened.close();
      await assert.rejects(CertificateAuthority.open(b.dir, PASSPHRASE, { store: await PostgresStore.connect(url) }), /belongs to another CA/);
      // Opened without its store, the directory says so (the CLI names the option).
      await assert.rejects(CertificateAuthority.open(legacyDir, PASSPHRASE), /keeps its records in another store/);
      const cli = await run([CLI, 'ca', 'crl', '--dir', legacyDir]);
      assert.equal(cli.code, 2);
      assert.match(cli.stderr, /keeps its records in another store .*give --store URL or set CERTWARDEN_CA_STORE/);
    } finally {
      await a.cleanup();
      await b.cleanup();
      rmSync(legacyDir, { recursive: true, force: true });
    }
  });

  test('`ca init --store URL` keeps the keys in Postgres encrypted only, never in plaintext; --dir with --store is refused; rows over the read cap are refused', async () => {
    const url = await newDatabase();
    const r = await run([CLI, 'ca', 'init', '--store', url, '--name', 'PG Only', '--ocsp-url', 'http://127.0.0.1:9/ocsp', '--format', 'json'], { CERTWARDEN_CA_DIR: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).rootCrl, 'the first root CRL was published into the store');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query(`SELECT name, secret, data FROM ${PG_SCHEMA}.files ORDER BY name`);
      const names = rows.map((x: { name: string }) => x.name);
      for (const n of [CA_FILES.chain, CA_FILES.issuingKey, CA_FILES.rootKey, CA_FILES.rootCert]) assert.ok(names.includes(n), `${n} is in the store (${names.join(', ')})`);
      const crls = await c.query(`SELECT scope, crl_number FROM ${PG_SCHEMA}.crls`);
      assert.deepEqual(crls.rows.map((x: { scope: string }) => x.scope), ['root'], 'the first root CRL is the shared one');
      for (const row of rows as { name: string; secret: boolean; data: Buffer }[]) {
        const text = row.data.toString('latin1');
        assert.equal(row.secret, row.name.endsWith('.key'), row.name);
        if (row.secret) assert.match(text, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, `${row.name} is encrypted`);
        assert.doesNotMatch(text, /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/, `no plaintext key in ${row.name}`);
      }
    } finally {
      await c.end();
    }
    const store = await PostgresStore.connect(url);
    try {
      await assert.rejects(store.files.write('stray.key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }), { secret: true }), /private keys are kept encrypted only/);
      // A row over the read cap is refused, never fetched whole; one at the cap is read.
      await store.files.write('big.bin', Buffer.alloc(PG_MAX_FILE_BYTES + 1));
      await assert.rejects(store.files.read('big.bin'), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_STORE' && e.details.reason === 'too-large');
      await store.files.write('big.bin', Buffer.alloc(PG_MAX_FILE_BYTES), { overwrite: true });
      assert.equal((await store.files.read('big.bin'))!.length, PG_MAX_FILE_BYTES);
      await assert.rejects(store.files.write('big.bin', 'again'), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_IO' && /already exists/.test(e.message), 'no overwrite unless asked');
    } finally {
      await store.close();
    }
    const withDir = await run([CLI, 'ca', 'init', '--store', await newDatabase(), '--dir', join(projectRoot, 'nonexistent-ca-dir'), '--name', 'x']);
    assert.equal(withDir.code, 2);
    assert.match(withDir.stderr, /has no home directory/);
  });

  test('cRLNumbers from several connections at once are unique and only grow', async () => {
    const url = await newDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.connect(url)));
    try {
      const seen = await Promise.all(
        stores.map(async (s) => {
          const mine: bigint[] = [];
          for (let i = 0; i < 20; i++) mine.push(await s.nextCrlNumber());
          return mine;
        }),
      );
      for (const mine of seen) for (let i = 1; i < mine.length; i++) assert.ok(mine[i]! > mine[i - 1]!, 'each writer sees its numbers grow');
      const all = seen.flat().sort((x, y) => (x < y ? -1 : 1));
      assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => BigInt(i + 1)), 'no number twice, none skipped');
      assert.equal(await stores[0]!.nextCrlNumber('root'), 1n, 'the root has a sequence of its own');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('`ca issue` from 4 processes at once: no serial twice, nothing acknowledged lost', async () => {
    const url = await newDatabase();
    const f = await freshCa({ store: await PostgresStore.connect(url) });
    await f.ca.close();
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => run([WORKER, '-', PASSPHRASE, url, '10'])));
      const acknowledged = results.flatMap((r) => {
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.split('\n').filter((l) => l.startsWith('I ')).map((l) => l.slice(2));
      });
      assert.equal(acknowledged.length, 40);
      assert.equal(new Set(acknowledged).size, 40, 'no serial issued twice');
      const store = await PostgresStore.connect(url);
      try {
        const stored = new Set((await store.list()).map((r) => r.serial));
        for (const s of acknowledged) assert.ok(stored.has(s), `acknowledged issuance ${s} lost`);
        assert.equal(await store.changeSeq(), 40, 'one change per issuance');
      } finally {
        await store.close();
      }
    } finally {
      await f.cleanup();
    }
  });

  test('SIGKILL during issue/revoke on Postgres: every acknowledged issuance and revocation survives', async () => {
    const url = await newDatabase();
    const f = await freshCa({ store: await PostgresStore.connect(url) });
    await f.ca.close();
    try {
      const issued = new Set<string>();
      const revoked = new Set<string>();
      for (let k = 0; k < 5; k++) {
        for (const line of await runAndKill(WORKER, ['-', PASSPHRASE, url, '0', 'revoke'], 300)) {
          const [op, serial] = line.split(' ') as [string, string];
          if (op === 'I') {
            assert.ok(!issued.has(serial), `serial ${serial} acknowledged twice`);
            issued.add(serial);
          } else if (op === 'R') revoked.add(serial);
        }
      }
      const ca = await CertificateAuthority.open(undefined, PASSPHRASE, { store: await PostgresStore.connect(url) });
      try {
        const bySerial = new Map((await ca.list()).map((r) => [r.serial, r]));
        for (const s of issued) assert.ok(bySerial.has(s), `acknowledged issuance ${s} lost`);
        for (const s of revoked) assert.ok(bySerial.get(s)?.revokedAt, `acknowledged revocation ${s} lost`);
        assert.ok(await ca.get((await ca.issue({ profile: 'server', sans: ['DNS:after-kill.test'] })).certificate.serialHex), 'the CA still issues');
        console.log(`# postgres kill test: 5 kills, ${issued.size} acknowledged issuances, ${revoked.size} revocations`);
      } finally {
        await ca.close();
      }
    } finally {
      await f.cleanup();
    }
  });

  test('two `ca serve` on one store, each in its own empty directory (only the URL and the passphrase in common): a revocation by a third process is `revoked` at both within the bound (NOTIFY), openssl ocsp agrees; one CRL for both: byte-identical, same cRLNumber, only growing; a signer killed mid-cycle is taken over', async () => {
    const url = await newDatabase();
    const ports = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${ports[0]}`;
    const f = await freshCa({ store: await PostgresStore.connect(url), ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl`] });
    const victim = await f.ca.issue({ profile: 'server', sans: ['DNS:victim.pg.test'] });
    const second = await f.ca.issue({ profile: 'server', sans: ['DNS:second.pg.test'] });
    const third = await f.ca.issue({ profile: 'server', sans: ['DNS:third.pg.test'] });
    const certPath = f.write('victim.pem', victim.certificate.toPem());
    const issuerPath = f.write('issuing.pem', f.ca.issuing.certificate.toPem());
    const rootPath = f.write('root.pem', f.ca.root.toPem());
    await f.ca.close();
    // No CA home anywhere: each server runs in an empty directory of its own, with no CERTWARDEN_CA_DIR.
    const workDirs = ports.map(() => mkdtempSync(join(tmpdir(), 'certwarden-pg-serve-')));
    const env = { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: '' };
    // A long poll interval: seeing the revocation sooner than it proves the push (LISTEN/NOTIFY) path.
    const POLL_MS = 5_000;
    const serves = ports.map((port, i) =>
      spawn(process.execPath, [CLI, 'ca', 'serve', '--store', url, '--listen', `127.0.0.1:${port}`, '--poll-ms', String(POLL_MS)], { cwd: workDirs[i], env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    try {
      await Promise.all(ports.map((port, i) => waitForPort(port, 15_000, serves[i])));
      const request = buildOcspRequest({ issuer: victim.chain[0]!, certificate: victim.certificate }).der;
      const status = async (port: number): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${port}/ocsp`, { method: 'POST', body: request, headers: { 'content-type': 'application/ocsp-request' } });
        return verifyOcspResponse(Buffer.from(await res.arrayBuffer()), { certificate: victim.certificate, issuer: victim.chain[0]! }).status;
      };
      // Every CRL each server served, in order: its numbers never go down. (Across servers they agree within
      // the bound below: for that moment one may still serve the previous CRL while the other has the next.)
      const served = new Map<number, bigint>();
      const crlOf = async (port: number): Promise<Buffer> => {
        const der = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/crl`)).arrayBuffer());
        const n = parseCrl(der).crlNumber!;
        const last = served.get(port);
        assert.ok(last === undefined || n >= last, `port ${port}: cRLNumber went back from ${last} to ${n}`);
        served.set(port, n);
        return der;
      };
      /** Wait until both serve the same CRL listing `serials`; the CRL and how long it took. */
      const sameCrlListing = async (serials: string[], boundMs: number, live = ports): Promise<{ der: Buffer; ms: number }> => {
        const t0 = performance.now();
        for (;;) {
          const ders: Buffer[] = [];
          for (const port of live) ders.push(await crlOf(port));
          const listed = new Set([...parseCrl(ders[0]!).entries()].map((e) => e.serialHex));
          if (ders.every((d) => d.equals(ders[0]!)) && serials.every((x) => listed.has(x))) return { der: ders[0]!, ms: performance.now() - t0 };
          assert.ok(performance.now() - t0 < boundMs, `no common CRL listing ${serials.join(', ')} after ${boundMs} ms`);
          await sleep(10);
        }
      };
      assert.deepEqual(await Promise.all(ports.map(status)), ['good', 'good']);
      const first = await sameCrlListing([], SHARED_CRL_BOUND_MS);
      const before = [parseCrl(first.der).crlNumber!, parseCrl(first.der).crlNumber!];

      const revoke = await run([CLI, 'ca', 'revoke', victim.certificate.serialHex, '--reason', 'keyCompromise'], { CERTWARDEN_CA_STORE: url, CERTWARDEN_CA_DIR: '' });
      assert.equal(revoke.code, 0, revoke.stderr);
      const t0 = performance.now();
      const latency: number[] = [];
      await Promise.all(
        ports.map(async (port) => {
          while ((await status(port)) !== 'revoked') {
            assert.ok(performance.now() - t0 < POLL_MS / 2, `port ${port} still answers good`);
            await sleep(5);
          }
          latency.push(performance.now() - t0);
        }),
      );
      console.log(`# postgres: revocation by another process → revoked at both responders after ${latency.map((l) => l.toFixed(0)).join(' / ')} ms (poll ${POLL_MS} ms)`);

      for (const port of ports) {
        const o = await runOpenssl(['ocsp', '-issuer', issuerPath, '-cert', certPath, '-url', `http://127.0.0.1:${port}/ocsp`, '-CAfile', rootPath, '-verify_other', issuerPath]);
        assert.match(o.stderr + o.stdout, /Response verify OK/);
        assert.match(o.stdout, /: revoked/);
        assert.match(o.stdout, /Reason: keyCompromise/);
      }
      // One CRL for both, signed once, listing the revocation, numbered above the one before.
      const revokedCrl = await sameCrlListing([victim.certificate.serialHex], SHARED_CRL_BOUND_MS);
      const afterRevoke = parseCrl(revokedCrl.der).crlNumber!;
      assert.equal(afterRevoke, before[0]! + 1n, 'signed once, by one server');
      console.log(`# postgres: one shared CRL #${afterRevoke} at both servers ${revokedCrl.ms.toFixed(0)} ms after the revocation`);

      // A signer killed in the middle of signing (lock held, number allocated, nothing committed): the servers take over.
      const signer = spawn(process.execPath, [CRL_SIGNER, url], { stdio: ['ignore', 'pipe', 'pipe'] });
      const signerExit = new Promise((resolve) => signer.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        let out = '';
        signer.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('SIGNING\n') && resolve()));
        signer.once('exit', (code) => reject(new Error(`the CRL signer exited (${code}) before it held the lock`)));
      });
      const revokeSecond = await run([CLI, 'ca', 'revoke', second.certificate.serialHex, '--reason', 'superseded'], { CERTWARDEN_CA_STORE: url, CERTWARDEN_CA_DIR: '' });
      assert.equal(revokeSecond.code, 0, revokeSecond.stderr);
      await sleep(300); // the servers try, find the lock held, and keep serving the CRL they have
      assert.equal(parseCrl(await crlOf(ports[0]!)).crlNumber, afterRevoke, 'nobody signed past the held lock');
      signer.kill('SIGKILL');
      await signerExit;
      const takenOver = await sameCrlListing([victim.certificate.serialHex, second.certificate.serialHex], TAKEOVER_BOUND_MS);
      assert.equal(parseCrl(takenOver.der).crlNumber, afterRevoke + 1n, 'the killed signer used no number');
      console.log(`# postgres: CRL signer SIGKILLed mid-cycle, taken over after ${takenOver.ms.toFixed(0)} ms`);

      // A server killed: the other one carries on alone.
      serves[0]!.kill('SIGKILL');
      const revokeThird = await run([CLI, 'ca', 'revoke', third.certificate.serialHex, '--reason', 'keyCompromise'], { CERTWARDEN_CA_STORE: url, CERTWARDEN_CA_DIR: '' });
      assert.equal(revokeThird.code, 0, revokeThird.stderr);
      const alone = await sameCrlListing([victim, second, third].map((c) => c.certificate.serialHex), SHARED_CRL_BOUND_MS, [ports[1]!]);
      assert.ok(parseCrl(alone.der).crlNumber! > afterRevoke + 1n);
      // Everything came from the store: nothing was written where they ran.
      for (const d of workDirs) assert.deepEqual(readdirSync(d), [], `${d} stays empty`);
    } finally {
      await Promise.all(serves.map(stop));
      await f.cleanup();
      for (const d of workDirs) rmSync(d, { recursive: true, force: true });
    }
  });

  test('`ca serve --store URL --workers 2`: every worker answers `revoked` for a revocation made through another process, and serves the one shared CRL', async () => {
    const url = await newDatabase();
    const port = await freePort();
    const f = await freshCa({ store: await PostgresStore.connect(url), crlUrls: [`http://127.0.0.1:${port}/crl`] });
    const target = (await f.ca.issue({ profile: 'server', sans: ['DNS:workers.pg.test'] })).certificate;
    const issuer = f.ca.issuing.certificate;
    const root = f.ca.root;
    await f.ca.close();
    const ocspRequest = buildOcspRequest({ issuer, certificate: target }).der;
    const workDir = mkdtempSync(join(tmpdir(), 'certwarden-pg-workers-'));
    let stderr = '';
    const serve = spawn(process.execPath, [CLI, 'ca', 'serve', '--store', url, '--listen', `127.0.0.1:${port}`, '--poll-ms', '5000', '--workers', '2'], {
      cwd: workDir,
      env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.on('data', () => {});
    serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitForPort(port, 30_000, serve);
      for (let i = 0; i < 600 && !stderr.includes('ca_workers_started'); i++) await sleep(50);
      const pids = (JSON.parse(stderr.split('\n').find((l) => l.includes('ca_workers_started'))!) as { pids: number[] }).pids;
      assert.equal(pids.length, 2);
      const ocspStatus = async (): Promise<string> => verifyOcspResponse((await freshRequest(port, '/ocsp', ocspRequest)).body, { certificate: target, issuer }).status;
      for (let i = 0; i < 6; i++) assert.equal(await ocspStatus(), 'good');

      const revoke = await run([CLI, 'ca', 'revoke', target.serialHex, '--reason', 'keyCompromise'], { CERTWARDEN_CA_STORE: url, CERTWARDEN_CA_DIR: '' });
      assert.equal(revoke.code, 0, revoke.stderr);
      // Poll 5 s: every worker must learn it from its own LISTEN connection, well before its next poll.
      const t0 = performance.now();
      let consecutive = 0;
      while (consecutive < 8) {
        consecutive = (await ocspStatus()) === 'revoked' ? consecutive + 1 : 0;
        assert.ok(performance.now() - t0 < 2_500, `after ${(performance.now() - t0).toFixed(0)} ms a worker still answers good`);
      }
      console.log(`# postgres --workers 2: revoked at every worker after ${(performance.now() - t0).toFixed(0)} ms (poll 5000 ms)`);

      let crls: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        crls = await Promise.all(Array.from({ length: 6 }, async () => (await freshRequest(port, '/crl')).body));
        if (crls.every((c) => c.equals(crls[0]!)) && verifyCrlForCertificate(crls[0]!, target, [issuer]).status === 'revoked') break;
        await sleep(20);
      }
      assert.ok(crls.every((c) => c.equals(crls[0]!)), 'one CRL whichever worker answers');
      assert.equal(verifyCrlForCertificate(crls[0]!, target, [issuer]).status, 'revoked');
      const store = await PostgresStore.connect(url);
      try {
        assert.deepEqual((await store.sharedCrls.latest('issuing'))!.der, crls[0], 'the CRL kept in the store');
      } finally {
        await store.close();
      }
      const rootCrl = (await freshRequest(port, '/root.crl')).body;
      assert.equal(verifyCrlForCertificate(rootCrl, issuer, [root]).status, 'good');
    } finally {
      await stop(serve);
      await f.cleanup();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
