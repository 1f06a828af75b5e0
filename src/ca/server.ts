/**
 * `ca serve`: one HTTP server for the CA's relying parties. Each route is a
 * module under routes/ behind a small router (routes/router.ts); this file
 * wires them to the responder, the CRL keeper and the store watcher, and
 * sets the connection limits.
 *
 *   GET  /ocsp/<base64 request>  RFC 6960 Appendix A.1 (base64 or base64url, URL-encoded)
 *   POST /ocsp                   RFC 6960 Appendix A.1, body application/ocsp-request
 *   GET  /crl                    the current CRL, DER, application/pkix-crl (RFC 5280 §4.2.1.13)
 *   GET  /ca.der                 the issuing CA certificate (the AIA caIssuers target, RFC 5280 §4.2.2.1)
 *   GET  /ca.pem                 the CA chain, issuing CA first
 *   GET  /root.crl               the root's CRL for the issuing CA (root-crl.ts), DER, as kept among the CA's artefacts
 *
 * OCSP answers carry RFC 5019 §6.2 cache headers (max-age, Last-Modified,
 * Expires, ETag; 304 on If-None-Match). Changes made by other processes (the
 * `ca revoke` CLI) are picked up by polling the store's change sequence every
 * `pollMs`; changes made in this process are applied at once.
 *
 * The request path never waits on the store: OCSP answers come from the
 * pre-signed cache and `/crl` serves the last CRL from memory, re-signed in
 * the background (keepCrlFresh) without waiting for another process's write
 * lock. Slow and endless clients are bounded by the connection, header, body
 * and timeout limits below.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { CertificateAuthority } from './ca.ts';
import type { IssuedRecord } from './store.ts';
import { CrlPublisher, keepCrlFresh, SERVED_CRL_VALIDITY_MS, type PublishedCrl } from './crl-publisher.ts';
import { OcspResponder, type OcspResponderOptions } from './ocsp-responder.ts';
import { caCertificateRoutes } from './routes/ca-certificates.ts';
import { crlRoute } from './routes/crl.ts';
import { ocspGetRoute, ocspPostRoute } from './routes/ocsp.ts';
import { rootCrlRoute } from './routes/root-crl.ts';
import { createRouter } from './routes/router.ts';
import { publishCaEvent } from './events.ts';
import { currentRootCrl } from './root-crl.ts';
import { watchStore } from './store-watch.ts';

export { DEFAULT_POLL_MS } from './store-watch.ts';
/** How often responses are checked for refresh and the responder certificate for rotation. */
export const DEFAULT_MAINTENANCE_MS = 60_000;
export { MAX_GET_PATH_BYTES } from './routes/ocsp.ts';
/** A whole request (headers and body) must arrive within this; slower clients get 408 and are closed. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** The headers must arrive within this (slowloris: a header byte now and then). At most REQUEST_TIMEOUT_MS. */
export const HEADERS_TIMEOUT_MS = 5_000;
/**
 * How often Node checks the two timeouts above. Its default (30 s) let a slow
 * body live ~75 s past a 10 s request timeout; checking every second keeps
 * the documented bound (timeout + at most 1 s).
 */
export const TIMEOUT_CHECK_MS = 1_000;
/** A connection with no traffic at all for this long is closed (a socket that never sends a byte). */
export const IDLE_TIMEOUT_MS = 10_000;
/** Idle keep-alive connections between requests are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * Concurrent connections per process; more are closed on accept (and logged).
 * Far above what OCSP clients need (each request is one small exchange), far
 * below the default file-descriptor limit (1,024 soft on many systems; 19,990
 * slow connections once exhausted it), so the store and the CRL files can still be opened.
 */
