import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { postgresBinDir, startPostgres } from './postgres.ts';

test('startPostgres: a throwaway cluster on loopback answers psql, and stop() removes it', { skip: postgresBinDir() ? false : 'PostgreSQL is not installed' }, async () => {
  const pg = await startPostgres();
  try {
    const out = execFileSync('psql', [pg.url, '-At', '-c', 'select 6*7'], { encoding: 'utf8' });
    assert.equal(out.trim(), '42');
  } finally {
    await pg.stop();
  }
});
