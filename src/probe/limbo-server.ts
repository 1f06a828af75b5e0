/**
 * One loopback HTTPS server for one x509-limbo vector: it presents the
 * vector's leaf and untrusted intermediates, exactly as given, and signs the
 * handshake with the leaf key limbo ships. Started for its run and closed
 * after it (the suite has hundreds of vectors; only `concurrency` servers
 * are up at once).
 *
 * Before a client sees it, the server proves it can complete a handshake
 * with a non-validating client: a vector whose key or chain the TLS stack
 * cannot use would otherwise be "rejected" by every client for a reason
 * that has nothing to do with validation, and a rejection must prove
 * something.
 */
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { ServerObservation } from './farm.ts';
import type { LimboCase } from './limbo-plan.ts';

/** A server that has not completed the self-test handshake in this long cannot serve the vector. */
export const LIMBO_SELF_TEST_TIMEOUT_MS = 5_000;
/**
 * Limbo vectors carry weak keys and old signatures on purpose: the server
 * loads and offers anything (OpenSSL security level 0), so that the client,
 * not the server, decides.
 */
const ANY_CIPHERS = 'DEFAULT:@SECLEVEL=0';
const RESPONSE_BODY = 'certwarden probe: connection accepted\n';

export class LimboUnservable extends Error {}

export interface LimboServer {
  url: string;
  port: number;
  /** The PEM file of the vector's trusted_certs: the client's {ca} for this case. */
  caPath: string;
  seen(): ServerObservation;
  close(): Promise<void>;
}

/** Write the vector's files ({ca}, the served chain) and start its server; throws LimboUnservable when it cannot serve. */
export async function startLimboServer(c: LimboCase, dir: string, index: number): Promise<LimboServer> {
  const t = c.testcase;
  const base = join(dir, String(index).padStart(4, '0'));
  const caPath = `${base}.ca.pem`;
  const chain = [t.peerCertificate, ...t.untrustedIntermediates].map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
  await writeFile(caPath, t.trustedCerts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
  await writeFile(`${base}.chain.pem`, chain);
  const seen: ServerObservation = { handshakes: 0, requests: 0 };
  let server: https.Server;
  try {
    server = https.createServer({ cert: chain, key: t.peerCertificateKey!, ciphers: ANY_CIPHERS }, (req, res) => {
      seen.requests++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(RESPONSE_BODY), connection: 'close' });
      res.end(RESPONSE_BODY);
    });
  } catch (err) {
    throw new LimboUnservable(`the TLS server cannot load the chain or key: ${(err as Error).message}`);
  }
  const sockets = new Set<Socket>();
  let selfTested: (() => void) | undefined;
  let selfTestFailed: ((err: Error) => void) | undefined;
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('error', () => {});
    if (selfTested) {
      selfTested();
      return;
    }
    seen.handshakes++;
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err: Error) => selfTestFailed?.(err));
  server.on('clientError', (_err, s) => s.destroy());
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let serverSide = false;
      let clientSide = false;
      // Both ends must see the handshake complete: in TLS 1.3 the server's side ends with the client's Finished.
      const probe = tls.connect({ host: '127.0.0.1', port, ...(isIP(c.host) === 0 ? { servername: c.host } : {}), rejectUnauthorized: false, ciphers: ANY_CIPHERS });
      const timer = setTimeout(() => {
        probe.destroy();
        reject(new LimboUnservable(`no handshake within ${LIMBO_SELF_TEST_TIMEOUT_MS / 1000} s`));
      }, LIMBO_SELF_TEST_TIMEOUT_MS);
      const done = (): void => {
        if (!serverSide || !clientSide) return;
        clearTimeout(timer);
        probe.destroy();
        resolve();
      };
      selfTested = () => {
        serverSide = true;
        done();
      };
      selfTestFailed = (err) => {
        clearTimeout(timer);
        probe.destroy();
        reject(new LimboUnservable(`the server cannot complete a handshake: ${err.message.trim()}`));
      };
      probe.once('secureConnect', () => {
        clientSide = true;
        done();
      });
      probe.on('error', (err) => {
        clearTimeout(timer);
        reject(new LimboUnservable(`a non-validating client cannot complete a handshake: ${err.message}`));
      });
    });
  } catch (err) {
    await close();
    throw err instanceof LimboUnservable ? err : new LimboUnservable((err as Error).message);
  } finally {
    selfTested = undefined;
    selfTestFailed = undefined;
  }
  return { url: `https://${c.urlHost}:${port}/`, port, caPath, seen: () => ({ ...seen }), close };
}
