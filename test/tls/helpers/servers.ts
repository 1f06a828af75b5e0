/**
 * Real TLS servers on loopback for the enforcement tests: Node's https server
 * and `openssl s_server`, each counting what reaches it.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TLSSocket } from 'node:tls';
import { keyPem, tempDir, type TestIdentity } from '../../helpers/pki.ts';
import { freePort, waitForPort } from '../../helpers/openssl-ocsp.ts';
import type { Certificate } from '../../../src/x509/certificate.ts';

export interface CountingServer {
  port: number;
  /** HTTP requests whose handler ran. */
  requests: number;
  /** TLS handshakes completed. */
  handshakes: number;
  close(): Promise<void>;
}

/** A Node https server that answers 200 "ok" and counts requests. */
export async function startHttpsServer(identity: TestIdentity, chain: Certificate[] = [], extra: https.ServerOptions = {}): Promise<CountingServer & { server: https.Server }> {
  const state = { port: 0, requests: 0, handshakes: 0 };
  const server = https.createServer({ key: keyPem(identity.privateKey), cert: [identity.certificate, ...chain].map((c) => c.toPem()).join(''), ...extra }, (_req, res) => {
    state.requests++;
    res.end('ok');
  });
  server.on('secureConnection', (_s: TLSSocket) => state.handshakes++);
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export interface OpensslServer {
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * `openssl s_server -www` with the given identity; `staple` is written to a
 * file passed as -status_file (served verbatim to clients that ask).
 */
export async function startOpensslServer(identity: TestIdentity, chain: Certificate[], o: { staple?: Uint8Array; verifyCa?: Certificate[]; extraArgs?: string[] } = {}): Promise<OpensslServer> {
  const tmp = tempDir('certwarden-s-server-');
  const cert = tmp.write('cert.pem', identity.certificate.toPem());
  const key = tmp.write('key.pem', keyPem(identity.privateKey));
  const chainFile = tmp.write('chain.pem', chain.map((c) => c.toPem()).join('') || identity.certificate.toPem());
  const port = await freePort();
  const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-cert_chain', chainFile, '-www', '-naccept', '1000'];
  if (o.staple) args.push('-status_file', tmp.write('staple.der', o.staple));
  if (o.verifyCa) args.push('-Verify', '3', '-CAfile', tmp.write('clientca.pem', o.verifyCa.map((c) => c.toPem()).join('')));
  args.push(...(o.extraArgs ?? []));
  const child: ChildProcess = spawn('openssl', args, { cwd: tmp.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitForPort(port, 10_000, child, () => /ACCEPT/.test(out));
  } catch (err) {
    child.kill('SIGKILL');
    tmp.cleanup();
    throw new Error(`openssl s_server did not start: ${(err as Error).message}\n${out}`);
  }
  return {
    port,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          tmp.cleanup();
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
