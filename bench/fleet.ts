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
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
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
  /**
   * Where each endpoint listens, in the order of `endpoints` expanded (default
   * 127.0.0.1, any free port). A fixed port already taken on that address
   * falls back to a free one there, so a busy shared machine only moves an
   * endpoint, never fails the fleet.
   */
  listen?: { host: string; port: number }[];
}

export interface FleetEndpoint {
  profile: string;
  host: string;
  port: number;
}

export interface FleetOptions {
  /**
   * Open-files limit (soft and hard) for each child: thousands of listeners
   * plus their connections can exceed the usual soft limit of 1,024. The
   * children start under prlimit(1); raising the hard limit needs root
   * (otherwise ask for at most `ulimit -Hn`).
   */
  nofile?: number;
}

export interface Fleet {
  endpoints: FleetEndpoint[];
  stop: () => Promise<void>;
}

type Listen = { host: string; port: number };
type ChildRequest = { profiles: Record<string, FleetProfile>; endpoints: string[]; listen: Listen[] };
type ChildReply = { ports: number[] } | { error: string };

/** Start the fleet across `processes` children (endpoints dealt round-robin). */
export async function startFleet(spec: FleetSpec, processes = 1, options: FleetOptions = {}): Promise<Fleet> {
  const names = spec.endpoints.flatMap((e) => {
    if (!spec.profiles[e.profile]) throw new Error(`fleet: unknown profile ${e.profile}`);
    return Array.from({ length: e.count }, () => e.profile);
  });
  if (spec.listen && spec.listen.length !== names.length) throw new Error(`fleet: ${spec.listen.length} listen addresses for ${names.length} endpoints`);
  const binds = spec.listen ?? names.map(() => ({ host: '127.0.0.1', port: 0 }));
  const shares: string[][] = Array.from({ length: Math.max(1, Math.min(processes, names.length)) }, () => []);
  const shareBinds: Listen[][] = shares.map(() => []);
  names.forEach((n, i) => {
    shares[i % shares.length]!.push(n);
    shareBinds[i % shares.length]!.push(binds[i]!);
  });
  const forkOptions = options.nofile ? { execPath: 'prlimit', execArgv: [`--nofile=${options.nofile}:${options.nofile}`, '--', process.execPath, ...process.execArgv] } : {};

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
      shares.map((share, c) => {
        const child = fork(fileURLToPath(import.meta.url), ['--fleet-child'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], ...forkOptions });
        children.push(child);
        return new Promise<number[]>((resolve, reject) => {
          child.once('message', (m: ChildReply) => ('ports' in m ? resolve(m.ports) : reject(new Error(`fleet child: ${m.error}`))));
          child.once('exit', (code) => reject(new Error(`fleet child exited with ${code} before listening`)));
          child.once('error', reject); // prlimit missing, or refused the limit
          child.send({ profiles: spec.profiles, endpoints: share, listen: shareBinds[c]! } satisfies ChildRequest);
        });
      }),
    );
    const endpoints = shares.flatMap((share, c) => share.map((profile, i) => ({ profile, host: shareBinds[c]![i]!.host, port: replies[c]![i]! })));
    return { endpoints, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The TLS server of a profile: it listens nowhere; its endpoints' listeners hand it their connections. */
function tlsServerFor(p: FleetProfile): Server {
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
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('error', () => {});
    s.end('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
  });
  server.on('tlsClientError', () => {});
  return server;
}

/**
 * One endpoint: a TCP listener on `at` (a taken fixed port falls back to a
 * free one on the same address) whose connections go to its profile's TLS
 * server, so thousands of endpoints of a profile share one parsed key and
 * chain.
 */
async function listen(tls: Server, at: Listen, sockets: Set<Socket>): Promise<number> {
  const server = createNetServer((s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    tls.emit('connection', s);
  });
  // Port scanners and half-open probes must not kill the child.
  server.on('error', () => {});
  const bind = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await bind(at.port);
  } catch (err) {
    if (at.port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await bind(0);
  }
  return (server.address() as AddressInfo).port;
}

async function runChild(): Promise<void> {
  const sockets = new Set<Socket>();
  process.once('message', async (req: ChildRequest) => {
    try {
      const servers = new Map<string, Server>();
      const serverOf = (name: string): Server => {
        let server = servers.get(name);
        if (!server) servers.set(name, (server = tlsServerFor(req.profiles[name]!)));
        return server;
      };
      const ports: number[] = [];
      for (const [i, name] of req.endpoints.entries()) ports.push(await listen(serverOf(name), req.listen[i]!, sockets));
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
