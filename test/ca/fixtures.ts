/** Shared setup for the CA tests: a fresh CA home in a temporary folder. */
import { CertificateAuthority, type InitOptions } from '../../src/ca/ca.ts';
import { tempDir } from '../helpers/pki.ts';

export const PASSPHRASE = 'correct horse battery staple';

export function freshCa(o: Partial<InitOptions> = {}): { ca: CertificateAuthority; dir: string; cleanup: () => void; write: (n: string, d: string | Uint8Array) => string } {
  const tmp = tempDir('certwarden-ca-');
  const dir = `${tmp.dir}/home`;
  const ca = CertificateAuthority.init(dir, PASSPHRASE, { name: 'Test', ...o });
  return {
    ca,
    dir,
    write: tmp.write,
    cleanup: () => {
      try {
        ca.close();
      } catch {
        // already closed
      }
      tmp.cleanup();
    },
  };
}
