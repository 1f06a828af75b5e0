/**
 * A CRL cache keyed by URL and issuer name, and the "check a certificate
 * through its distribution points" helper built on it.
 *
 * Only a CRL whose signature verified with one of the caller's issuer
 * candidates, and that is current, is kept; it is kept until its nextUpdate
 * and never past it (nor past thisUpdate + maxAgeMs when configured, nor,
 * without nextUpdate, past thisUpdate + the default lifetime). Concurrent
 * requests for the same key share one fetch, which is aborted only once
 * every caller waiting on it has aborted. The clock is injectable.
 */
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import type { Certificate } from '../x509/certificate.ts';
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS, type RevocationResult } from '../core/revocation-vocabulary.ts';
import { fetchCrl, type FetchCrlOptions, type FetchedCrl } from './fetch.ts';
import type { Crl } from './parse.ts';
import { checkCrl, CRL_REASON, verifyCrlSignature, type CrlInput, type CrlNumberRule } from './verify.ts';

/**
 * Distribution-point URLs fetched per certificate. Real certificates name
 * one or two (often an http and an ldap one, of which only http is
 * followed); dozens would make the verifier fetch where the certificate
 * likes, each CRL up to the size cap.
 */
export const MAX_CRL_URLS_PER_CERTIFICATE = 2;

export interface CrlCacheOptions {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** How to fetch (default {@link fetchCrl}); tests inject a counter or a fake. */
  fetch?: (url: string, options: FetchCrlOptions) => Promise<FetchedCrl>;
  fetchOptions?: FetchCrlOptions;
  /** Entries kept at most (least recently used evicted). Default 64. */
  maxEntries?: number;
  /** Cap on how long after thisUpdate a CRL is kept (and used). */
  maxAgeMs?: number;
  clockSkewMs?: number;
}

export interface CachedCrl {
  url: string;
  crl: Crl;
  fetchedAt: Date;
  /** Until when the cache keeps it. */
  validUntil: Date;
  /** Whether this answer came from the cache (no fetch). */
  cached: boolean;
  /** Whether the signature verified and the CRL was current when fetched (only such CRLs are cached). */
  verified: boolean;
}

interface Entry {
  value: Omit<CachedCrl, 'cached'>;
}

/** A fetch in flight, shared by every caller asking for its key: it is aborted only when all of them have given up. */
interface Inflight {
  promise: Promise<Omit<CachedCrl, 'cached'>>;
  controller: AbortController;
  waiting: number;
}

export interface CrlGetOptions {
  /** This caller gives up when it aborts; the shared fetch is aborted once every caller waiting on it has. */
  signal?: AbortSignal;
  /** Believe a cached CRL at most this long after it was fetched (policy revocation.max-staleness); older ones are fetched again. */
  maxStalenessMs?: number;
}

function abortedGet(url: string): CertwardenError {
  return new CertwardenError(ErrorCode.FETCH, `fetch of ${url} was aborted`);
}

export class CrlCache {
  readonly #now: () => number;
  readonly #fetch: (url: string, options: FetchCrlOptions) => Promise<FetchedCrl>;
  readonly #fetchOptions: FetchCrlOptions;
  readonly #maxEntries: number;
  readonly #maxAgeMs: number | undefined;
  readonly #skew: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Inflight>();
  /** Number of fetches started (for tests and metrics). */
  fetches = 0;

