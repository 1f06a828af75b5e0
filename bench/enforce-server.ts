/**
 * Server side of bench/enforce.ts, one process per server so the servers
 * never share an event loop with each other or with the load generator.
 *
 * Kinds:
 *  - `https`: Node https server answering 200 "ok" (client overhead bench);
 *  - `tls-bare`: Node tls server, no OCSPRequest handler (sends no staple);
 *  - `tls-static`: the same server with a trivial handler that answers every
 *    OCSPRequest with the same fixed bytes: the cost of stapling itself in Node;
 *  - `tls-stapler`: the same server with createStapler attached.
 *
 * Answers `{ cmd: 'cpu' }` with its own CPU time, so the orchestrator can
 * charge server CPU per handshake independently of which side is the
 * bottleneck.
 */
import https from 'node:https';
import tls from 'node:tls';
import { createStapler } from '../src/tls/stapler.ts';

export type ServerKind = 'https' | 'tls-bare' | 'tls-static' | 'tls-stapler';

export interface ServeMessage {
  kind: ServerKind;
  key: string;
  /** Leaf then issuer, PEM. */
  cert: string;
  /** The fixed response for `tls-static`, base64 DER. */
  staple?: string;
}

let connections = 0;

async function serve(msg: ServeMessage): Promise<number> {
  if (msg.kind === 'https') {
    const server = https.createServer({ key: msg.key, cert: msg.cert, keepAlive: false }, (_q, r) => r.end('ok'));
    server.on('secureConnection', () => connections++);
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', 511, r));
    return (server.address() as { port: number }).port;
  }
  const server = tls.createServer({ key: msg.key, cert: msg.cert }, (s) => {
    connections++;
    s.on('error', () => {});
    s.end();
  });
  server.on('tlsClientError', () => {});
  if (msg.kind === 'tls-static') {
    const der = Buffer.from(msg.staple ?? '', 'base64');
    server.on('OCSPRequest', (_certificate: Buffer, _issuer: Buffer, callback: (err: Error | null, response?: Buffer) => void) => callback(null, der));
  } else if (msg.kind === 'tls-stapler') {
    const stapler = createStapler({ certificates: [{ certificate: msg.cert }] });
    await stapler.ready();
    stapler.attach(server);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 511, r));
  return (server.address() as { port: number }).port;
}

process.on('message', (m: ServeMessage | { cmd: 'cpu' }) => {
  if ('cmd' in m) {
    const u = process.cpuUsage();
    process.send!({ cpuUs: u.user + u.system, connections });
    return;
  }
  serve(m).then(
    (port) => process.send!({ port }),
    (err: Error) => process.send!({ error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
