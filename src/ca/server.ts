/**
 * `ca serve`: one HTTP server for the CA's relying parties.
 *
 *   GET  /ocsp/<base64 request>  RFC 6960 Appendix A.1 (base64 or base64url, URL-encoded)
 *   POST /ocsp                   RFC 6960 Appendix A.1, body application/ocsp-request
 *   GET  /crl                    the current CRL, DER, application/pkix-crl (RFC 5280 §4.2.1.13)
 *   GET  /ca.der                 the issuing CA certificate (the AIA caIssuers target, RFC 5280 §4.2.2.1)
 *   GET  /ca.pem                 the CA chain, issuing CA first
 *   GET  /root.crl               the root's CRL for the issuing CA (root-crl.ts), DER, from <dir>/root.crl
 *
 * OCSP answers carry RFC 5019 §6.2 cache headers (max-age, Last-Modified,
 * Expires, ETag; 304 on If-None-Match). Changes made by other processes (the
 * `ca revoke` CLI) are picked up by polling the store's change sequence every
 * `pollMs`; changes made in this process are applied at once.
 */
import http from 'node:http';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { MAX_OCSP_REQUEST_BYTES } from '../ocsp/request-parse.ts';
import type { CertificateAuthority } from './ca.ts';
import { CrlPublisher, type PublishedCrl } from './crl-publisher.ts';
import { OcspResponder, type OcspAnswer, type OcspResponderOptions } from './ocsp-responder.ts';
import { ROOT_CRL_FILE, readRootCrl } from './root-crl.ts';
import { watchStore } from './store-watch.ts';
import { ROOT_CRL_ROUTE } from './ca.ts';

export { DEFAULT_POLL_MS } from './store-watch.ts';
/** How often responses are checked for refresh and the responder certificate for rotation. */
export const DEFAULT_MAINTENANCE_MS = 60_000;
/** RFC 5019 §5: GET requests are at most 255 bytes after encoding; we allow some slack for unusual clients. */
export const MAX_GET_PATH_BYTES = 4096;
/** Slow clients do not hold sockets forever. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface CaServerOptions extends OcspResponderOptions {
  host?: string;
  port?: number;
  pollMs?: number;
  maintenanceMs?: number;
  crlValidityMs?: number;
  /** Where `/crl` comes from; default: this server's own CrlPublisher (a cluster worker asks the primary instead). */
  crlSource?: () => Promise<PublishedCrl>;
  /** Structured log sink (one object per event); default: nothing. */
  log?: (event: Record<string, unknown>) => void;
}

export interface CaServer {
  url: string;
  port: number;
  responder: OcspResponder;
  crl: CrlPublisher;
  /** Look for changes in the store now (what the poll timer does). */
  sync(): number;
  close(): Promise<void>;
}

function httpDate(d: Date): string {
  return d.toUTCString();
}