  constructor(options: CrlCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetchCrl;
    this.#fetchOptions = options.fetchOptions ?? {};
    this.#maxEntries = options.maxEntries ?? 64;
    this.#maxAgeMs = options.maxAgeMs;
    this.#skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  }

  static key(url: string, issuers: readonly Certificate[]): string {
    const name = issuers[0] ? Buffer.from(issuers[0].subjectDer).toString('hex') : '';
    return `${url}\n${name}`;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * The CRL at `url` for CRLs signed by one of `issuers`: from the cache while
   * current, else fetched (one fetch per key at a time). Throws the fetch's or
   * the parser's CertwardenError. An unverifiable CRL is returned with
   * `verified: false` (and not cached) so that checkCrl can say why.
   */
  async get(url: string, issuers: readonly Certificate[], options: CrlGetOptions = {}): Promise<CachedCrl> {
    const key = CrlCache.key(url, issuers);
    const hit = this.#entries.get(key);
    if (hit) {
      // maxStalenessMs (policy revocation.max-staleness): a CRL fetched longer ago is fetched again.
      const { maxStalenessMs } = options;
      const now = this.#now();
      if (now < hit.value.validUntil.getTime() && (maxStalenessMs === undefined || now - hit.value.fetchedAt.getTime() <= maxStalenessMs)) {
        // LRU: move to the end.
        this.#entries.delete(key);
        this.#entries.set(key, hit);
        return { ...hit.value, cached: true };
      }
      this.#entries.delete(key);
    }
    const signal = options.signal;
    if (signal?.aborted) throw abortedGet(url);
    let pending = this.#inflight.get(key);
    if (!pending) {
      const controller = new AbortController();
      const entry: Inflight = { controller, waiting: 0, promise: this.#load(url, issuers, controller.signal).finally(() => this.#inflight.delete(key)) };
      pending = entry;
      this.#inflight.set(key, entry);
    }
    const shared = pending;
    shared.waiting++;
    if (!signal) return { ...(await shared.promise), cached: false };
    let onAbort: (() => void) | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      onAbort = (): void => {
        if (--shared.waiting === 0) shared.controller.abort();
        reject(abortedGet(url));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return { ...(await Promise.race([shared.promise, gaveUp])), cached: false };
    } finally {
      signal.removeEventListener('abort', onAbort!);
      gaveUp.catch(() => {});
    }
  }

  async #load(url: string, issuers: readonly Certificate[], signal: AbortSignal): Promise<Omit<CachedCrl, 'cached'>> {
    const key = CrlCache.key(url, issuers);
    this.fetches++;
    const own = this.#fetchOptions.signal;
    const fetched = await this.#fetch(url, { ...this.#fetchOptions, signal: own ? AbortSignal.any([own, signal]) : signal });
    const crl = fetched.crl;
    const now = this.#now();
    const thisUpdate = crl.thisUpdate.getTime();
    let until = crl.nextUpdate?.getTime() ?? thisUpdate + (this.#maxAgeMs ?? DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS);
    if (this.#maxAgeMs !== undefined) until = Math.min(until, thisUpdate + this.#maxAgeMs);
    const { signer } = verifyCrlSignature(crl, issuers);
    const current = thisUpdate <= now + this.#skew && now < until;
    const value = { url, crl, fetchedAt: new Date(now), validUntil: new Date(until), verified: !!signer && current };
    if (value.verified) {
      this.#entries.set(key, { value });
      while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return value;
  }
}

export interface CheckViaDistributionPointsOptions {
  issuers: readonly Certificate[];
  cache: CrlCache;
  at?: Date;
  clockSkewMs?: number;
  maxAgeMs?: number;
  /** Also consider file: distribution points (default false). */
  allowFile?: boolean;
  /** Believe a CRL at most this long after it was fetched (refetch older ones; cap the result's validUntil). */
  maxStalenessMs?: number;
  /** A CRL without cRLNumber: used and reported (`optional`, default) or refused (`required`). */
  crlNumber?: CrlNumberRule;
  /** The caller's budget: an abort ends the wait (and the fetch, once no other caller waits on it). */
  signal?: AbortSignal;
}

/** Error codes that mean an answer arrived but is not a CRL: not "unreachable", so soft-fail never tolerates them. */
const MALFORMED_ANSWER_CODES: ReadonlySet<string> = new Set([ErrorCode.CRL_PARSE, ErrorCode.PEM, ErrorCode.DER]);

/**
 * Why a distribution point gave no CRL. A body that arrived and does not parse
 * is `crl-malformed` (present but invalid, like OCSP's `ocsp-malformed`); one
 * over the size cap is `crl-too-large`, and a fetch certwarden itself refused
 * (a URL it does not fetch, a spent per-target budget) is `crl-fetch-refused`,
 * as OCSP's too-large and unsupported-url answers are untrustworthy. Only
 * transport failures (refused connection, timeout, HTTP status, aborted) are
 * `crl-fetch-failed`, the one CRL code soft-fail may tolerate.
 */
function fetchFailure(url: string, cause: unknown): { code: string; message: string } {
  const code = isCertwardenError(cause) ? cause.code : 'unknown';
  const message = `${url}: ${(cause as Error)?.message ?? String(cause)} (${code})`;
  if (MALFORMED_ANSWER_CODES.has(code)) return { code: CRL_REASON.malformed, message };
  if (code === ErrorCode.FETCH_TOO_LARGE) return { code: CRL_REASON.tooLarge, message };
  if (code === ErrorCode.FETCH_UNSUPPORTED) return { code: CRL_REASON.fetchRefused, message };
  return { code: CRL_REASON.fetchFailed, message };
}

/**
 * Fetch (through the cache) the CRLs named by the certificate's
 * cRLDistributionPoints and check the certificate against them. A fetch
 * failure is an `error` with reason crl-fetch-failed, an answer that is not a
 * CRL is an `error` with reason crl-malformed (never `good`). Never throws.
 */
export async function checkCrlViaDistributionPoints(certificate: Certificate, options: CheckViaDistributionPointsOptions): Promise<RevocationResult> {
  let urls: string[];
  try {
    urls = [...new Set(certificate.crlDistributionPoints.filter((dp) => !dp.crlIssuer).flatMap((dp) => dp.urls))]
      .filter((u) => /^https?:/i.test(u) || (options.allowFile === true && /^file:/i.test(u)))
      .slice(0, MAX_CRL_URLS_PER_CERTIFICATE);
  } catch (cause) {
    return { status: 'error', reasons: [{ code: CRL_REASON.certificateMalformed, message: (cause as Error).message }], evidence: [] };
  }
  if (urls.length === 0) {
    return { status: 'error', reasons: [{ code: CRL_REASON.noDistributionPoint, message: 'the certificate names no usable CRL distribution point' }], evidence: [] };
  }
  const inputs: CrlInput[] = [];
  let oldestFetch = Number.POSITIVE_INFINITY;
  const failures: { code: string; message: string }[] = [];
  await Promise.all(
    urls.map(async (url) => {
      try {
        const got = await options.cache.get(url, options.issuers, { ...(options.maxStalenessMs !== undefined ? { maxStalenessMs: options.maxStalenessMs } : {}), ...(options.signal ? { signal: options.signal } : {}) });
        oldestFetch = Math.min(oldestFetch, got.fetchedAt.getTime());
        inputs.push({ crl: got.crl, url, cached: got.cached });
      } catch (cause) {
        failures.push(fetchFailure(url, cause));
      }
    }),
  );
  const checkOptions = { issuers: options.issuers, ...(options.at ? { at: options.at } : {}), ...(options.clockSkewMs !== undefined ? { clockSkewMs: options.clockSkewMs } : {}), ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}), ...(options.crlNumber ? { crlNumber: options.crlNumber } : {}) };
  if (inputs.length === 0) return { status: 'error', reasons: failures, evidence: [] };
  const result = checkCrl(certificate, inputs, checkOptions);
  if (result.status === 'error') result.reasons.push(...failures);
  if (options.maxStalenessMs !== undefined && Number.isFinite(oldestFetch)) {
    const bound = oldestFetch + options.maxStalenessMs;
    if (!result.validUntil || result.validUntil.getTime() > bound) result.validUntil = new Date(bound);
  }
  return result;
}

