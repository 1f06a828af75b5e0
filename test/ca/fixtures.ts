/** Shared setup for the CA tests: a fresh CA home in a temporary folder. */
import { CertificateAuthority, type InitOptions, type StoreChoice } from '../../src/ca/ca.ts';
import { tempDir } from '../helpers/pki.ts';

export const PASSPHRASE = 'correct horse battery staple';

export async function freshCa(o: Partial<InitOptions> & StoreChoice = {}): Promise<{ ca: CertificateAuthority; dir: string; cleanup: () => Promise<void>; write: (n: string, d: string | Uint8Array) => string }> {
  const tmp = tempDir('certwarden-ca-');
  const dir = `${tmp.dir}/home`;
  // A store that keeps the CA's artefacts (Postgres) holds everything: such a CA has no directory (`dir` is then not created).
  const ca = await CertificateAuthority.init(o.store?.files ? undefined : dir, PASSPHRASE, { name: 'Test', ...o });
  return {
    ca,
    dir,
    write: tmp.write,
    cleanup: async () => {
      try {
        await ca.close();
      } catch {
        // already closed
      }
      tmp.cleanup();
    },
  };
}
