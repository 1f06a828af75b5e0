/**
 * A throwaway PostgreSQL for the watch's Postgres tests (startPostgres: a
 * fresh cluster on 127.0.0.1, run as an unprivileged user), with an admin
 * session and a fresh database per caller.
 */
import pg from 'pg';
import { postgresBinDir, startPostgres, type RunningPostgres } from '../helpers/servers/postgres.ts';

export const skipWithoutPostgres = postgresBinDir() ? false : 'PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/test-servers.sh installs it)';
/** Tries (100 ms apart) while the fresh cluster is still starting up: 10 s. */
const STARTUP_ATTEMPTS = 100;

export interface TestPostgres {
  server: RunningPostgres;
  admin: pg.Client;
  /** A fresh, empty database: its URL (with a password that trust auth ignores, so the tests can look for it in messages). */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export const URL_PASSWORD = 'pw-s3cret/with@odd:chars';

export async function startTestPostgres(prefix: string): Promise<TestPostgres> {
  const server = await startPostgres();
  let admin: pg.Client;
  // The port opens before the server accepts sessions ("the database system is starting up", 57P03).
  for (let attempt = 0; ; attempt++) {
    admin = new pg.Client({ connectionString: server.url });
    try {
      await admin.connect();
      break;
    } catch (err) {
      await admin.end().catch(() => {});
      if ((err as { code?: string }).code !== '57P03' || attempt >= STARTUP_ATTEMPTS) {
        await server.stop();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let n = 0;
  return {
    server,
    admin,
    async newDatabase() {
      const name = `${prefix}_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return `postgres://certwarden:${encodeURIComponent(URL_PASSWORD)}@127.0.0.1:${server.port}/${name}`;
    },
    async stop() {
      await admin.end().catch(() => {});
      await server.stop();
    },
  };
}
