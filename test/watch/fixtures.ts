/**
 * A loopback world for the watch tests: a `certwarden ca` home with its OCSP
 * responder and CRL served on 127.0.0.1, Node TLS servers whose certificate
 * and staple the test swaps, a webhook sink that checks signatures, and a
 * policy trusting the CA. Everything is minted at test time.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { startCaServer, type CaServer } from '../../src/ca/server.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import type { Certificate } from '../../src/x509/certificate.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { PASSPHRASE } from '../ca/fixtures.ts';
import { SIGNATURE_HEADER, EVENT_ID_HEADER, verifySignature } from '../../src/watch/alerts.ts';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Identity {
  certificate: Certificate;
  chainPem: string;
  keyPem: string;
  staple?: Buffer;
}

export interface World {
  dir: string;
  caHome: string;
  ca: CertificateAuthority;
  server: CaServer;
  write(name: string, data: string | Uint8Array): string;
  policyFile: string;
  issue(host: string, o?: { days?: number }): Promise<Identity>;
  /** A certificate from a CA the policy does not trust. */
  foreign(host: string, subject?: string): Identity;
  close(): Promise<void>;
}

/** `check: leaf`: the in-process server does not serve the root's CRL (`ca serve` does). leaf warn 2159h30m: a 90-day certificate enters the window 30 minutes after issuance (tests move `at` 40 minutes). */
export const EXPIRY_WARN_MINUTES = 129_570;

export async function makeWorld(): Promise<World> {
  const tmp = tempDir('certwarden-watch-');
  const port = await freePort();
  const caHome = `${tmp.dir}/ca`;
  const base = `http://127.0.0.1:${port}`;
  const ca = await CertificateAuthority.init(caHome, PASSPHRASE, { name: 'Watch Test', ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl`] });
  const server = await startCaServer(ca, { host: '127.0.0.1', port, pollMs: 50 });
  const rootPem = ca.chain.at(-1)!.toPem();
  tmp.write('root.pem', rootPem);
  const policyFile = tmp.write('policy.yaml', `version: 1\ntrust:\n  cas: [root.pem]\nrevocation:\n  check: leaf\nexpiry:\n  leaf: { warn: ${EXPIRY_WARN_MINUTES}m, fail: 1h }\n`);
  const foreignRoot = makeRoot('CN=Somebody Else Root');
  return {
    dir: tmp.dir,
    caHome,
    ca,
    server,
    write: tmp.write,
    policyFile,
    async issue(host, o = {}) {
      const r = await ca.issue({ profile: 'server', sans: [`DNS:${host}`], ...(o.days ? { days: o.days } : {}) });
      const req = buildOcspRequest({ issuer: r.chain[0]!, certificate: r.certificate });
      const answer = await server.responder.answer(req.der);
      return { certificate: r.certificate, chainPem: r.certificate.toPem() + r.chain[0]!.toPem(), keyPem: keyPem(r.privateKey!), staple: answer.body };
    },
    foreign(host, subject) {
      const l = makeLeaf(foreignRoot, host, subject ? { subject } : {});
      return { certificate: l.certificate, chainPem: l.certificate.toPem(), keyPem: keyPem(l.privateKey) };
    },
    async close() {
      await server.close();
      await ca.close();
      tmp.cleanup();
    },
  };
}

/** A TLS server on 127.0.0.1 whose identity and staple can be swapped, and which can go down and come back on its port. */
export class SwappableServer {
  identity: Identity;
  staple: boolean;
  port = 0;
  #server: tls.Server | undefined;
  readonly #sockets = new Set<net.Socket>();

  constructor(identity: Identity, o: { staple?: boolean } = {}) {
    this.identity = identity;
    this.staple = o.staple ?? true;
  }

  async start(): Promise<this> {
    const server = tls.createServer({ cert: this.identity.chainPem, key: this.identity.keyPem }, (s) => {
      s.on('error', () => {});
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
    });
    server.on('tlsClientError', () => {});
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, this.staple ? this.identity.staple : undefined));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  use(identity: Identity): void {
    this.identity = identity;
    this.#server!.setSecureContext({ cert: identity.chainPem, key: identity.keyPem });
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (!s) return;
    for (const sock of this.#sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

export interface Received {
  body: Record<string, unknown>;
  raw: string;
  signed: boolean;
  id: string | undefined;
}

/** A webhook receiver on loopback: records every POST, checks its signature, answers `status` (a test may make it fail). */
export async function startSink(secret?: Buffer): Promise<{ url: string; received: Received[]; status: number; close(): Promise<void> }> {
  const sink = {
    url: '',
    received: [] as Received[],
    status: 200,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (sink.status >= 200 && sink.status < 300) {
        const sig = req.headers[SIGNATURE_HEADER] as string | undefined;
        sink.received.push({ body: JSON.parse(raw) as Record<string, unknown>, raw, signed: secret ? verifySignature(secret, sig, raw, Date.now()) : sig === undefined, id: req.headers[EVENT_ID_HEADER] as string | undefined });
      }
      res.writeHead(sink.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}
