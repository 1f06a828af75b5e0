/**
 * The default KeyStore: each key PKCS#8-encrypted under the CA passphrase
 * (keys.ts: AES-256-CBC, PBES2/PBKDF2), kept as an artefact of the CA
 * (ca-files.ts): `issuing.key`, `root.key`, `responder.key` in the CA home
 * (0600), or the same names in the Postgres store's `files` table. Plaintext
 * keys are never written anywhere; an unencrypted one found there is refused.
 */
import type { KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { generateKeyPair, type KeySpec } from '../x509/sign.ts';
import { KeyObjectSigner } from '../x509/signer.ts';
import type { CaFiles } from './ca-files.ts';
import type { CaKeyRole, KeyStore } from './key-store.ts';
import { assertPassphrase, decryptKey, encryptKey } from './keys.ts';

/** The artefact holding each role's encrypted key. */
export const KEY_FILES: Record<CaKeyRole, string> = {
  issuing: 'issuing.key',
  root: 'root.key',
  responder: 'responder.key',
};

const ROLE_NAMES: Record<CaKeyRole, string> = { issuing: 'the issuing CA key', root: 'the root CA key', responder: 'the OCSP responder key' };

export class EncryptedKeyStore implements KeyStore {
  readonly description: string;
  readonly #files: CaFiles;
  readonly #passphrase: string;

  constructor(files: CaFiles, passphrase: string) {
    assertPassphrase(passphrase);
    this.#files = files;
    this.#passphrase = passphrase;
    this.description = `encrypted keys in ${files.description}`;
  }

  async signer(role: CaKeyRole): Promise<KeyObjectSigner | undefined> {
    const pem = await this.#files.read(KEY_FILES[role]);
    if (pem === undefined) return undefined;
    const where = `${ROLE_NAMES[role]} (${KEY_FILES[role]} in ${this.#files.description})`;
    if (!pem.includes('ENCRYPTED PRIVATE KEY')) {
      throw new CertwardenError(ErrorCode.USAGE, `${where} is not an encrypted private key; refusing to use an unencrypted CA key at rest`);
    }
    return new KeyObjectSigner(decryptKey(pem, this.#passphrase, where));
  }

  async generate(role: CaKeyRole, spec: KeySpec): Promise<KeyObjectSigner> {
    return this.importKey(role, generateKeyPair(spec).privateKey);
  }

  async importKey(role: CaKeyRole, privateKey: KeyObject): Promise<KeyObjectSigner> {
    await this.#files.write(KEY_FILES[role], encryptKey(privateKey, this.#passphrase), { secret: true, overwrite: true });
    return new KeyObjectSigner(privateKey);
  }
}

// Compile-time proof that EncryptedKeyStore satisfies the contract.
const _keyStoreContract: (files: CaFiles, passphrase: string) => KeyStore = (files, passphrase) => new EncryptedKeyStore(files, passphrase);
void _keyStoreContract;
