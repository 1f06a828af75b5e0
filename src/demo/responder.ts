/**
 * A small revocation responder for the demo: answers OCSP (GET and POST,
 * RFC 6960 Appendix A) from a table of revoked serials, signing each answer
 * with a delegated responder certificate, and serves a CRL. Loopback only.
 * (The internal CA's production responder pre-signs and caches; this one is
 * deliberately simple.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Certificate } from '../x509/certificate.ts';
import { buildErrorResponse, buildOcspResponse } from '../ocsp/builder.ts';
import { parseOcspRequest, MAX_OCSP_REQUEST_BYTES } from '../ocsp/request-parse.ts';
import { computeCertId } from '../ocsp/cert-id.ts';
import { buildCrl } from '../crl/builder.ts';

export interface DemoResponderOptions {
  issuer: { certificate: Certificate; privateKey: KeyObject };
  signer: { certificate: Certificate; privateKey: KeyObject };
  /** Serials (canonical hex) that are revoked. */
  revoked: Set<string>;
  /** Serials (canonical hex) the CA issued; others are answered `unknown`. */
  issued: Set<string>;
}

export interface DemoResponder {
  url: string;
  ocspUrl: string;
  crlUrl: string;
  close(): Promise<void>;
}

export async function startDemoResponder(o: DemoResponderOptions): Promise<DemoResponder> {
  const issuerKeyHash = computeCertId(o.issuer.certificate, 1n).issuerKeyHash;
  const answer = (body: Buffer): Buffer => {
    let request;
    try {
      request = parseOcspRequest(body);
    } catch {
      return buildErrorResponse('malformedRequest');
    }
    const id = request.certIds[0]!;
    if (!Buffer.from(id.issuerKeyHash).equals(issuerKeyHash)) return buildErrorResponse('unauthorized');
    const status = o.revoked.has(id.serialHex) ? 'revoked' : o.issued.has(id.serialHex) ? 'good' : 'unknown';
    return buildOcspResponse({
      issuer: o.issuer.certificate,
      signer: o.signer,
      responses: [{ serial: id.serialBytes, status, ...(status === 'revoked' ? { revocationTime: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' as const } : {}) }],
      ...(request.nonce ? { nonce: request.nonce } : {}),
    });
  };
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(body);
    };
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/crl') {
      const now = new Date();
      const crl = buildCrl({
        issuer: o.issuer,
        thisUpdate: new Date(now.getTime() - 60_000),
        nextUpdate: new Date(now.getTime() + 86_400_000),
        entries: [...o.revoked].map((serial) => ({ serial, revocationDate: new Date(now.getTime() - 3_600_000), reason: 'keyCompromise' as const })),
      });
      send(200, 'application/pkix-crl', crl);
    } else if (req.method === 'GET' && url.startsWith('/ocsp/')) {
      const der = Buffer.from(decodeURIComponent(url.slice('/ocsp/'.length)), 'base64');
      send(200, 'application/ocsp-response', answer(der));
    } else if (req.method === 'POST' && url === '/ocsp') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_OCSP_REQUEST_BYTES) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => send(200, 'application/ocsp-response', answer(Buffer.concat(chunks))));
    } else {
      send(404, 'text/plain', Buffer.from('not found\n'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    ocspUrl: `${url}/ocsp`,
    crlUrl: `${url}/crl`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
