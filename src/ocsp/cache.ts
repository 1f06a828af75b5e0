/**
 * In-memory cache of verified OCSP results, keyed by CertID.
 *
 * Only verified answers (good, revoked, unknown) are stored, and only until
 * the response's nextUpdate: a response past nextUpdate is stale (RFC 5019
 * §4, RFC 6960 §4.2.2.1) and is never served. A response without nextUpdate
 * is not cached at all ("newer information is always available"). `invalid`
 * is never cached, so a transient forgery or outage cannot stick. The clock is
 * injectable for tests.
 */
import type { Certificate } from '../x509/certificate.ts';
import { certIdKey, computeCertId, type CertIdHash } from './cert-id.ts';
import type { OcspVerification } from './verify.ts';

export interface OcspCacheOptions {
  /** Clock in ms since the epoch; default Date.now. */
  now?: () => number;
  /** Most entries kept; the oldest inserted is evicted first. Default 10 000. */
  maxEntries?: number;
  /** Cap on how long an entry lives, even when nextUpdate is later. Default: none. */
  maxTtlMs?: number;
}

export interface OcspCacheEntry {
  verification: OcspVerification;
  /** The response DER, as received. */
  der?: Uint8Array;
  url?: string;
  storedAt: Date;
  expiresAt: Date;
}

export class OcspCache {
  readonly now: () => number;
  readonly maxEntries: number;
  readonly maxTtlMs: number | undefined;
  #entries = new Map<string, OcspCacheEntry>();

  constructor(options: OcspCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxTtlMs = options.maxTtlMs;
  }

  /** The cache key of a certificate: its CertID (SHA-1 by default). */
  static key(certificate: Certificate, issuer: Certificate, hash: CertIdHash = 'sha1'): string {
    return certIdKey(computeCertId(issuer, certificate, hash));
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A live entry, or undefined (expired entries are dropped on sight). */
  get(key: string): OcspCacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt.getTime()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Store a verified result; returns whether it was stored. */
  set(key: string, verification: OcspVerification, extra: { der?: Uint8Array; url?: string } = {}): boolean {
    if (verification.status === 'invalid' || !verification.nextUpdate) return false;
    const now = this.now();
    let expires = verification.nextUpdate.getTime();
    if (this.maxTtlMs !== undefined) expires = Math.min(expires, now + this.maxTtlMs);
    if (expires <= now) return false;
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { verification, ...extra, storedAt: new Date(now), expiresAt: new Date(expires) });
    return true;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