export const MAX_CONNECTIONS = 512;
/**
 * Request header block cap. RFC 5019 §5: an OCSP GET path is at most 255
 * bytes; the rest is a few ordinary headers. Node's default is 16 KiB.
 */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Request headers counted (Node's default is 2,000); OCSP clients send a handful. */
export const MAX_HEADERS_COUNT = 32;
/**
 * How often the root's CRL is reloaded from the CA's artefacts (a file, or
 * a Postgres row): it changes at most at half of its validity (12 h by
 * default) or when the issuing CA is revoked, which `ca revoke --issuing-ca`
 * signs at once; every server serves it within this much of that.
 */
export const ROOT_CRL_RELOAD_MS = 5_000;
/** Shedding is logged at most this often (one line with the count, not one per dropped connection). */
export const SHED_LOG_INTERVAL_MS = 1_000;

export interface CaServerOptions extends OcspResponderOptions {
  host?: string;
  port?: number;
  pollMs?: number;
  maintenanceMs?: number;
  /** Default SERVED_CRL_VALIDITY_MS (24 h). */
  crlValidityMs?: number;
  /** Connection limits (defaults: the constants above; tests use small ones). */
  maxConnections?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** How often the timeouts are checked (default TIMEOUT_CHECK_MS). */
  timeoutCheckMs?: number;
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
  /** Look for changes in the store now (what the poll timer does); resolves to how many records changed. */
  sync(): Promise<number>;
  /** Reload the root's CRL now (after this process published one) rather than at the next ROOT_CRL_RELOAD_MS. */
  reloadRootCrl(): Promise<void>;
  close(): Promise<void>;
}

export async function startCaServer(ca: CertificateAuthority, o: CaServerOptions = {}): Promise<CaServer> {
  const log = o.log ?? (() => {});
  const responder = new OcspResponder(ca, o);
  const crl = new CrlPublisher(ca, o.crlValidityMs ?? SERVED_CRL_VALIDITY_MS);
  const crlKeeper = o.crlSource ? undefined : keepCrlFresh(crl, { log, store: ca.store.description });
  if (crlKeeper) {
    // The first CRL before listening (here waiting for the store is fine; on a shared store the one kept there
    // is adopted if it is fresh); if that fails, the keeper retries.
    try {
      await crl.refresh();
    } catch (err) {
      log({ event: 'ca_crl_failed', error: (err as Error).message });
    }
  }
  // Background: a failed pre-signature leaves that serial answered on demand (apply drops its stale answer first).
  const presign = (records: readonly IssuedRecord[]): void =>
    void responder.apply(records).catch((err: unknown) => log({ event: 'ocsp_presign_failed', records: records.length, error: (err as Error).message }));
  // Issue the first delegated responder certificate before taking the change sequence, so the
  // first poll does not re-sign for it; changes after this point are caught by polling.
  await responder.identity.ready();
  const watch = await watchStore(
    ca.store,
    (changed) => {
      presign(changed);
      if (changed.some((r) => r.revokedAt)) {
        crl.markChanged();
        crlKeeper?.kick();
      }
      const seq = changed[changed.length - 1]!.seq;
      publishCaEvent('storeChanged', { records: changed.length, seq });
      log({ event: 'ca_store_changed', records: changed.length, seq });
    },
    // A push may be a CRL another server published (shared CRLs): the keeper adopts it at once.
    { ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}), log, ...(crlKeeper ? { onPush: () => crlKeeper.kick() } : {}) },
  );
  await responder.load();
  const sync = async (): Promise<number> => (await watch.sync()).length;
  let rootCrl = await currentRootCrl(ca);
  // currentRootCrl never throws: an unreadable one leaves the last good CRL served.
  const reloadRootCrl = async (): Promise<void> => {
    const c = await currentRootCrl(ca);
    if (c && (!rootCrl || c.number >= rootCrl.number)) rootCrl = c;
  };
  let reloadingRootCrl = false;
  const rootCrlReload = setInterval(() => {
    if (reloadingRootCrl) return;
    reloadingRootCrl = true;
    void reloadRootCrl().finally(() => (reloadingRootCrl = false));
  }, ROOT_CRL_RELOAD_MS);
  rootCrlReload.unref();
  // Changes made through this process's CA object are applied directly, without a store round trip.
  const unsubscribe = ca.onChange((records) => {
    presign(records);
    if (records.some((r) => r.revokedAt)) {
      crl.markChanged();
      crlKeeper?.kick();
    }
  });

  let refreshing = false;
  const maintenance = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    responder
      .refresh()
      .then((r) => {
        if (r.rotated || r.resigned > 0 || r.rotationDeferred) log({ event: 'ocsp_refreshed', ...r });
        if (responder.identity.persistError) {
          log({ event: 'ocsp_responder_save_failed', error: responder.identity.persistError });
          responder.identity.persistError = undefined;
        }
      })
      .catch((err: unknown) => log({ event: 'ocsp_refresh_failed', error: (err as Error).message }))
      .finally(() => (refreshing = false));
  }, o.maintenanceMs ?? DEFAULT_MAINTENANCE_MS);
  maintenance.unref();

  const requestTimeout = o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout,
      headersTimeout: Math.min(o.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: o.timeoutCheckMs ?? TIMEOUT_CHECK_MS,
    },
    createRouter([ocspPostRoute(responder, log), ocspGetRoute(responder), crlRoute(crl, o.crlSource, log), rootCrlRoute(() => rootCrl), ...caCertificateRoutes(ca.chain)], log),
  );
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.maxConnections = o.maxConnections ?? MAX_CONNECTIONS;
  server.timeout = o.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  // Load shedding: connections past maxConnections are closed on accept; say so, once per interval.
  let shed = 0;
  let shedLogged = 0;
  server.on('drop', () => {
    shed++;
    const now = Date.now();
    if (now - shedLogged >= SHED_LOG_INTERVAL_MS) {
      log({ event: 'ca_connections_shed', dropped: shed, maxConnections: server.maxConnections });
      shedLogged = now;
      shed = 0;
    }
  });

  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CertwardenError(ErrorCode.IO, `cannot listen on ${host}:${o.port ?? 0}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  log({ event: 'ca_serve_listening', host, port, responder: responder.identity.mode, ...(responder.identity.mode === 'delegated' ? { responderCertificate: responder.identity.signer.certificate.serialHex, responderReused: responder.identity.reused } : {}), presigned: responder.size, ocspValidityMs: responder.responseValidityMs, crlValidityMs: o.crlValidityMs ?? SERVED_CRL_VALIDITY_MS });
  let closed = false;
  return {
    url: `http://${shown}:${port}`,
    port,
    responder,
    crl,
    sync,
    reloadRootCrl,
    close: async () => {
      if (closed) return;
      closed = true;
      await watch.stop();
      crlKeeper?.stop();
      clearInterval(maintenance);
      clearInterval(rootCrlReload);
      unsubscribe();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
