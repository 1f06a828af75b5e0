/** Writing answers of `ca serve`: bytes with a length, and CRLs with their cache headers. */
import type http from 'node:http';
import type { PublishedCrl } from '../crl-publisher.ts';

/** CRL answers may be cached by HTTP caches at most this long (a revocation re-signs the CRL at once). */
export const CRL_MAX_AGE_SECONDS = 300;

export function httpDate(d: Date): string {
  return d.toUTCString();
}

export function sendBytes(res: http.ServerResponse, status: number, type: string, body: Buffer, extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...extra });
  res.end(body);
}

/** A CRL (DER, RFC 5280 §4.2.1.13): cacheable for half its remaining life, at most CRL_MAX_AGE_SECONDS. */
export function sendCrl(res: http.ServerResponse, c: PublishedCrl): void {
  const maxAge = Math.max(0, Math.floor((c.nextUpdate.getTime() - Date.now()) / 2000));
  sendBytes(res, 200, 'application/pkix-crl', c.der, { 'last-modified': httpDate(c.thisUpdate), expires: httpDate(c.nextUpdate), 'cache-control': `max-age=${Math.min(maxAge, CRL_MAX_AGE_SECONDS)}, public` });
}
