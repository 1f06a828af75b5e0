/**
 * OCSP over HTTP (RFC 6960 Appendix A.1): `GET /ocsp/<base64 or base64url,
 * URL-encoded>` and `POST /ocsp` (also `/ocsp/` and `/`), answered from the
 * responder's pre-signed cache with RFC 5019 §6.2 cache headers (max-age,
 * Last-Modified, Expires, ETag; 304 on If-None-Match).
 */
import type http from 'node:http';
import { MAX_OCSP_REQUEST_BYTES } from '../../ocsp/request-parse.ts';
import type { OcspAnswer, OcspResponder } from '../ocsp-responder.ts';
import type { CaLog, CaRoute } from './router.ts';
import { httpDate } from './send.ts';

/** RFC 5019 §5: GET requests are at most 255 bytes after encoding; we allow some slack for unusual clients. */
export const MAX_GET_PATH_BYTES = 4096;

const OCSP_GET_PREFIX = '/ocsp/';
const OCSP_POST_PATHS = new Set(['/ocsp', '/ocsp/', '/']);

/** Writes an answer; RFC 5019 §6.2 headers of a pre-produced answer are formatted once per signed response, not per request. */
function ocspSender(): (req: http.IncomingMessage, res: http.ServerResponse, answer: OcspAnswer | Promise<OcspAnswer>) => void {
  const cachedHeaders = new WeakMap<NonNullable<OcspAnswer['cache']>, { lastModified: string; expires: string }>();
  const write = (req: http.IncomingMessage, res: http.ServerResponse, a: OcspAnswer): void => {
    if (res.destroyed) return; // the client went away while the answer was signed
    if (!a.cache) {
      res.writeHead(200, ['content-type', 'application/ocsp-response', 'content-length', String(a.body.length), 'cache-control', 'no-cache, no-store']);
      res.end(a.body);
      return;
    }
    const c = a.cache;
    let fixed = cachedHeaders.get(c);
    if (!fixed) cachedHeaders.set(c, (fixed = { lastModified: httpDate(c.thisUpdate), expires: httpDate(c.nextUpdate) }));
    const maxAge = Math.max(0, Math.floor((c.nextUpdate.getTime() - Date.now()) / 1000));
    // RFC 5019 §6.2: max-age no later than nextUpdate; public; no-transform; must-revalidate.
    const cacheControl = `max-age=${maxAge}, public, no-transform, must-revalidate`;
    if (req.headers['if-none-match'] === c.etag) {
      res.writeHead(304, ['content-type', 'application/ocsp-response', 'cache-control', cacheControl, 'last-modified', fixed.lastModified, 'expires', fixed.expires, 'etag', c.etag]);
      res.end();
      return;
    }
    res.writeHead(200, ['content-type', 'application/ocsp-response', 'content-length', String(a.body.length), 'cache-control', cacheControl, 'last-modified', fixed.lastModified, 'expires', fixed.expires, 'etag', c.etag]);
    res.end(a.body);
  };
  // OcspResponder.answer never rejects (anything unexpected is an OCSP error status); a failure to write
  // (the socket broke) ends that one connection, never the process through an unhandled rejection.
  // A pre-signed answer is written synchronously: no promise on the request path.
  return (req, res, answer) => {
    if (!(answer instanceof Promise)) return write(req, res, answer);
    answer.then((a) => write(req, res, a)).catch(() => res.destroy());
  };
}

/** `GET /ocsp/<base64>`. */
export function ocspGetRoute(responder: OcspResponder): CaRoute {
  const send = ocspSender();
  return {
    name: 'ocsp-get',
    methods: ['GET', 'HEAD'],
    matches: (path) => path.startsWith(OCSP_GET_PREFIX),
    handle(req, res) {
      const url = req.url ?? '';
      if (url.length > MAX_GET_PATH_BYTES) return send(req, res, responder.respond(Buffer.alloc(0)));
      let der: Buffer;
      try {
        der = Buffer.from(decodeURIComponent(url.slice(OCSP_GET_PREFIX.length)), 'base64');
      } catch {
        der = Buffer.alloc(0);
      }
      send(req, res, responder.respond(der));
    },
  };
}

/** `POST /ocsp`: the body is read up to MAX_OCSP_REQUEST_BYTES, never further. */
export function ocspPostRoute(responder: OcspResponder, log: CaLog): CaRoute {
  const send = ocspSender();
  return {
    name: 'ocsp-post',
    methods: ['POST'],
    matches: (path) => OCSP_POST_PATHS.has(path),
    handle(req, res) {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      // RFC 6960 requests are small: past MAX_OCSP_REQUEST_BYTES the answer is malformedRequest at once and
      // the connection is closed, so an endless (chunked) body is never read to its end.
      const refuseBody = (): void => {
        done = true;
        req.removeAllListeners('data');
        req.pause();
        log({ event: 'ca_request_too_large', url: req.url, maxBytes: MAX_OCSP_REQUEST_BYTES, remote: req.socket.remoteAddress });
        res.shouldKeepAlive = false;
        res.once('finish', () => req.socket.destroy());
        send(req, res, responder.respond(Buffer.alloc(0)));
      };
      if (Number(req.headers['content-length'] ?? 0) > MAX_OCSP_REQUEST_BYTES) return refuseBody();
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_OCSP_REQUEST_BYTES) refuseBody();
        else chunks.push(c);
      });
      req.on('end', () => {
        if (!done) send(req, res, responder.respond(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      });
      req.on('error', () => res.destroy());
    },
  };
}
