/**
 * `GET /root.crl`: the root's CRL for the issuing CA (../root-crl.ts). It is
 * a file in the CA home so that every process serves the same one; re-read
 * only when its mtime changes. 404 when none has been published.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CRL_ROUTE } from '../ca.ts';
import type { PublishedCrl } from '../crl-publisher.ts';
import { readRootCrl, ROOT_CRL_FILE } from '../root-crl.ts';
import type { CaRoute } from './router.ts';
import { sendBytes, sendCrl } from './send.ts';

export function rootCrlRoute(dir: string): CaRoute {
  let cached: { mtimeMs: number; crl: PublishedCrl } | undefined;
  const current = (): PublishedCrl | undefined => {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(join(dir, ROOT_CRL_FILE)).mtimeMs;
    } catch {
      return undefined;
    }
    if (cached?.mtimeMs !== mtimeMs) {
      const crl = readRootCrl(dir);
      cached = crl ? { mtimeMs, crl } : undefined;
    }
    return cached?.crl;
  };
  return {
    name: 'root-crl',
    methods: ['GET', 'HEAD'],
    matches: (path) => path === ROOT_CRL_ROUTE,
    handle(_req, res) {
      const c = current();
      if (c) sendCrl(res, c);
      else sendBytes(res, 404, 'text/plain', Buffer.from('no root CRL has been published\n'));
    },
  };
}
