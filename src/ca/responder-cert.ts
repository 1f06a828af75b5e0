/**
 * Who signs OCSP responses: the issuing CA itself, or a short-lived delegated
 * responder certificate (RFC 6960 §4.2.2.2: issued directly by the CA, with
 * id-kp-OCSPSigning; §4.2.2.2.1: with id-pkix-ocsp-nocheck). The delegated
 * certificate is rotated once half of its
 * lifetime has passed, so the issuing key signs one certificate a few days
 * instead of every response, and a stolen responder key expires quickly.
 *
 * The current delegated certificate is kept among the CA's artefacts
 * (`responder.pem`: the CA home, or the Postgres store) and its key in the
 * CA's key store (`responder.key`, encrypted under the CA passphrase like the
 * CA keys), so a restart reuses it while it is before its rotation point
 * instead of issuing a new one at every start (30 restarts used to leave 24
 * certificates), and a `ca serve` on another machine sharing the Postgres
 * store starts with the same one.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { Certificate } from '../x509/certificate.ts';
import { spkiOf } from '../x509/sign.ts';
import type { Signer } from '../x509/signer.ts';
import type { CertificateAuthority, ResponderMode } from './ca.ts';
import { publishCaEvent } from './events.ts';

/** The delegated responder certificate, among the CA's artefacts (its key is in the key store). */
export const RESPONDER_FILE = 'responder.pem';

/** Default delegated responder lifetime: short, so no revocation of it is ever needed. */
export const DEFAULT_RESPONDER_VALIDITY_MS = 7 * 86_400_000;
/** Rotate once this fraction of the lifetime has passed. */
export const RESPONDER_ROTATE_FRACTION = 0.5;

function pastRotation(c: Certificate, now: Date): boolean {
  const life = c.notAfter.getTime() - c.notBefore.getTime();
  return now.getTime() >= c.notBefore.getTime() + life * RESPONDER_ROTATE_FRACTION;
}

/** Who signs OCSP responses: a certificate and the signer of its key. */
export interface OcspSigningIdentity {
  certificate: Certificate;
  signer: Signer;
}

export class ResponderIdentity {
  readonly mode: ResponderMode;
  readonly validityMs: number;
  readonly #ca: CertificateAuthority;
  #current: OcspSigningIdentity | undefined;
  /** How many delegated certificates this identity has issued (rotations + 1); 0 when it reused the saved one. */
  rotations = 0;
  /** Whether the current signer was loaded from the CA's artefacts rather than issued by this process. */
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
  async ready(): Promise<OcspSigningIdentity> {
    if (this.mode === 'issuer') return this.#ca.issuing;
    if (!this.#current) {
      const saved = await this.#loadSaved();
      if (saved) {
        this.#current = saved;
        this.reused = true;
      } else await this.rotate();
    }
    return this.#current!;
  }

  /** The current signer (after `ready()`). */
  get signer(): OcspSigningIdentity {
    if (this.mode === 'issuer') return this.#ca.issuing;
    if (!this.#current) throw new CertwardenError(ErrorCode.INTERNAL, 'the OCSP responder identity is used before ready()');
    return this.#current;
  }

  /** Whether the delegated certificate is past its rotation point. */
  needsRotation(now = new Date()): boolean {
    if (this.mode === 'issuer' || !this.#current) return false;
    return pastRotation(this.#current.certificate, now);
  }

  /** Issue a new delegated responder certificate (recorded in the store like any other; its key kept in the key store). */
  async rotate(): Promise<OcspSigningIdentity> {
    const { certificate, signer } = await this.#ca.issueResponderCertificate(this.validityMs);
    this.#current = { certificate, signer };
    this.rotations++;
    this.reused = false;
    publishCaEvent('responderRotated', { serial: certificate.serialHex, notAfter: certificate.notAfter });
    try {
      await this.#ca.files.write(RESPONDER_FILE, certificate.toPem(), { overwrite: true });
      this.persistError = undefined;
    } catch (err) {
      this.persistError = (err as Error).message;
    }
    return this.#current;
  }

  /**
   * The saved certificate, if this CA issued it (same bytes in the store, not
   * revoked), it has this identity's lifetime, is before its rotation point,
   * and the key store's responder key matches it. Anything else: undefined (a new one is issued).
   */
  async #loadSaved(now = new Date()): Promise<OcspSigningIdentity | undefined> {
    try {
      const text = await this.#ca.files.read(RESPONDER_FILE);
      if (text === undefined) return undefined;
      const certificate = Certificate.parse(text);
      const record = await this.#ca.store.get(certificate.serialHex);
      if (!record || record.profile !== 'ocsp-responder' || record.revokedAt || !record.der.equals(certificate.der)) return undefined;
      if (certificate.notAfter.getTime() - certificate.notBefore.getTime() !== this.validityMs || pastRotation(certificate, now) || certificate.notBefore.getTime() > now.getTime()) return undefined;
      const signer = await this.#ca.keys.signer('responder');
      if (!signer || !spkiOf(signer.publicKey).equals(spkiOf(certificate.publicKey))) return undefined;
      return { certificate, signer };
    } catch {
      return undefined; // missing or unusable: issue a new one
    }
  }
}
