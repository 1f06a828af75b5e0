/**
 * Where the CA's private keys live, behind one interface: the extension
 * point for keys that never leave a device. The builders only ever see a
 * {@link Signer} (x509/signer.ts); a KeyStore hands them out.
 *
 * Implementations: `encrypted` (encrypted-key-store.ts, the default:
 * PKCS#8 encrypted under the CA passphrase, in the CA home directory or in
 * the Postgres store). A PKCS#11 token or a cloud KMS is one more file
 * implementing KeyStore and one line in KEY_STORES (key-stores.ts).
 */
import type { KeyObject } from 'node:crypto';
import type { KeySpec } from '../x509/sign.ts';
import type { Signer } from '../x509/signer.ts';

/**
 * Whose key: the issuing CA (certificates, CRLs, OCSP in issuer mode), the
 * root (the issuing CA's certificate and the root's CRL; may be kept
 * offline, then absent), the delegated OCSP responder (short-lived, replaced
 * at every rotation).
 */
export type CaKeyRole = 'issuing' | 'root' | 'responder';

export interface KeyStore {
  /** Where the keys are, for messages (never key material). */
  readonly description: string;
  /**
   * The signer for `role`, or undefined when this store holds no such key
   * (a root kept offline; no responder key yet). A key that is there but
   * cannot be opened (wrong passphrase, not encrypted) is an error, never undefined.
   */
  signer(role: CaKeyRole): Promise<Signer | undefined>;
  /** Generate a new key for `role` where this store keeps keys, replacing the previous one; its signer. */
  generate(role: CaKeyRole, spec: KeySpec): Promise<Signer>;
  /** Keep an existing private key as `role`'s key (`ca init` importing a CA); its signer. */
  importKey(role: CaKeyRole, privateKey: KeyObject): Promise<Signer>;
}