export async function startCaServer(ca: CertificateAuthority, o: CaServerOptions = {}): Promise<CaServer> {
  const log = o.log ?? (() => {});
  const responder = new OcspResponder(ca, o);
  const crl = new CrlPublisher(ca, o.crlValidityMs);
  // Issue the first delegated responder certificate before taking the change sequence, so the
  // first poll does not re-sign for it; changes after this point are caught by polling.
  void responder.identity.signer;
  const watch = watchStore(
    ca.store,
    (changed) => {
      responder.apply(changed);
      if (changed.some((r) => r.revokedAt)) crl.markChanged();
      log({ event: 'ca_store_changed', records: changed.length, seq: changed[changed.length - 1]!.seq });
    },
    { ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), log },
  );
  responder.load();
  const caDer = ca.issuing.certificate.der;
  const caPem = Buffer.from(ca.chain.map((c) => c.toPem()).join(''));
  const sync = (): number => watch.sync().length;
  const unsubscribe = ca.onChange(() => sync());

  const maintenance = setInterval(() => {
    try {
      const r = responder.refresh();
      if (r.rotated || r.resigned > 0) log({ event: 'ocsp_refreshed', ...r });
    } catch (err) {
      log({ event: 'ocsp_refresh_failed', error: (err as Error).message });
    }
  }, o.maintenanceMs ?? DEFAULT_MAINTENANCE_MS);
  maintenance.unref();

  // RFC 5019 §6.2 headers of a pre-produced answer, formatted once per signed response (not per request).
  const cachedHeaders = new WeakMap<NonNullable<OcspAnswer['cache']>, { lastModified: string; expires: string }>();
  const sendOcsp = (req: http.IncomingMessage, res: http.ServerResponse, a: OcspAnswer): void => {
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

  const send = (res: http.ServerResponse, status: number, type: string, body: Buffer, extra: http.OutgoingHttpHeaders = {}): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...extra });
    res.end(body);
  };

  const sendCrl = (res: http.ServerResponse, c: PublishedCrl): void => {
    const maxAge = Math.max(0, Math.floor((c.nextUpdate.getTime() - Date.now()) / 2000));
    send(res, 200, 'application/pkix-crl', c.der, { 'last-modified': httpDate(c.thisUpdate), expires: httpDate(c.nextUpdate), 'cache-control': `max-age=${Math.min(maxAge, 300)}, public` });
  };

  // The root CRL is a file so that every process serves the same one; re-read only when it changes.
  let rootCached: { mtimeMs: number; crl: PublishedCrl } | undefined;
  const rootCrl = (): PublishedCrl | undefined => {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(join(ca.dir, ROOT_CRL_FILE)).mtimeMs;
    } catch {
      return undefined;
    }
    if (rootCached?.mtimeMs !== mtimeMs) {
      const crl = readRootCrl(ca.dir);
      rootCached = crl ? { mtimeMs, crl } : undefined;
    }
    return rootCached?.crl;
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    try {
      if (req.method === 'POST' && (url === '/ocsp' || url === '/ocsp/' || url === '/')) {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooBig = false;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_OCSP_REQUEST_BYTES) tooBig = true;
          else chunks.push(c);
        });
        req.on('end', () => sendOcsp(req, res, tooBig ? responder.answer(Buffer.alloc(0)) : responder.answer(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
        req.on('error', () => res.destroy());
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', Buffer.from('method not allowed\n'), { allow: 'GET, POST' });
      if (url.startsWith('/ocsp/')) {
        if (url.length > MAX_GET_PATH_BYTES) return sendOcsp(req, res, responder.answer(Buffer.alloc(0)));
        let der: Buffer;
        try {
          der = Buffer.from(decodeURIComponent(url.slice('/ocsp/'.length)), 'base64');
        } catch {
          der = Buffer.alloc(0);
        }
        return sendOcsp(req, res, responder.answer(der));
      }
      if (url === '/crl') {
        if (!o.crlSource) return sendCrl(res, crl.current());
        o.crlSource().then(
          (c) => sendCrl(res, c),
          (err: Error) => {
            log({ event: 'ca_request_failed', url, error: err.message });
            if (!res.headersSent) send(res, 500, 'text/plain', Buffer.from('internal error\n'));
          },
        );
        return;
      }
      if (url === ROOT_CRL_ROUTE) {
        const c = rootCrl();
        return c ? sendCrl(res, c) : send(res, 404, 'text/plain', Buffer.from('no root CRL has been published\n'));
      }
      if (url === '/ca.der') return send(res, 200, 'application/pkix-cert', caDer, { 'cache-control': 'max-age=86400, public' });
      if (url === '/ca.pem') return send(res, 200, 'application/x-pem-file', caPem, { 'cache-control': 'max-age=86400, public' });
      return send(res, 404, 'text/plain', Buffer.from('not found\n'));
    } catch (err) {
      log({ event: 'ca_request_failed', url, error: (err as Error).message });
      if (!res.headersSent) send(res, 500, 'text/plain', Buffer.from('internal error\n'));
    }
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;

  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CertwardenError(ErrorCode.IO, `cannot listen on ${host}:${o.port ?? 0}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  log({ event: 'ca_serve_listening', host, port, responder: responder.identity.mode, presigned: responder.size });
  let closed = false;
  return {
    url: `http://${shown}:${port}`,
    port,
    responder,
    crl,
    sync,
    close: async () => {
      if (closed) return;
      closed = true;
      watch.stop();
      clearInterval(maintenance);
      unsubscribe();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
