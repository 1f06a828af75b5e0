/**
 * `GET /ca.der` (the issuing CA certificate: the AIA caIssuers target, RFC
 * 5280 §4.2.2.1) and `GET /ca.pem` (the chain, issuing CA first).
 */
import type { Certificate } from '../../x509/certificate.ts';
import type { CaRoute } from './router.ts';
import { sendBytes } from './send.ts';

/** CA certificates change only with a new CA home: caches may keep them a day. */
const CA_CERT_CACHE_CONTROL = 'max-age=86400, public';

export function caCertificateRoutes(chain: readonly Certificate[]): CaRoute[] {
  const der = chain[0]!.der;
  const pem = Buffer.from(chain.map((c) => c.toPem()).join(''));
  return [
    { name: 'ca-der', methods: ['GET', 'HEAD'], matches: (p) => p === '/ca.der', handle: (_req, res) => sendBytes(res, 200, 'application/pkix-cert', der, { 'cache-control': CA_CERT_CACHE_CONTROL }) },
    { name: 'ca-pem', methods: ['GET', 'HEAD'], matches: (p) => p === '/ca.pem', handle: (_req, res) => sendBytes(res, 200, 'application/x-pem-file', pem, { 'cache-control': CA_CERT_CACHE_CONTROL }) },
  ];
}
