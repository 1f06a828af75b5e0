/**
 * Who signs OCSP responses: the issuing CA itself, or a short-lived delegated
 * responder certificate (RFC 6960 §4.2.2.2: issued directly by the CA, with
 * id-kp-OCSPSigning; §4.2.2.2.1: with id-pkix-ocsp-nocheck). The delegated
 * key lives only in memory and is rotated once half of the certificate's
 * lifetime has passed, so the issuing key signs one certificate a few days
 * instead of every response, and a stolen responder key expires quickly.
 */
import type { KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import type { CertificateAuthority, ResponderMode } from './ca.ts';

/** Default delegated responder lifetime: short, so no revocation of it is ever needed. */
export const DEFAULT_RESPONDER_VALIDITY_MS = 7 * 86_400_000;
/** Rotate once this fraction of the lifetime has passed. */
export const RESPONDER_ROTATE_FRACTION = 0.5;

export interface Signer {
  certificate: Certificate;
  privateKey: KeyObject;
}

export class ResponderIdentity {
  readonly mode: ResponderMode;
  readonly validityMs: number;
  readonly #ca: CertificateAuthority;
  #signer: Signer | undefined;
  /** How many delegated certificates this identity has issued (rotations + 1). */
  rotations = 0;

  constructor(ca: CertificateAuthority, mode: ResponderMode, validityMs = DEFAULT_RESPONDER_VALIDITY_MS) {
    if (mode !== 'delegated' && mode !== 'issuer') throw new CertwardenError(ErrorCode.USAGE, `responder mode must be delegated or issuer (got "${String(mode)}")`);
    if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the responder certificate validity must be at least one minute');
    this.#ca = ca;
    this.mode = mode;
    this.validityMs = validityMs;
  }

  /** The current signer, issuing the first delegated certificate on first use. */
  get signer(): Signer {
    if (this.mode === 'issuer') return this.#ca.issuing;
    if (!this.#signer) this.rotate();
    return this.#signer!;
  }

  /** Whether the delegated certificate is past its rotation point. */
  needsRotation(now = new Date()): boolean {
    if (this.mode === 'issuer' || !this.#signer) return false;
    const c = this.#signer.certificate;
    const life = c.notAfter.getTime() - c.notBefore.getTime();
    return now.getTime() >= c.notBefore.getTime() + life * RESPONDER_ROTATE_FRACTION;
  }

  /** Issue a new delegated responder certificate (recorded in the store like any other). */
  rotate(): Signer {
    const { certificate, privateKey } = this.#ca.issueResponderCertificate(this.validityMs);
    this.#signer = { certificate, privateKey };
    this.rotations++;
    return this.#signer;
  }
}
