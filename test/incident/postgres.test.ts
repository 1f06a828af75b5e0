/**
 * The key-compromise playbook on a CA whose records live in Postgres (--store,
 * as the ca commands take it): revoked once, replaced once, the replacement
 * recorded in the shared store so a second run (from any machine with the CA
 * home's keys) issues nothing more. A real PostgreSQL on loopback; skipped
 * when it is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/pki.ts';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../helpers/servers/postgres.ts';
import { PASSPHRASE } from './helpers.ts';

const skip = postgresBinDir() ? false : 'PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/test-servers.sh installs it)';
/** The port opens before the server accepts sessions ("the database system is starting up", 57P03): 100 × 100 ms. */
const STARTUP_ATTEMPTS = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('incident key-compromise with the CA in Postgres', { skip }, () => {
  let server: RunningPostgres;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    tmp = tempDir('certwarden-incident-pg-');
    server = await startPostgres();
    for (let attempt = 0; ; attempt++) {
      const c = new pg.Client({ connectionString: server.url });
      try {
        await c.connect();
        await c.end();
        break;
      } catch (err) {
        await c.end().catch(() => {});
        if ((err as { code?: string }).code !== '57P03' || attempt >= STARTUP_ATTEMPTS) throw err;
        await sleep(100);
      }
    }
  });
  after(async () => {
    await server?.stop();
    tmp?.cleanup();
  });

  test('revoked and replaced once; the second run finds both in the store', async () => {
    const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: join(tmp.dir, 'ca'), CERTWARDEN_CA_STORE: server.url };
    assert.equal((await runCli(['ca', 'init', '--name', 'Pg'], env)).code, 0);
    const prefix = join(tmp.dir, 'web');
    const issued = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:web.test', '--out', prefix, '--format', 'json'], env);
    assert.equal(issued.code, 0, issued.stderr);
    const serial = (JSON.parse(issued.stdout) as { serial: string }).serial;
    const first = await runCli(['incident', 'key-compromise', '--cert', `${prefix}.pem`, '--out', join(tmp.dir, 'out'), '--format', 'json'], env);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as { revocation: { state: string }; replacement: { state: string; serial: string } };
    assert.deepEqual([a.revocation.state, a.replacement.state], ['revoked-now', 'issued-now']);
    const second = await runCli(['incident', 'key-compromise', '--cert', `${prefix}.pem`, '--out', join(tmp.dir, 'out'), '--format', 'json'], env);
    assert.equal(second.code, 0, second.stderr);
    const b = JSON.parse(second.stdout) as typeof a;
    assert.deepEqual([b.revocation.state, b.replacement.state, b.replacement.serial], ['already-revoked', 'already-issued', a.replacement.serial]);
    const list = JSON.parse((await runCli(['ca', 'list', '--format', 'json'], env)).stdout) as Array<{ serial: string; reason?: string }>;
    assert.equal(list.length, 2);
    assert.equal(list.find((r) => r.serial === serial)?.reason, 'keyCompromise');
  });
});
