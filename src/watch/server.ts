/**
 * The watch's HTTP face: GET /metrics (Prometheus), /healthz, a read-only
 * API (/api/targets, /api/targets/:target/history, the dashboard's
 * /api/overview and /api/inventory), the dashboard at /, and the silences
 * (silence-api.ts, the only writes). Loopback by default; any
 * other bind needs a bearer token (from a file), compared in constant time.
 * Nothing it answers carries a secret (webhook URLs and keys are never
 * exposed), and errors tell the client only the status.
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE } from './metrics.ts';
import { isLoopback } from './config.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import type { WatchEngine } from './engine.ts';
import type { WatchStore } from './store.ts';
import { handleSilences } from './silence-api.ts';
import { DASHBOARD_ASSETS, DASHBOARD_SECURITY_HEADERS } from './dashboard/assets.ts';
import { fleetPage, inventoryPage, parseFleetQuery, parseInventoryQuery } from './dashboard/api.ts';

/** The API takes no bodies and short paths: 8 KiB of headers is plenty (Node's default is 16 KiB). */
export const MAX_HEADER_BYTES = 8192;
/** A scrape or API call answers from the store in milliseconds: 10 s bounds a slow client. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Connections at once: a few scrapers and operators, not a public site. */
export const MAX_CONNECTIONS = 64;
/** Default rows of /history (?limit= up to the store's cap). */
export const DEFAULT_HISTORY_LIMIT = 50;

export interface WatchServerOptions {
  engine: WatchEngine;
  store: WatchStore;
  host: string;
  port: number;
  /** Required bearer token (else none: loopback only, enforced by the config loader). */
  token?: string;
  log?: (entry: Record<string, unknown>) => void;
  /** Bearer token for writes (silences), on every address; without it writes are refused (403). */
  adminToken?: string;
  /** The service's clock (silences start and end by it). */
  now?: () => number;
  /** A silence was expired: the service releases what it held. */
  onSilenceEnded?: () => void;
}

export interface WatchServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant time whatever the lengths: both sides are hashed first. */
export function tokenMatches(expected: string, header: string | undefined): boolean {
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  return timingSafeEqual(digest(expected), digest(m ? m[1]! : '')) && m !== null;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(`${JSON.stringify(body)}\n`);
}

export async function startWatchServer(o: WatchServerOptions): Promise<WatchServer> {
  // The config loader refuses this too; a library caller gets the same rule.
  if (!isLoopback(o.host) && o.token === undefined) throw new CertwardenError(ErrorCode.USAGE, `the watch service listens on ${o.host}, which is not loopback: a bearer token is required`);
  const log = o.log ?? (() => {});
  const now = o.now ?? Date.now;
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (req, res) => void answer(req, res));
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://watch.invalid');
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (read && url.pathname === '/healthz') return json(res, 200, { ok: true });
      // The dashboard's static files carry no data: open like /healthz; its data comes from /api/* below.
      const asset = read ? DASHBOARD_ASSETS.get(url.pathname) : undefined;
      if (asset) {
        res.writeHead(200, { ...DASHBOARD_SECURITY_HEADERS, 'content-type': asset.type }).end(req.method === 'HEAD' ? undefined : asset.body);
        return;
      }
      // The admin token (silences) reads too; the read token never writes.
      const admin = o.adminToken === undefined ? 'not-configured' : tokenMatches(o.adminToken, req.headers.authorization);
      if (o.token !== undefined && admin !== true && !tokenMatches(o.token, req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Bearer');
        return json(res, 401, { error: 'a bearer token is required' });
      }
      const silences = handleSilences(req, url.pathname, admin, { store: o.store, now, ...(o.onSilenceEnded ? { onEnded: o.onSilenceEnded } : {}) }, (status, body) => json(res, status, body));
      if (silences) return await silences;
      if (!read) {
        res.setHeader('allow', 'GET, HEAD');
        return json(res, 405, { error: 'method not allowed' });
      }
      if (url.pathname === '/metrics') {
        const text = await o.engine.metrics(); // before the head: a store error answers 500, not a cut 200
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text);
        return;
      }
      if (url.pathname === '/api/targets') return json(res, 200, { targets: await o.engine.overview() });
      if (url.pathname === '/api/overview' || url.pathname === '/api/inventory') {
        let body: unknown;
        try {
          body = url.pathname === '/api/overview' ? fleetPage(await o.engine.fleet(), parseFleetQuery(url.searchParams), now()) : inventoryPage(await o.engine.fleet(), parseInventoryQuery(url.searchParams), now());
        } catch (err) {
          // A bad query (page, filter) is the client's: 400 with the message; anything else is ours (500 below).
          if (isCertwardenError(err) && err.code === ErrorCode.USAGE) return json(res, 400, { error: err.message });
          throw err;
        }
        return json(res, 200, body);
      }
      const m = /^\/api\/targets\/([^/]+)\/history$/.exec(url.pathname);
      if (m) {
        let label: string;
        try {
          label = decodeURIComponent(m[1]!);
        } catch {
          return json(res, 400, { error: 'bad target' });
        }
        if (!o.engine.target(label)) return json(res, 404, { error: 'no such target' });
        const limit = Number(url.searchParams.get('limit') ?? DEFAULT_HISTORY_LIMIT);
        if (!Number.isInteger(limit) || limit < 1) return json(res, 400, { error: 'limit must be a positive integer' });
        const [h, silenced] = [await o.store.history(label, limit), await o.store.silencedKeys(label)];
        return json(res, 200, { target: label, scans: h.scans, events: h.events.map((e) => (silenced.has(e.key) ? { ...e, silencedBy: silenced.get(e.key) } : e)) });
      }
      return json(res, 404, { error: 'not found' });
    } catch (err) {
      log({ msg: 'watch_http_error', error: (err as Error).message });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
