/**
 * Querying an OCSP responder over HTTP (RFC 6960 Appendix A, RFC 5019 §5),
 * then verifying the answer. Every outcome is a RevocationResult: network
 * failures, HTTP errors and invalid responses are status `error` with a
 * reason code, never an exception and never `good`.
 */
import { isCertwardenError, ErrorCode } from '../errors.ts';
import type { RevocationEvidence, RevocationResult, RevocationStatus } from '../core/revocation-vocabulary.ts';
import { boundedFetch, type FetchOptions, type FetchResult } from '../net/http-fetch.ts';
import type { Certificate } from '../x509/certificate.ts';
import { OcspCache } from './cache.ts';
import type { CertIdHash } from './cert-id.ts';
import { OcspReason, reason, type OcspReasonEntry } from './reasons.ts';
import { buildOcspRequest, ocspGetUrl } from './request.ts';
import { verifyOcspResponse, type OcspVerification, type VerifyOcspOptions } from './verify.ts';

/** RFC 5019 §6 / RFC 6960 Appendix A: a responder answer is small; 64 KiB is generous. */
export const DEFAULT_OCSP_MAX_BYTES = 64 * 1024;
export const DEFAULT_OCSP_TIMEOUT_MS = 5_000;
/**
 * Responder URLs tried per certificate, in the order the certificate lists
 * them. Real certificates name one (RFC 5280 §4.2.2.1 allows several
 * accessDescriptions); a certificate listing dozens is using the verifier to
 * send requests where it likes, and each URL would cost a full timeout.
 */
export const MAX_OCSP_URLS_PER_CERTIFICATE = 2;

/** The first byte of a DER OCSPResponse (a SEQUENCE). */
const DER_SEQUENCE_TAG = 0x30;

export const OCSP_REQUEST_CONTENT_TYPE = 'application/ocsp-request';
export const OCSP_RESPONSE_CONTENT_TYPE = 'application/ocsp-response';

export interface QueryOcspOptions extends Omit<VerifyOcspOptions, 'nonce'> {
  /** Responder URL; default the certificate's AIA OCSP URLs, tried in order. */
  url?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Use GET when the encoded request fits in 255 bytes (RFC 5019 §5). Default true. Ignored when a nonce is sent. */
  preferGet?: boolean;
  /** CertID hash; default SHA-1 (RFC 5019 §2.1.1). */
  hashAlgorithm?: CertIdHash;
  /** Send a random nonce (RFC 8954) and check it; default false (RFC 5019 responders pre-produce). */
  nonce?: boolean;
  /** Cache for verified results (keyed by CertID). */
  cache?: OcspCache;
  /**
   * Believe an answer at most this long after it was fetched (policy
   * `revocation.max-staleness`): an older cache entry is not used (asked
   * again), and the result's validUntil is capped at fetch time + this.
   */
  maxStalenessMs?: number;
  /** Keep the raw response in the evidence; default true. */
  keepDer?: boolean;
  /** Injectable transport (tests); default boundedFetch. */
  fetch?: (url: string, options: FetchOptions) => Promise<FetchResult>;
  signal?: AbortSignal;
}

export interface OcspQueryResult extends RevocationResult {
  /** The verification of the response the result is based on, when one was received. */
  verification?: OcspVerification;
  /** The responder URL that answered (or was last tried). */
  url?: string;
  /** How the request was sent. */
  method?: 'GET' | 'POST';
}

function toRevocationStatus(v: OcspVerification['status']): RevocationStatus {
  return v === 'invalid' ? 'error' : v;
}

function signerLabel(v: OcspVerification): string | undefined {
  if (v.signer === 'issuer') return 'issuer';
  if (v.signer === 'delegated') return `delegated: ${v.responderCertificate?.subject ?? '?'}`;
  return undefined;
}

function evidenceOf(v: OcspVerification, url: string | undefined, der: Uint8Array | undefined, cached: boolean): RevocationEvidence {
  const e: RevocationEvidence = { source: 'ocsp', status: toRevocationStatus(v.status), reasons: v.reasons, cached };
  if (url) e.url = url;
  if (der) e.der = der;
  if (v.producedAt) e.producedAt = v.producedAt;
  if (v.thisUpdate) e.thisUpdate = v.thisUpdate;
  if (v.nextUpdate) e.nextUpdate = v.nextUpdate;
  const s = signerLabel(v);
  if (s) e.signer = s;
  return e;
}

function resultOf(v: OcspVerification, url: string | undefined, der: Uint8Array | undefined, cached: boolean, method?: 'GET' | 'POST'): OcspQueryResult {
  const r: OcspQueryResult = {
    status: toRevocationStatus(v.status),
    reasons: v.reasons,
    evidence: [evidenceOf(v, url, der, cached)],
    verification: v,
  };
  if (url) r.url = url;
  if (method) r.method = method;
  if (v.revocationTime) r.revocationTime = v.revocationTime;
  if (v.revocationReason) r.revocationReason = v.revocationReason;
  if (v.nextUpdate && v.status !== 'invalid') r.validUntil = v.nextUpdate;
  return r;
}

function errorResult(reasons: OcspReasonEntry[], url?: string, method?: 'GET' | 'POST'): OcspQueryResult {
  const r: OcspQueryResult = { status: 'error', reasons, evidence: [{ source: 'ocsp', status: 'error', reasons, cached: false, ...(url ? { url } : {}) }] };
  if (url) r.url = url;
  if (method) r.method = method;
  return r;
}

