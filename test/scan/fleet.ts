/**
 * A loopback PKI and TLS servers for the scan tests: a root, an issuing CA
 * with a delegated OCSP responder and a CRL (src/demo/responder.ts), and
 * Node TLS servers configured well and badly. Minted at test time.
 */
import tls from 'node:tls';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { keyPem, makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, tempDir, type TestIdentity } from '../helpers/pki.ts';
import { startDemoResponder, type DemoResponder } from '../../src/demo/responder.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import type { CertificateTemplate } from '../../src/x509/builder.ts';

export interface Pki {
  root: TestIdentity;
  inter: TestIdentity;
  responder: TestIdentity;
  ocsp: DemoResponder;
  revoked: Set<string>;
  issued: Set<string>;
  leaf(host: string, o?: Partial<Omit<CertificateTemplate, 'publicKey'>>): TestIdentity;
  staple(leaf: TestIdentity, o?: { status?: 'good' | 'revoked' | 'unknown'; thisUpdate?: Date; nextUpdate?: Date; signer?: TestIdentity }): Buffer;
  policyFile(extra?: string): string;
  policy(extra?: string): Policy;
  dir: ReturnType<typeof tempDir>;
  close(): Promise<void>;
}

export async function makePki(): Promise<Pki> {
  const root = makeRoot('CN=Scan Test Root');
  const inter = makeIntermediate(root, 'CN=Scan Test Issuing CA');
  const responder = makeOcspResponder(inter);
  const revoked = new Set<string>();
  const issued = new Set<string>();
  const ocsp = await startDemoResponder({ issuer: inter, signer: responder, revoked, issued });
  const dir = tempDir('certwarden-scan-');
  dir.write('root.pem', root.certificate.toPem());
  const pki: Pki = {
    root,
    inter,
    responder,
    ocsp,
    revoked,
    issued,
    dir,
    leaf(host, o = {}) {
      const l = makeLeaf(inter, host, { ocspUrls: [ocsp.ocspUrl], crlUrls: [ocsp.crlUrl], ...o });
      issued.add(l.certificate.serialHex);
      return l;
    },
    staple(leaf, o = {}) {
      return buildOcspResponse({
        issuer: inter.certificate,
        signer: o.signer ?? responder,
        responses: [{ certificate: leaf.certificate, status: o.status ?? 'good', ...(o.status === 'revoked' ? { revocationTime: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' as const } : {}), ...(o.thisUpdate ? { thisUpdate: o.thisUpdate } : {}), ...(o.nextUpdate ? { nextUpdate: o.nextUpdate } : {}) }],
        ...(o.thisUpdate ? { producedAt: o.thisUpdate } : {}),
      });
    },
    policyFile(extra = '') {
      return dir.write(`policy-${Math.random().toString(36).slice(2)}.yaml`, `version: 1\ntrust:\n  cas: [root.pem]\n${extra}`);
    },
    policy(extra = '') {
      return loadPolicy(pki.policyFile(extra));
    },
    async close() {
      await ocsp.close();
      dir.cleanup();
    },
  };
  return pki;
}

export interface ServerSpec {
  identity: TestIdentity;
  /** Extra certificates sent after the leaf, in this order (default: the issuing CA). */
  chain?: TestIdentity[];
  staple?: Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  ca?: string;
  /** Answer an HTTP request (so probes see an answer). */
  http?: boolean;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function startTlsServer(spec: ServerSpec, pki?: Pki): Promise<RunningServer> {
  const chain = spec.chain ?? (pki ? [pki.inter] : []);
  const server = tls.createServer(
    {
      cert: spec.identity.certificate.toPem() + chain.map((c) => c.certificate.toPem()).join(''),
      key: keyPem(spec.identity.privateKey),
      ...(spec.requestCert ? { requestCert: true, rejectUnauthorized: spec.rejectUnauthorized ?? true } : {}),
      ...(spec.ca ? { ca: spec.ca } : {}),
    },
    (socket) => {
      socket.on('error', () => {});
      socket.on('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
    },
  );
  server.on('tlsClientError', () => {});
  if (spec.staple) {
    const staple = spec.staple;
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple));
  }
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A server that accepts TCP and never answers (a dead target). */
export async function startSilentServer(): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Fast settings for tests: two handshakes per version, short waits. */
export const FAST = { stapleAttempts: 2, stapleRetryDelayMs: 20, clientAuthSettleMs: 300 };
