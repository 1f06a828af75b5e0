/**
 * A real PostgreSQL on loopback for the tests that need one (the CA's and
 * watch's Postgres backends): a fresh cluster in a temporary folder, run as an
 * unprivileged user, listening on 127.0.0.1 only, removed by stop().
 *
 * Postgres refuses to run as root; the tests (and CI) run as root, so the
 * cluster is initialised and started through `setpriv` as `nobody`, which
 * execs (no intermediate process), so the launcher's "the started process
 * holds the port" check sees postgres itself.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, type RunningServer } from './process.ts';

/** Where Debian puts the server binaries; the newest major version installed wins. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** nobody:nogroup on Debian. */
const UNPRIVILEGED_UID = 65534;
const UNPRIVILEGED_GID = 65534;

/** The folder holding initdb and postgres, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(DEBIAN_PG_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_PG_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_PG_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_PG_ROOT, versions[0], 'bin');
}

export interface RunningPostgres extends RunningServer {
  /** A connection string for the superuser `certwarden` (trust auth on loopback; tests only). */
  url: string;
}

function asUnprivileged(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', [`--reuid=${UNPRIVILEGED_UID}`, `--regid=${UNPRIVILEGED_GID}`, '--clear-groups', command, ...args]];
}

function chownTree(dir: string): void {
  if (process.getuid?.() !== 0) return;
  chownSync(dir, UNPRIVILEGED_UID, UNPRIVILEGED_GID);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    chownSync(join(entry.parentPath, entry.name), UNPRIVILEGED_UID, UNPRIVILEGED_GID);
  }
}

/** Start a throwaway cluster; the caller stops it in `after()`. */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/test-servers.sh does it)');
  const server = await launch({
    command: asUnprivileged(join(bin, 'postgres'), [])[0],
    prefix: 'certwarden-postgres-',
    prepare: (_port, _write, dir) => {
      chownTree(dir);
      const [cmd, args] = asUnprivileged(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'certwarden', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
      execFileSync(cmd, args, { stdio: 'pipe' });
    },
    args: (port, dir) =>
      asUnprivileged(join(bin, 'postgres'), [
        '-D', join(dir, 'data'),
        '-k', dir,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        // Throwaway data: durability is the tests' business only where they kill processes, not the cluster.
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=on',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ])[1],
  });
  return { ...server, url: `postgres://certwarden@127.0.0.1:${server.port}/postgres` };
}
