/**
 * Fetching CRLs over http, https and (when allowed) file: URLs.
 *
 * A CRL distribution point is fetched with a deadline and a size cap
 * (net/http-fetch.ts); the default cap is large (64 MiB) because real CRLs
 * reach tens of megabytes. The body is parsed before it is returned; nothing
 * here decides trust: verify.ts does.
 *
 * Over http and https the body must be DER (RFC 5280 §4.2.1.13: "the CRL is
 * DER encoded"): anything else is a malformed answer and is never PEM- or
 * base64-decoded, since the body comes from the network, often over plain
 * HTTP. A file: URL names a file of the user's own, which may be PEM.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { boundedFetch } from '../net/http-fetch.ts';
import { Crl, type ParseCrlOptions } from './parse.ts';

/** Large enough for big public CRLs (tens of MB), small enough to bound memory. */
export const DEFAULT_CRL_MAX_BYTES = 64 * 1024 * 1024;
/** A big CRL over a slow link takes longer than an OCSP answer. */
export const DEFAULT_CRL_TIMEOUT_MS = 15_000;

export interface FetchCrlOptions {
  /** Whole-request deadline (default {@link DEFAULT_CRL_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Response size cap (default {@link DEFAULT_CRL_MAX_BYTES}). */
  maxBytes?: number;
  /** Allow file: URLs (default false: never for URLs taken from certificates). */
  allowFile?: boolean;
  signal?: AbortSignal;
  parse?: ParseCrlOptions;
}

export interface FetchedCrl {
  url: string;
  crl: Crl;
  fetchedAt: Date;
  bytes: number;
}

/** A DER CertificateList starts with a SEQUENCE tag. */
function startsLikeDer(body: Uint8Array): boolean {
  return body[0] === 0x30;
}

function isFileUrl(url: string): boolean {
  return /^file:/i.test(url);
}

/**
 * Fetch and parse one CRL. Throws CertwardenError: CW_ERR_FETCH, CW_ERR_FETCH_TIMEOUT,
 * CW_ERR_FETCH_TOO_LARGE, CW_ERR_FETCH_UNSUPPORTED, or CW_ERR_CRL_PARSE.
 */
export async function fetchCrl(url: string, options: FetchCrlOptions = {}): Promise<FetchedCrl> {
  const res = await boundedFetch(url, {
    timeoutMs: options.timeoutMs ?? DEFAULT_CRL_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_CRL_MAX_BYTES,
    allowFile: options.allowFile ?? false,
    headers: { accept: 'application/pkix-crl, application/x-pkcs7-crl;q=0.5, */*;q=0.1' },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (res.status !== 200) throw new CertwardenError(ErrorCode.FETCH, `${url} answered HTTP ${res.status}`, { details: { url, status: res.status } });
  if (!isFileUrl(url) && !startsLikeDer(res.body)) {
    throw new CertwardenError(ErrorCode.CRL_PARSE, `malformed CRL: ${url} answered a body that is not DER (a CRL over HTTP is a DER CertificateList, RFC 5280 §4.2.1.13)`, {
      details: { url },
    });
  }
  const crl = Crl.parse(res.body, options.parse ?? {});
  return { url, crl, fetchedAt: new Date(), bytes: res.body.length };
}
