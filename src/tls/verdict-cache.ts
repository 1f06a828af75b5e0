/**
 * Trusted verdicts kept for reuse, keyed by direction, peer and the exact
 * chain that was judged (every certificate's SHA-256, in order): a hit
 * needs the same certificates, so a server that swaps an intermediate or
 * sends another chain for the same leaf is judged afresh.
 *
 * A verdict is reused only until its `validUntil` (the earliest of the
 * revocation answers' nextUpdate and the path's notAfter, from
 * evaluateTrust), and never longer than `maxAgeMs`, so a revocation published
 * by the responder is seen at the latest when the answer that admitted the
 * peer goes stale. Rejections are never cached: the next connection is judged
 * afresh. The clock is injectable.
 */
import type { TrustVerdict } from '../trust/evaluate.ts';
import type { Certificate } from '../x509/certificate.ts';

/**
 * Cap on verdict reuse even when nextUpdate is later. OCSP responses commonly
 * live for days (CA/B Forum BR §4.9.10 allows up to 10); re-evaluating every
 * few minutes bounds how long a session outlives a changed policy or a pin
 * expiry while costing one cached lookup.
 */
export const DEFAULT_VERDICT_MAX_AGE_MS = 5 * 60_000;

/** Entries kept at most; the oldest inserted is evicted first. */
export const DEFAULT_VERDICT_CACHE_ENTRIES = 10_000;

export interface CachedVerdict {
  verdict: TrustVerdict;
  expiresAt: number;
}

export class VerdictCache {
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, CachedVerdict>();

  constructor(options: { now?: () => number; maxAgeMs?: number; maxEntries?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_VERDICT_MAX_AGE_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_VERDICT_CACHE_ENTRIES;
  }

  /** The key for a chain as judged (leaf first); fingerprints are memoised per parsed Certificate, so this costs a string join. */
  static key(direction: 'outbound' | 'inbound', host: string, port: number | undefined, chain: readonly Certificate[]): string {
    return `${direction}|${host.toLowerCase()}|${port ?? ''}|${chain.map((c) => c.fingerprint256).join(',')}`;
  }

  /** A still-valid trusted verdict, or undefined. */
  get(key: string): TrustVerdict | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.#now() >= e.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.verdict;
  }

  /** Whether a still-valid verdict exists (without returning it). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Keep a trusted verdict; untrusted or soft-failed ones are not kept (soft-fail is re-tried each time). */
  set(key: string, verdict: TrustVerdict): void {
    if (!verdict.trusted || verdict.revocation?.softFailed) return;
    const now = this.#now();
    const expiresAt = Math.min(verdict.validUntil?.getTime() ?? now, now + this.#maxAgeMs);
    if (expiresAt <= now) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { verdict, expiresAt });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
