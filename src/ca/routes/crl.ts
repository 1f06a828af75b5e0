/**
 * `GET /crl`: the issuing CA's current CRL, DER. Served from memory (the
 * last one signed in the background by keepCrlFresh), never signed on the
 * request path: a cRLNumber is a write, and the store's lock may be held by
 * another process. A cluster worker asks its primary instead (`source`).
 */
import type { CrlPublisher, PublishedCrl } from '../crl-publisher.ts';
import type { CaLog, CaRoute } from './router.ts';
import { sendBytes, sendCrl } from './send.ts';

/** Clients retry this many seconds after a 503 (no CRL signed yet: the keeper retries every second). */
const NO_CRL_RETRY_AFTER_SECONDS = 5;

export function crlRoute(crl: CrlPublisher, source: (() => Promise<PublishedCrl>) | undefined, log: CaLog): CaRoute {
  return {
    name: 'crl',
    methods: ['GET', 'HEAD'],
    matches: (path) => path === '/crl',
    handle(req, res) {
      if (!source) {
        const c = crl.latest();
        return c ? sendCrl(res, c) : sendBytes(res, 503, 'text/plain', Buffer.from('no CRL has been published yet\n'), { 'retry-after': String(NO_CRL_RETRY_AFTER_SECONDS) });
      }
      source().then(
        (c) => sendCrl(res, c),
        (err: Error) => {
          log({ event: 'ca_request_failed', url: req.url, error: err.message });
          if (!res.headersSent) sendBytes(res, 500, 'text/plain', Buffer.from('internal error\n'));
        },
      );
    },
  };
}
