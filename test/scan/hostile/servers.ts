/**
 * Hostile servers on 127.0.0.1 for the scanner's robustness suite: raw TCP
 * servers that answer a ClientHello with lying lengths, tarpits (accept and
 * never answer; drip one byte a second), and HTTP endpoints for OCSP/CRL
 * URLs that count requests and hang, drip or send an endless or
 * ReDoS-shaped body. Plus a child-process runner for the CLI with a heap
 * cap and a kill timer, so a regression shows as a failed bound, not a
 * hung test run.
 */
import net from 'node:net';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { projectRoot } from '../../helpers/shared.ts';

export interface Running {
  port: number;
  close(): Promise<void>;
}

/** A TCP server whose connections are all destroyed on close. */
export async function rawServer(onConnection: (socket: net.Socket) => void): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onConnection(s);
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

const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const message = (type: number, body: number[]): number[] => [type, ...u24(body.length), ...body];
const record = (fragment: number[]): Buffer => Buffer.from([0x16, 0x03, 0x03, fragment.length >> 8, fragment.length & 0xff, ...fragment]);

/** ServerHello for TLS 1.2 (ECDHE-RSA-AES128-GCM), no extensions. */
export const SERVER_HELLO = message(2, [0x03, 0x03, ...new Array<number>(32).fill(7), 0, 0xc0, 0x2f, 0]);

/**
 * The red-team flight: ServerHello, then a 13-byte Certificate message whose
 * certificate_list claims 16 MiB, then ServerHelloDone. The old parser built
 * 5.6 M empty certificates from it (34-43 s, 2.1 GB per target).
 */
export function lyingCertificateFlight(): Buffer {
  return record([...SERVER_HELLO, ...message(11, [...u24(0xffffff), ...u24(3), 1, 2, 3]), ...message(14, [])]);
}

/** Answers the first bytes of a ClientHello with `flight`, then keeps the connection open. */
export function lyingServer(flight: Buffer): Promise<Running> {
  return rawServer((s) => s.once('data', () => s.write(flight)));
}

/** Accepts and never answers. */
export function silentTarpit(): Promise<Running> {
  return rawServer(() => {});
}

/** Answers a ClientHello with a plausible record header, then one byte a second, forever. */
export function dripTarpit(): Promise<Running> {
  return rawServer((s) => {
    s.once('data', () => {
      const bytes = record([...SERVER_HELLO, 11, ...u24(8000)]);
      let i = 0;
      const timer = setInterval(() => {
        if (s.destroyed) return clearInterval(timer);
        s.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1));
        i++;
      }, 1_000);
      s.on('close', () => clearInterval(timer));
    });
  });
}

export type HttpMode =
  /** Accept, read the request, never answer. */
  | 'hang'
  /** Status line and headers, then one body byte a second. */
  | 'drip'
  /** An endless body (chunked, no length): only the size cap stops it. */
  | 'endless'
  /** An endless body shaped to make a backtracking PEM regex quadratic: BEGIN lines and no END. */
  | 'redos'
  /** The same shape, 1000 KiB with a Content-Length: under the default OCSP cap (1 MiB), so it reaches the parser. */
  | 'redos-finite';

export interface CountingHttp extends Running {
  /** Requests received, by path. */
  requests: string[];
  /** Connections open now. */
  open(): number;
  url(path: string): string;
}

/** The ReDoS-shaped body: `-----BEGIN X509 CRL-----` repeated with base64-looking filler and no END line. */
export function redosBody(bytes: number): Buffer {
  const unit = '-----BEGIN X509 CRL-----\nAAAA\n';
  return Buffer.from(unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes));
}

/** An HTTP server for OCSP/CRL URLs that counts requests and misbehaves per `mode`. */
export async function hostileHttp(mode: HttpMode, contentType = 'application/pkix-crl'): Promise<CountingHttp> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '/');
    req.resume();
    if (mode === 'hang') return;
    if (mode === 'redos-finite') {
      const body = redosBody(1000 * 1024);
      res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': contentType });
    if (mode === 'drip') {
      const timer = setInterval(() => res.write('0'), 1_000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const chunk = mode === 'redos' ? redosBody(64 * 1024) : Buffer.alloc(64 * 1024, 0x41);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    open: () => sockets.size,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Whether the kill timer had to end it. */
  killed: boolean;
}

/**
 * Run the CLI in a child process with a heap cap (`--max-old-space-size`)
 * and a kill timer: a scan that exceeds either comes back as a failure with
 * the numbers, instead of hanging or exhausting the test machine.
 */
export function runCliBounded(args: string[], o: { heapMb: number; killAfterMs: number }): Promise<ChildRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${o.heapMb}`, join(projectRoot, 'src', 'cli', 'main.ts'), ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, o.killAfterMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, killed });
    });
  });
}
