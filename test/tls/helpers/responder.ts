/**
 * A loopback OCSP + CRL responder for the enforcement tests whose notion of
 * time is injectable (so tests can move past nextUpdate without sleeping), and
 * which can be taken down and brought back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Certificate } from '../../../src/x509/certificate.ts';
import { buildErrorResponse, buildOcspResponse } from '../../../src/ocsp/builder.ts';
import { parseOcspRequest } from '../../../src/ocsp/request-parse.ts';
import { buildCrl } from '../../../src/crl/builder.ts';

export interface TestResponderOptions {
  issuer: { certificate: Certificate; privateKey: KeyObject };
  signer: { certificate: Certificate; privateKey: KeyObject };
  now?: () => number;
  /** nextUpdate - thisUpdate; default 1 hour. */
  validityMs?: number;
}

export interface TestResponder {
  ocspUrl: string;
  crlUrl: string;
  /** Serials (canonical hex) answered revoked. */
  revoked: Set<string>;
  /** When true, every request gets its connection reset (unreachable). */
  down: boolean;
  ocspRequests: number;
  crlRequests: number;
  close(): Promise<void>;
}

export async function startTestResponder(o: TestResponderOptions): Promise<TestResponder> {
  const now = o.now ?? Date.now;
  const validity = o.validityMs ?? 3_600_000;
  const state: TestResponder = {
    ocspUrl: '',
    crlUrl: '',
    revoked: new Set(),
    down: false,
    ocspRequests: 0,
    crlRequests: 0,
    close: async () => {},
  };
  const ocsp = (body: Buffer): Buffer => {
    let request;
    try {
      request = parseOcspRequest(body);
    } catch {
      return buildErrorResponse('malformedRequest');
    }
    const id = request.certIds[0]!;
    const t = new Date(now() - 1000);
    const revoked = state.revoked.has(id.serialHex);
    return buildOcspResponse({
      issuer: o.issuer.certificate,
      signer: o.signer,
      producedAt: t,
      responses: [{ serial: id.serialBytes, status: revoked ? 'revoked' : 'good', thisUpdate: t, nextUpdate: new Date(t.getTime() + validity), ...(revoked ? { revocationTime: new Date(t.getTime() - 60_000), reason: 'keyCompromise' as const } : {}) }],
    });
  };
  const server = http.createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const send = (type: string, body: Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      res.end(body);
    };
    const url = req.url ?? '/';
    if (url === '/crl') {
      state.crlRequests++;
      const t = new Date(now() - 1000);
      send('application/pkix-crl', buildCrl({ issuer: o.issuer, thisUpdate: t, nextUpdate: new Date(t.getTime() + validity), entries: [...state.revoked].map((serial) => ({ serial, revocationDate: new Date(t.getTime() - 60_000), reason: 'keyCompromise' as const })) }));
    } else if (req.method === 'GET' && url.startsWith('/ocsp/')) {
      state.ocspRequests++;
      send('application/ocsp-response', ocsp(Buffer.from(decodeURIComponent(url.slice('/ocsp/'.length)), 'base64')));
    } else if (req.method === 'POST') {
      state.ocspRequests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => send('application/ocsp-response', ocsp(Buffer.concat(chunks))));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.ocspUrl = `http://127.0.0.1:${port}/ocsp`;
  state.crlUrl = `http://127.0.0.1:${port}/crl`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
