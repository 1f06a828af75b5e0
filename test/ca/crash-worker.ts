/**
 * Child process for the crash test: issues and revokes in a loop and prints
 * each operation only after it was acknowledged (committed). The parent
 * SIGKILLs it at random moments.
 */
import { CertificateAuthority } from '../../src/ca/ca.ts';

const [dir, passphrase] = process.argv.slice(2) as [string, string];
const ca = await CertificateAuthority.open(dir, passphrase);
const mine: string[] = [];
process.stdout.write('READY\n');
for (let i = 0; ; i++) {
  const r = await ca.issue({ profile: 'server', sans: [`DNS:crash-${i}.test`] });
  process.stdout.write(`I ${r.certificate.serialHex}\n`);
  mine.push(r.certificate.serialHex);
  if (i % 2 === 1) {
    const victim = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!;
    await ca.revoke(victim, 'keyCompromise');
    process.stdout.write(`R ${victim}\n`);
  }
}
