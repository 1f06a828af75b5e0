/**
 * The small router of `ca serve`: a route is a method set, a path matcher and
 * a handler (one module per route beside this file). Requests nobody matches
 * get 404, a known path with another method 405 (with Allow), and a handler
 * that throws gets 500 with the detail logged, never sent (a server that
 * answers other parties tells them only what the protocol allows).
 */
import type http from 'node:http';
import { sendBytes } from './send.ts';

export type CaLog = (event: Record<string, unknown>) => void;

export interface CaRoute {
  /** For logs and tests. */
  name: string;
  methods: readonly ('GET' | 'HEAD' | 'POST')[];
  matches(path: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}

/** A request handler for http.createServer that dispatches to `routes` (first match wins). */
export function createRouter(routes: readonly CaRoute[], log: CaLog): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    try {
      const candidates = routes.filter((r) => r.matches(url));
      const route = candidates.find((r) => (r.methods as readonly string[]).includes(req.method ?? ''));
      if (route) return route.handle(req, res);
      if (candidates.length > 0 || (req.method !== 'GET' && req.method !== 'HEAD')) {
        return sendBytes(res, 405, 'text/plain', Buffer.from('method not allowed\n'), { allow: 'GET, POST' });
      }
      return sendBytes(res, 404, 'text/plain', Buffer.from('not found\n'));
    } catch (err) {
      log({ event: 'ca_request_failed', url, error: (err as Error).message });
      if (!res.headersSent) sendBytes(res, 500, 'text/plain', Buffer.from('internal error\n'));
    }
  };
}
