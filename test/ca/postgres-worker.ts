/**
 * Child process for the Postgres tests: opens the CA on a Postgres store and
 * issues (and, with "revoke", revokes every other one) in a loop, printing
 * each operation only after the store acknowledged (committed) it. Stops
 * after COUNT issuances (0: until killed).
 */
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { PostgresStore } from '../../src/ca/postgres-store.ts';

const [dir, passphrase, url, count, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
// "-": no directory, the store keeps the whole CA.
const ca = await CertificateAuthority.open(dir === '-' ? undefined : dir, passphrase, { store: await PostgresStore.connect(url) });
const mine: string[] = [];
process.stdout.write('READY\n');
for (let i = 0; Number(count) === 0 || i < Number(count); i++) {
  const r = await ca.issue({ profile: 'server', sans: [`DNS:pg-${process.pid}-${i}.test`] });
  process.stdout.write(`I ${r.certificate.serialHex}\n`);
  mine.push(r.certificate.serialHex);
  if (mode === 'revoke' && i % 2 === 1) {
    const victim = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!;
    await ca.revoke(victim, 'keyCompromise');
    process.stdout.write(`R ${victim}\n`);
  }
}
await ca.close();
