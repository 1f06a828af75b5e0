/**
 * What one scan run shares between its targets. A fleet repeats itself: the
 * same intermediate behind every endpoint, the same wildcard or load-balanced
 * leaf on many. Asking its OCSP responder again, or parsing it and importing
 * its key again, for each target is work with the same answer.
 *
 * Neither cache can fail open: the OCSP cache holds only verified answers
 * (good, revoked, unknown; never `invalid`, never an unreachable responder)
 * until their nextUpdate (src/ocsp/cache.ts), so a revoked certificate stays
 * revoked for every target and a failure is asked again by the next one; a
 * cache hit still carries the response, so each target's evidence records it.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { OcspCache } from '../ocsp/cache.ts';
import type { ResolvedDestination } from '../policy/types.ts';
import { Certificate } from '../x509/certificate.ts';

/**
 * Distinct certificates kept parsed. A certificate is a few kilobytes with
 * its memoised fields; 10,000 covers a large fleet's leaves and
 * intermediates and bounds the memory of a scan of any size.
 */
export const MAX_PARSED_CERTIFICATES = 10_000;

/** Parsed certificates by DER (base64), oldest dropped first past {@link MAX_PARSED_CERTIFICATES}. */
export class ParsedCertificates {
  readonly #byDer = new Map<string, Certificate>();
  readonly max: number;

  constructor(max = MAX_PARSED_CERTIFICATES) {
    if (!Number.isInteger(max) || max < 0) throw new CertwardenError(ErrorCode.USAGE, `the parsed-certificate cap must be a non-negative whole number (got ${String(max)})`);
    this.max = max;
  }

  /**
   * The parsed certificate for `der` (base64). Throws as `new Certificate`
   * does for a malformed one (never cached). `fresh` forces a new object: a
   * chain that repeats a certificate gets distinct objects, as when parsed
   * alone.
   */
  get(der: string, bytes: () => Uint8Array, fresh = false): Certificate {
    if (fresh) return new Certificate(bytes());
    let c = this.#byDer.get(der);
    if (!c) {
      c = new Certificate(bytes());
      if (this.max > 0) {
        if (this.#byDer.size >= this.max) this.#byDer.delete(this.#byDer.keys().next().value!);
        this.#byDer.set(der, c);
      }
    }
    return c;
  }
}

/**
 * One OCSP cache per set of verification settings: an answer verified under
 * one destination's maximum response age and clock skew is served only to
 * targets under the same ones.
 */
export class SharedOcspCaches {
  readonly #caches = new Map<string, OcspCache>();

  for(resolved: ResolvedDestination): OcspCache {
    const key = `${resolved.revocation.maxResponseAgeMs ?? '-'}:${resolved.clockSkewMs ?? '-'}`;
    let c = this.#caches.get(key);
    if (!c) this.#caches.set(key, (c = new OcspCache()));
    return c;
  }
}
