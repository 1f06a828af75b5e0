/** A Node TLS server in this process: a fixed staple and optional client-certificate checks. */
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';

export interface NodeTlsOptions {
  /** Leaf then intermediates, PEM. */
  certChain: string;
  key: string;
  /** DER OCSP response stapled when the client asks (status_request). */
  staple?: Uint8Array;
  /** Client certificates: `strict` requires one that chains to `clientCa`; `lax` asks but accepts anything, or nothing. */
  verify?: 'strict' | 'lax';
  clientCa?: string;
  /** ALPN protocols the server accepts; Node refuses any other offer with alert 120 (no_application_protocol). */
  alpn?: string[];
}

export interface NodeTlsServer {
  port: number;
  stop: () => Promise<void>;
}

export async function startNodeTls(o: NodeTlsOptions): Promise<NodeTlsServer> {
  if (o.verify === 'strict' && !o.clientCa) throw new Error('startNodeTls: strict verify needs clientCa');
  const server = createServer({
    cert: o.certChain,
    key: o.key,
    ...(o.verify ? { requestCert: true, rejectUnauthorized: o.verify === 'strict' } : {}),
    ...(o.clientCa ? { ca: o.clientCa } : {}),
    ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
  });
  if (o.staple) {
    const staple = Buffer.from(o.staple);
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (err: Error | null, resp?: Buffer) => void) => done(null, staple));
  }
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('error', () => {});
    s.end('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
