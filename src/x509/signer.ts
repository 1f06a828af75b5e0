/**
 * Who signs a certificate, a CRL or an OCSP response: the one seam between
 * the builders and wherever a private key lives (certmagic keeps `Issuer`
 * beside its concern the same way). In-process keys (node:crypto) are
 * {@link KeyObjectSigner}; a key in an HSM (PKCS#11) or a cloud KMS is
 * another implementation of {@link Signer}, and the builders do not change.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { defaultHash, signData } from './sign.ts';
import type { HashName } from './signature.ts';

export interface Signer {
  /**
   * The public half of the signing key. The AlgorithmIdentifier
   * (signatureAlgorithmFor), the default hash and key identifiers are
   * derived from it, so a signer never has to encode DER itself.
   */
  readonly publicKey: KeyObject;
  /**
   * Sign the DER `tbs` with `hash` (ECDSA signatures DER-encoded, RSA
   * PKCS#1 v1.5, Ed25519 pure): what signatureAlgorithmFor(publicKey, hash)
   * announces. Asynchronous, because an HSM or a KMS answers later.
   */
  sign(tbs: Uint8Array, hash?: HashName): Promise<Uint8Array>;
}

/**
 * A signer over a private key held in this process. It signs synchronously
 * inside (node:crypto, no thread-pool hop), so wrapping a key in it costs
 * one resolved promise per signature.
 */
export class KeyObjectSigner implements Signer {
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
  }

  sign(tbs: Uint8Array, hash: HashName = defaultHash(this.publicKey)): Promise<Uint8Array> {
    return Promise.resolve(signData(this.#privateKey, tbs, hash));
  }

  /** The key itself, for callers that must write it out (encrypted at rest, or PEM for a test server). */
  get privateKey(): KeyObject {
    return this.#privateKey;
  }
}

// Compile-time proof that KeyObjectSigner satisfies the contract.
const _signerContract: (k: KeyObject) => Signer = (k) => new KeyObjectSigner(k);
void _signerContract;
