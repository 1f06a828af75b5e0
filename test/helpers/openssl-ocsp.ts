/**
 * Start and stop OpenSSL's own OCSP responder (`openssl ocsp -port`) for
 * interop tests, with an index.txt written from test certificates.
 *
 * index.txt is OpenSSL's CA database: one line per certificate,
 *   status \t expiry \t revocation[,reason] \t serial (hex) \t filename \t subject
 * with status V (valid), R (revoked) or E (expired) and UTCTime stamps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Certificate } from '../../src/x509/certificate.ts';
import { keyPem, tempDir, type TestIdentity } from './pki.ts';

export interface IndexEntry {
  certificate: Certificate;
  status: 'V' | 'R' | 'E';
  revocationTime?: Date;
  /** OpenSSL reason name: keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold... */
  reason?: string;
}

export interface OpensslResponder {
  url: string;
  port: number;
  dir: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

function utcTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** One index.txt line for a certificate. */
export function indexLine(e: IndexEntry): string {
  const revoked = e.status === 'R' ? `${utcTime(e.revocationTime ?? new Date())}${e.reason ? `,${e.reason}` : ''}` : '';
  const subject = `/${e.certificate.subject.split(', ').join('/')}`;
  return [e.status, utcTime(e.certificate.notAfter), revoked, e.certificate.serialHex.toUpperCase(), 'unknown', subject].join('\t');
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Whether something listens on TCP `port` (Linux /proc/net/tcp*, without
 * connecting), or undefined when unknown. With `pid`: whether that process
 * holds the listening socket. freePort() closes the port it found before the
 * server binds it, so another test process may take it in between; the server
 * then fails to bind and exits, and "something listens" alone would send the
 * test to the other process's server.
 */
function listensPerProc(port: number, pid?: number): boolean | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let seen = false;
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    seen = true;
    // local_address is "ADDR:PORT"; state 0A is LISTEN; field 9 is the socket's inode.
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (!seen) return undefined;
  if (inodes.size === 0) return false;
  if (pid === undefined) return true;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true; // cannot look inside the process: the listener is all we know
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // the fd closed meanwhile
    }
  }
  return false;
}

/**
 * Resolve once `port` listens, or reject after `timeoutMs` or if `child` exits.
 * No probe connection is made when /proc is available: `openssl ocsp` serves one
 * connection at a time and a probe that connects and closes without a request
 * wedges it (OpenSSL 3.0). Elsewhere, `ready()` (e.g. a log line) must say so.
 */
export async function waitForPort(port: number, timeoutMs = 10_000, child?: ChildProcess, ready?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    const listening = listensPerProc(port, child?.pid);
    if (listening === true || (listening === undefined && ready?.())) return;
    if (listening === undefined && !ready) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
    }
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface StartResponderOptions {
  /** The CA whose certificates the index describes (-CA). */
  ca: TestIdentity;
  /** The key and certificate that sign responses (-rsigner/-rkey): the CA itself or a delegated responder. */
  signer: TestIdentity;
  entries: IndexEntry[];
  /** -ndays (nextUpdate); default 1. Set 0 to omit nextUpdate. */
  ndays?: number;
  /** Extra command-line arguments (e.g. -resp_key_id, -resp_no_certs). */
  extraArgs?: string[];
}

/** Start `openssl ocsp` as a responder on a free port; stop() kills it and removes its folder. */
export async function startOpensslResponder(o: StartResponderOptions): Promise<OpensslResponder> {
  const tmp = tempDir('certwarden-ocsp-responder-');
  const index = tmp.write('index.txt', o.entries.map(indexLine).join('\n') + (o.entries.length ? '\n' : ''));
  tmp.write('index.txt.attr', 'unique_subject = no\n');
  const caPath = tmp.write('ca.pem', o.ca.certificate.toPem());
  const signerPath = tmp.write('signer.pem', o.signer.certificate.toPem());
  const keyPath = tmp.write('signer.key', keyPem(o.signer.privateKey));
  const port = await freePort();
  const ndays = o.ndays ?? 1;
  const args = ['ocsp', '-index', index, '-port', String(port), '-rsigner', signerPath, '-rkey', keyPath, '-CA', caPath, '-ignore_err', ...(ndays > 0 ? ['-ndays', String(ndays)] : []), ...(o.extraArgs ?? [])];
  const child = spawn('openssl', args, { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, 10_000, child, () => /waiting for OCSP client connections/.test(stderr));
  } catch (err) {
    child.kill('SIGKILL');
    tmp.cleanup();
    throw new Error(`openssl ocsp did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    dir: tmp.dir,
    stderr: () => stderr,
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

/** A TCP server on 127.0.0.1 that accepts connections and never answers (for timeout tests). */
export async function startHangingServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Run `openssl` with arguments; resolves with exit code and output. */
export function runOpenssl(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

