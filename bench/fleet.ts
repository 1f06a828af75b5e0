/**
 * A fleet of loopback TLS endpoints for the scan benchmarks: many Node TLS
 * servers, each on its own port, in one or a few child processes so that
 * the servers' handshake work does not share an event loop with the
 * benchmark that measures the scanner.
 *
 * The parent describes *profiles* (certificate chain, key, staple, client
 * verification) once and says how many endpoints of each it wants; a child
 * gets its share over IPC, listens, and answers with the ports. A child
 * exits when its parent disconnects, so a crashed benchmark leaves nothing
 * behind.
 *
 *   const fleet = await startFleet({ profiles: { good: {...} }, endpoints: [{ profile: 'good', count: 500 }] }, 2);
 *   fleet.endpoints  // [{ profile: 'good', port: 41234 }, ...]
 *   await fleet.stop();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface FleetProfile {
  /** Leaf then intermediates, PEM. */
  certChain: string;
  key: string;
  /** DER OCSP response, base64 (it crosses IPC as JSON). */
  stapleBase64?: string;
  /** Client certificates: `strict` requires one chaining to `clientCa`; `lax` asks and accepts anything or nothing. */
  verify?: 'strict' | 'lax';
  clientCa?: string;
}

export interface FleetSpec {
  profiles: Record<string, FleetProfile>;
  endpoints: { profile: string; count: number }[];
}

export interface FleetEndpoint {
  profile: string;
  port: number;
}

export interface Fleet {
  endpoints: FleetEndpoint[];
  stop: () => Promise<void>;
}

type ChildRequest = { profiles: Record<string, FleetProfile>; endpoints: string[] };
type ChildReply = { ports: number[] } | { error: string };

/** Start the fleet across `processes` children (endpoints dealt round-robin). */
export async function startFleet(spec: FleetSpec, processes = 1): Promise<Fleet> {
  const names = spec.endpoints.flatMap((e) => {
    if (!spec.profiles[e.profile]) throw new Error(`fleet: unknown profile ${e.profile}`);
    return Array.from({ length: e.count }, () => e.profile);
  });
  const shares: string[][] = Array.from({ length: Math.max(1, Math.min(processes, names.length)) }, () => []);
  names.forEach((n, i) => shares[i % shares.length]!.push(n));

  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    const replies = await Promise.all(
      shares.map((share) => {
        const child = fork(fileURLToPath(import.meta.url), ['--fleet-child'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        children.push(child);
        return new Promise<number[]>((resolve, reject) => {
          child.once('message', (m: ChildReply) => ('ports' in m ? resolve(m.ports) : reject(new Error(`fleet child: ${m.error}`))));
          child.once('exit', (code) => reject(new Error(`fleet child exited with ${code} before listening`)));
          child.send({ profiles: spec.profiles, endpoints: share } satisfies ChildRequest);
        });
      }),
    );
    const endpoints = shares.flatMap((share, c) => share.map((profile, i) => ({ profile, port: replies[c]![i]! })));
    return { endpoints, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One TLS server for a profile on a free loopback port. */
async function listen(p: FleetProfile, sockets: Set<Socket>): Promise<number> {
  const server = createServer({
    cert: p.certChain,
    key: p.key,
    ...(p.verify ? { requestCert: true, rejectUnauthorized: p.verify === 'strict' } : {}),
    ...(p.clientCa ? { ca: p.clientCa } : {}),
  });
  if (p.stapleBase64) {
    const staple = Buffer.from(p.stapleBase64, 'base64');
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, done: (err: Error | null, r?: Buffer) => void) => done(null, staple));
  }
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('error', () => {});
    s.end('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
  });
  server.on('tlsClientError', () => {});
  // Port scanners and half-open probes must not kill the child.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function runChild(): Promise<void> {
  const sockets = new Set<Socket>();
  process.once('message', async (req: ChildRequest) => {
    try {
      const ports: number[] = [];
      for (const name of req.endpoints) ports.push(await listen(req.profiles[name]!, sockets));
      process.send!({ ports } satisfies ChildReply);
    } catch (err) {
      process.send!({ error: (err as Error).message } satisfies ChildReply);
      process.exit(1);
    }
  });
  const quit = (): void => {
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.once('disconnect', quit);
  process.once('SIGTERM', quit);
}

if (process.argv.includes('--fleet-child')) void runChild();
