/**
 * `GET /root.crl`: the root's CRL for the issuing CA (../root-crl.ts). It is
 * kept among the CA's artefacts so that every process serves the same one;
 * the server reloads it in the background (RootCrlCache) and the request
 * path serves it from memory. 404 when none has been published.
 */
import { ROOT_CRL_ROUTE } from '../ca.ts';
import type { PublishedCrl } from '../crl-publisher.ts';
import type { CaRoute } from './router.ts';
import { sendBytes, sendCrl } from './send.ts';

export function rootCrlRoute(current: () => PublishedCrl | undefined): CaRoute {
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
