/**
 * The watch's HTTP face: GET /metrics (Prometheus), /healthz, and a read-only
 * API (/api/targets, /api/targets/:target/history). Loopback by default; any
 * other bind needs a bearer token (from a file), compared in constant time.
 * Nothing it answers carries a secret (webhook URLs and keys are never
 * exposed), and errors tell the client only the status.
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE } from './metrics.ts';
import { isLoopback } from './config.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { WatchEngine } from './engine.ts';
import type { WatchStore } from './store.ts';

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
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (req, res) => void answer(req, res));
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://watch.invalid');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return json(res, 405, { error: 'method not allowed' });
      }
      if (url.pathname === '/healthz') return json(res, 200, { ok: true });
      if (o.token !== undefined && !tokenMatches(o.token, req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Bearer');
        return json(res, 401, { error: 'a bearer token is required' });
      }
      if (url.pathname === '/metrics') {
        const text = await o.engine.metrics(); // before the head: a store error answers 500, not a cut 200
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(text);
        return;
      }
      if (url.pathname === '/api/targets') return json(res, 200, { targets: await o.engine.overview() });
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
        return json(res, 200, { target: label, ...(await o.store.history(label, limit)) });
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
