/**
 * An OCSP answer over HTTP is DER (RFC 6960 Appendix A.1, RFC 5019 §5): a body
 * that is not DER is a malformed answer, refused without PEM or base64
 * decoding (finding 10.5: a flood of BEGIN lines froze the event loop), and
 * never counted as an unreachable responder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { queryOcsp } from '../../src/ocsp/fetch.ts';
import { OcspReason } from '../../src/ocsp/reasons.ts';
import { toPem } from '../../src/util/pem.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=DER Body Root');
const ca = makeIntermediate(root, 'CN=DER Body CA');

async function responder(body: () => Buffer | string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/ocsp`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('an OCSP body that is not DER (PEM, base64, BEGIN flood) is ocsp-malformed; the same answer in DER is good', async () => {
  let body: Buffer | string = '';
  const srv = await responder(() => body);
  try {
    const leaf = makeLeaf(ca, 'der-body.example', { ocspUrls: [srv.url] });
    const der = buildOcspResponse({ issuer: ca.certificate, signer: ca, producedAt: new Date(), responses: [{ certificate: leaf.certificate, status: 'good' }] });
    const ask = () => queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, maxBytes: 8 * 1024 * 1024 });
    body = der;
    assert.equal((await ask()).status, 'good');
    for (const notDer of [toPem(der, 'OCSP RESPONSE'), der.toString('base64'), '-----BEGIN OCSP RESPONSE-----\n'.repeat(160_000)]) {
      body = notDer;
      const r = await ask();
      assert.equal(r.status, 'error');
      assert.deepEqual(r.reasons.map((x) => x.code), [OcspReason.MALFORMED]);
      assert.match(r.reasons[0]!.message, /not DER/);
    }
  } finally {
    await srv.close();
  }
});
