/**
 * Who signs OCSP responses: the issuing CA itself, or a short-lived delegated
 * responder certificate (RFC 6960 §4.2.2.2: issued directly by the CA, with
 * id-kp-OCSPSigning; §4.2.2.2.1: with id-pkix-ocsp-nocheck). The delegated
 * certificate is rotated once half of its
 * lifetime has passed, so the issuing key signs one certificate a few days
 * instead of every response, and a stolen responder key expires quickly.
 *
 * The current delegated certificate and its key are kept in the CA home
 * (`responder.pem`, 0600; the key PKCS#8-encrypted under a key derived from
 * the issuing CA key, so only whoever can open the CA can use it), so a
 * restart reuses it while it is before its rotation point instead of issuing
 * a new one at every start (30 restarts used to leave 24 certificates).
 */
import { createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { Certificate } from '../x509/certificate.ts';
import { spkiOf } from '../x509/sign.ts';
import type { CertificateAuthority, ResponderMode } from './ca.ts';
import { publishCaEvent } from './events.ts';
import { decryptKey, encryptKey, PRIVATE_FILE_MODE } from './keys.ts';
import { writeFileSafely } from './safe-write.ts';

/** The delegated responder certificate and its encrypted key, in the CA home. */
export const RESPONDER_FILE = 'responder.pem';

/** The passphrase of the responder key at rest: derived from the issuing CA key (RFC 5869 HKDF), never stored. */
function responderKeyPassphrase(ca: CertificateAuthority): string {
  const ikm = ca.issuing.privateKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', ikm, 'certwarden', 'ocsp responder key at rest', 32)).toString('hex');
}

/** Default delegated responder lifetime: short, so no revocation of it is ever needed. */
export const DEFAULT_RESPONDER_VALIDITY_MS = 7 * 86_400_000;
/** Rotate once this fraction of the lifetime has passed. */
export const RESPONDER_ROTATE_FRACTION = 0.5;

function pastRotation(c: Certificate, now: Date): boolean {
  const life = c.notAfter.getTime() - c.notBefore.getTime();
  return now.getTime() >= c.notBefore.getTime() + life * RESPONDER_ROTATE_FRACTION;
}

export interface Signer {
  certificate: Certificate;
  privateKey: KeyObject;
}

export class ResponderIdentity {
  readonly mode: ResponderMode;
  readonly validityMs: number;
  readonly #ca: CertificateAuthority;
  #signer: Signer | undefined;
  /** How many delegated certificates this identity has issued (rotations + 1); 0 when it reused the saved one. */
  rotations = 0;
  /** Whether the current signer was loaded from the CA home rather than issued by this process. */
  reused = false;
  /** Why the last certificate could not be saved for reuse (it is still used; the next start issues another). */
  persistError: string | undefined;

  constructor(ca: CertificateAuthority, mode: ResponderMode, validityMs = DEFAULT_RESPONDER_VALIDITY_MS) {
    if (mode !== 'delegated' && mode !== 'issuer') throw new CertwardenError(ErrorCode.USAGE, `responder mode must be delegated or issuer (got "${String(mode)}")`);
    if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the responder certificate validity must be at least one minute');
    this.#ca = ca;
    this.mode = mode;
    this.validityMs = validityMs;
  }

  /** Load the saved delegated certificate or issue the first one (once); the signer after. */
  async ready(): Promise<Signer> {
    if (this.mode === 'issuer') return this.#ca.issuing;
    if (!this.#signer) {
      const saved = await this.#loadSaved();
      if (saved) {
        this.#signer = saved;
        this.reused = true;
      } else await this.rotate();
    }
    return this.#signer!;
  }

  /** The current signer (after `ready()`). */
  get signer(): Signer {
    if (this.mode === 'issuer') return this.#ca.issuing;
    if (!this.#signer) throw new CertwardenError(ErrorCode.INTERNAL, 'the OCSP responder identity is used before ready()');
    return this.#signer;
  }

  /** Whether the delegated certificate is past its rotation point. */
  needsRotation(now = new Date()): boolean {
    if (this.mode === 'issuer' || !this.#signer) return false;
    return pastRotation(this.#signer.certificate, now);
  }

  /** Issue a new delegated responder certificate (recorded in the store like any other). */
  async rotate(): Promise<Signer> {
    const { certificate, privateKey } = await this.#ca.issueResponderCertificate(this.validityMs);
    this.#signer = { certificate, privateKey };
    this.rotations++;
    this.reused = false;
    publishCaEvent('responderRotated', { serial: certificate.serialHex, notAfter: certificate.notAfter });
    try {
      writeFileSafely(join(this.#ca.dir, RESPONDER_FILE), certificate.toPem() + encryptKey(privateKey, responderKeyPassphrase(this.#ca)), { mode: PRIVATE_FILE_MODE, overwrite: true });
      this.persistError = undefined;
    } catch (err) {
      this.persistError = (err as Error).message;
    }
    return this.#signer;
  }

  /**
   * The saved certificate, if this CA issued it (same bytes in the store, not
   * revoked), it has this identity's lifetime, is before its rotation point,
   * and the key decrypts and matches. Anything else: undefined (a new one is issued).
   */
  async #loadSaved(now = new Date()): Promise<Signer | undefined> {
    try {
      const text = readFileBounded(join(this.#ca.dir, RESPONDER_FILE), { what: 'the saved responder certificate' }).toString('utf8');
      const certificate = Certificate.parse(text);
      const record = await this.#ca.store.get(certificate.serialHex);
      if (!record || record.profile !== 'ocsp-responder' || record.revokedAt || !record.der.equals(certificate.der)) return undefined;
      if (certificate.notAfter.getTime() - certificate.notBefore.getTime() !== this.validityMs || pastRotation(certificate, now) || certificate.notBefore.getTime() > now.getTime()) return undefined;
      const keyPem = /-----BEGIN ENCRYPTED PRIVATE KEY-----[^-]+-----END ENCRYPTED PRIVATE KEY-----/.exec(text)?.[0];
      if (!keyPem) return undefined;
      const privateKey = decryptKey(keyPem, responderKeyPassphrase(this.#ca), 'the saved responder key');
      if (!spkiOf(createPublicKey(privateKey)).equals(spkiOf(certificate.publicKey))) return undefined;
      return { certificate, privateKey };
    } catch {
      return undefined; // missing or unusable: issue a new one
    }
  }
}
