/**
 * Durability under SIGKILL: a child issues and revokes in a loop, printing
 * each serial only after the store committed it; we kill it at random
 * moments, 20 times, then check that every acknowledged issuance and
 * revocation is in the database, no serial appears twice, the database passes
 * integrity_check, and the CA still works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CA_FILES, CertificateAuthority } from '../../src/ca/ca.ts';
import { SqliteStore } from '../../src/ca/sqlite-store.ts';
import { projectRoot } from '../helpers/shared.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';
import { runAndKill } from './kill-worker.ts';

const KILLS = 20;
/** After the child says READY, it runs for a random time in [0, this) before SIGKILL. */
const MAX_RUN_MS = 150;


test(`SIGKILL ${KILLS} times during issue/revoke: nothing acknowledged is lost, no serial reused`, async () => {
  const f = await freshCa();
  await f.ca.close();
  try {
    const issued = new Set<string>();
    const revoked = new Set<string>();
    for (let k = 0; k < KILLS; k++) {
      for (const line of await runAndKill(join(projectRoot, 'test', 'ca', 'crash-worker.ts'), [f.dir, PASSPHRASE], MAX_RUN_MS)) {
        const [op, serial] = line.split(' ') as [string, string];
        if (op === 'I') {
          assert.ok(!issued.has(serial), `serial ${serial} acknowledged twice`);
          issued.add(serial);
        } else if (op === 'R') revoked.add(serial);
      }
    }
    const store = new SqliteStore(join(f.dir, CA_FILES.db));
    try {
      assert.equal(await store.integrityCheck(), 'ok');
      const all = await store.list();
      const bySerial = new Map(all.map((r) => [r.serial, r]));
      assert.equal(bySerial.size, all.length, 'no serial stored twice');
      for (const s of issued) assert.ok(bySerial.has(s), `acknowledged issuance ${s} lost`);
      for (const s of revoked) assert.ok(bySerial.get(s)?.revokedAt, `acknowledged revocation ${s} lost`);
      console.log(`# crash test: ${KILLS} kills, ${issued.size} acknowledged issuances, ${revoked.size} revocations, ${all.length} stored`);
    } finally {
      await store.close();
    }
    const ca = await CertificateAuthority.open(f.dir, PASSPHRASE);
    try {
      const r = await ca.issue({ profile: 'server', sans: ['DNS:after-crash.test'] });
      assert.ok(await ca.get(r.certificate.serialHex));
    } finally {
      await ca.close();
    }
  } finally {
    await f.cleanup();
  }
});