function fetchFailure(cause: unknown, url: string): OcspReasonEntry {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (isCertwardenError(cause)) {
    if (cause.code === ErrorCode.FETCH_TIMEOUT) return reason(OcspReason.FETCH_TIMEOUT, message);
    if (cause.code === ErrorCode.FETCH_TOO_LARGE) return reason(OcspReason.FETCH_TOO_LARGE, message);
    if (cause.code === ErrorCode.FETCH_UNSUPPORTED) return reason(OcspReason.FETCH_UNSUPPORTED, message);
  }
  return reason(OcspReason.FETCH_FAILED, `OCSP request to ${url} failed: ${message}`);
}

/** Ask one responder. */
async function queryOne(url: string, options: QueryOcspOptions): Promise<OcspQueryResult> {
  const request = buildOcspRequest({ certificate: options.certificate, issuer: options.issuer, hashAlgorithm: options.hashAlgorithm ?? 'sha1', nonce: options.nonce === true });
  const getUrl = options.preferGet !== false && !request.nonce ? ocspGetUrl(url, request.der) : undefined;
  const method = getUrl ? 'GET' : 'POST';
  const doFetch = options.fetch ?? boundedFetch;
  const fetchOptions: FetchOptions = {
    method,
    timeoutMs: options.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_OCSP_MAX_BYTES,
    headers: { accept: OCSP_RESPONSE_CONTENT_TYPE, ...(method === 'POST' ? { 'content-type': OCSP_REQUEST_CONTENT_TYPE } : {}) },
    ...(method === 'POST' ? { body: request.der } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let res: FetchResult;
  try {
    res = await doFetch(getUrl ?? url, fetchOptions);
  } catch (cause) {
    return errorResult([fetchFailure(cause, url)], url, method);
  }
  if (res.status !== 200) return errorResult([reason(OcspReason.HTTP_STATUS, `${url} answered HTTP ${res.status}`)], url, method);
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== OCSP_RESPONSE_CONTENT_TYPE) {
    return errorResult([reason(OcspReason.CONTENT_TYPE, `${url} answered Content-Type "${type || '(none)'}", not ${OCSP_RESPONSE_CONTENT_TYPE}`)], url, method);
  }
  // RFC 6960 Appendix A.1 / RFC 5019 §5: the body is a DER OCSPResponse. Anything else is a
  // malformed answer, never PEM- or base64-decoded (the body is hostile and often arrives over plain HTTP).
  if (res.body[0] !== DER_SEQUENCE_TAG) {
    return errorResult([reason(OcspReason.MALFORMED, `${url} answered a body that is not DER (an OCSP response over HTTP is a DER OCSPResponse)`)], url, method);
  }
  const { nonce: _sendNonce, ...rest } = options;
  const verifyOptions: VerifyOcspOptions = rest;
  if (request.nonce) verifyOptions.nonce = request.nonce;
  if (!verifyOptions.at && options.cache) verifyOptions.at = new Date(options.cache.now());
  const v = verifyOcspResponse(res.body, verifyOptions);
  return resultOf(v, url, options.keepDer === false ? undefined : res.body, false, method);
}

/** An answer fetched at `fetchedAt` is believed until fetchedAt + maxStalenessMs at the latest. */
function capStaleness(r: OcspQueryResult, fetchedAt: number, maxStalenessMs: number | undefined): OcspQueryResult {
  if (maxStalenessMs === undefined) return r;
  const bound = fetchedAt + maxStalenessMs;
  if (!r.validUntil || r.validUntil.getTime() > bound) r.validUntil = new Date(bound);
  return r;
}

/**
 * Query the certificate's OCSP responder(s), verify the answer and return a
 * RevocationResult with evidence. Serves and fills `options.cache`.
 */
export async function queryOcsp(options: QueryOcspOptions): Promise<OcspQueryResult> {
  const cache = options.cache;
  const key = cache ? OcspCache.key(options.certificate, options.issuer, options.hashAlgorithm ?? 'sha1') : undefined;
  if (cache && key) {
    const hit = cache.get(key);
    const fresh = hit && (options.maxStalenessMs === undefined || cache.now() - hit.storedAt.getTime() <= options.maxStalenessMs);
    if (hit && fresh) return capStaleness(resultOf(hit.verification, hit.url, hit.der, true), hit.storedAt.getTime(), options.maxStalenessMs);
  }
  let urls: string[];
  try {
    urls = options.url ? [options.url] : options.certificate.ocspUrls;
  } catch (cause) {
    return errorResult([reason(OcspReason.NO_URL, `the certificate's authorityInfoAccess is malformed: ${(cause as Error).message}`)]);
  }
  if (urls.length === 0) return errorResult([reason(OcspReason.NO_URL, `${options.certificate.describe()} names no OCSP responder`)]);
  urls = urls.slice(0, MAX_OCSP_URLS_PER_CERTIFICATE);
  let last: OcspQueryResult | undefined;
  const failures: OcspReasonEntry[] = [];
  for (const url of urls) {
    // The caller's budget ran out: the URLs left are not tried (each would only fail at once).
    if (options.signal?.aborted && last) break;
    const r = await queryOne(url, options);
    if (r.status !== 'error') {
      if (cache && key && r.verification) cache.set(key, r.verification, { ...(r.evidence[0]?.der ? { der: r.evidence[0].der } : {}), url });
      return capStaleness(r, cache ? cache.now() : (options.at ?? new Date()).getTime(), options.maxStalenessMs);
    }
    failures.push(...(r.reasons as OcspReasonEntry[]));
    last = r;
  }
  if (failures.length === last!.reasons.length) return last!;
  return { ...last!, reasons: failures };
}
