/**
 * Bounded HTTP(S) fetching for OCSP, CRL and AIA retrieval.
 *
 * Revocation sources are fetched over plain HTTP by design (RFC 6960
 * Appendix A, RFC 5280 §4.2.1.13: the objects are signed, and fetching them
 * over TLS would need revocation checking of its own). Every fetch has a
 * deadline and a size cap, so a slow or hostile responder costs at most its
 * budget and cannot exhaust memory.
 */
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { readFileBoundedAsync } from '../util/bounded-read.ts';
import { describeConnectError } from './connect-error.ts';

export interface FetchOptions {
  method?: 'GET' | 'POST';
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Whole-request deadline in ms (connect, send, receive). Default 5000. */
  timeoutMs?: number;
  /** Maximum response body in bytes. Default 1 MiB. */
  maxBytes?: number;
  /** Allow file: URLs (CRLs on disk). Default false for network-derived URLs. */
  allowFile?: boolean;
  signal?: AbortSignal;
}

export interface FetchResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: string;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

/** The caller's signal ended the fetch (a scan target's budget ran out): a failure to reach the source, never an answer. */
function aborted(url: string): CertwardenError {
  return new CertwardenError(ErrorCode.FETCH, `fetch of ${url} was aborted`);
}

/**
 * A file: URL (a CRL on disk, named by the user): read through the bounded
 * reader, so the cap is checked while reading and a device (/dev/zero), FIFO
 * or directory is refused instead of read without end.
 */
async function readFileUrl(parsed: URL, url: string, maxBytes: number): Promise<Buffer> {
  let path: string;
  try {
    path = fileURLToPath(parsed);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.FETCH_UNSUPPORTED, `not a local file URL: ${url}`, { cause });
  }
  try {
    return await readFileBoundedAsync(path, { maxBytes, what: 'CRL file', code: ErrorCode.FETCH });
  } catch (cause) {
    if (isCertwardenError(cause) && cause.details.maxBytes !== undefined) throw new CertwardenError(ErrorCode.FETCH_TOO_LARGE, `${url} is over the ${maxBytes}-byte cap`, { cause });
    throw cause;
  }
}

/** Fetch a URL with a deadline and a size cap. Never follows redirects (a responder that redirects is misconfigured). */
export async function boundedFetch(url: string, options: FetchOptions = {}): Promise<FetchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CertwardenError(ErrorCode.FETCH_UNSUPPORTED, `not a valid URL: ${url}`);
  }
  if (options.signal?.aborted) throw aborted(url);
  if (parsed.protocol === 'file:') {
    if (!options.allowFile) throw new CertwardenError(ErrorCode.FETCH_UNSUPPORTED, `refusing to read a file: URL from a certificate (${url})`);
    return { status: 200, headers: {}, body: await readFileUrl(parsed, url, maxBytes), url };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CertwardenError(ErrorCode.FETCH_UNSUPPORTED, `unsupported URL scheme ${parsed.protocol} in ${url} (only http, https and file)`);
  }
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise<FetchResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: CertwardenError | null, result?: FetchResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(result!);
    };
    const timer = setTimeout(() => finish(new CertwardenError(ErrorCode.FETCH_TIMEOUT, `${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => finish(aborted(url));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { 'user-agent': 'certwarden', ...options.headers };
    if (options.body) headers['content-length'] = String(options.body.length);
    const req = client.request(parsed, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(new CertwardenError(ErrorCode.FETCH_TOO_LARGE, `${url} announced ${declared} bytes, over the ${maxBytes}-byte cap`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(new CertwardenError(ErrorCode.FETCH_TOO_LARGE, `${url} sent more than the ${maxBytes}-byte cap`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }));
      res.on('error', (cause) => finish(new CertwardenError(ErrorCode.FETCH, `${url}: ${cause.message}`, { cause })));
    });
    req.on('error', (cause) => finish(new CertwardenError(ErrorCode.FETCH, `${url}: ${describeConnectError(cause)}`, { cause })));
    if (options.body) req.end(options.body);
    else req.end();
  });
}
