/**
 * CRL publication (RFC 5280 §5): every CRL gets the next cRLNumber from the
 * store (§5.2.3: monotonically increasing, shared by every process that
 * publishes for this CA), thisUpdate/nextUpdate, and per entry the reason
 * code (§5.3.1) and invalidity date (§5.3.2). The publisher keeps the last
 * CRL and re-signs lazily: when a revocation arrived, or when half of its
 * validity has passed, the next request gets a fresh one.
 */
import { buildCrl } from '../crl/builder.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { CertificateAuthority } from './ca.ts';

/** Default CRL lifetime (nextUpdate - thisUpdate). */
export const DEFAULT_CRL_VALIDITY_MS = 7 * 86_400_000;
/** CRLs are back-dated so peers with a slow clock accept them at once. */
export const CRL_BACKDATE_MS = 60_000;

export interface PublishedCrl {
  der: Buffer;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
}

export class CrlPublisher {
  readonly #ca: CertificateAuthority;
  readonly #validityMs: number;
  #current: PublishedCrl | undefined;
  #dirty = true;

  constructor(ca: CertificateAuthority, validityMs = DEFAULT_CRL_VALIDITY_MS) {
    if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the CRL validity must be at least one minute');
    this.#ca = ca;
    this.#validityMs = validityMs;
  }

  /** Sign a new CRL now, with the next cRLNumber. */
  publish(now = new Date()): PublishedCrl {
    const thisUpdate = new Date(Math.floor((now.getTime() - CRL_BACKDATE_MS) / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    const number = this.#ca.store.nextCrlNumber();
    let entries = 0;
    const list = (function* (src: ReturnType<CertificateAuthority['store']['revoked']>) {
      for (const r of src) {
        entries++;
        yield { serial: r.serial, revocationDate: r.revokedAt!, ...(r.reason ? { reason: r.reason } : {}), ...(r.invalidityDate ? { invalidityDate: r.invalidityDate } : {}) };
      }
    })(this.#ca.store.revoked());
    const der = buildCrl({ issuer: this.#ca.issuing, entries: list, thisUpdate, nextUpdate, crlNumber: number });
    this.#current = { der, number, thisUpdate, nextUpdate, entries };
    this.#dirty = false;
    return this.#current;
  }

  /** Something was revoked: the next `current()` re-signs. */
  markChanged(): void {
    this.#dirty = true;
  }

  /** The CRL to serve: re-signed if revocations arrived or half its validity has passed. */
  current(now = new Date()): PublishedCrl {
    const c = this.#current;
    if (!c || this.#dirty || now.getTime() - c.thisUpdate.getTime() > this.#validityMs / 2) return this.publish(now);
    return c;
  }
}
