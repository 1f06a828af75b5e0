/**
 * Shared setup of the incident playbook tests: a real `certwarden ca` home
 * (init and issue through the CLI, as a user runs them) and a real Node TLS
 * server on loopback whose certificate can be swapped while it runs
 * (setSecureContext), the way a reload deploys a new certificate.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { projectRoot } from '../helpers/shared.ts';
import { PASSPHRASE } from '../ca/fixtures.ts';

export { PASSPHRASE };

export interface SwappableServer {
  port: number;
  target: string;
  /** Serve another certificate from now on (as a reload does). */
  swap: (certChainPem: string, keyPem: string) => void;
  stop: () => Promise<void>;
}

export async function startSwappable(certChainPem: string, keyPem: string): Promise<SwappableServer> {
  const server: Server = createServer({ cert: certChainPem, key: keyPem });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.end('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    target: `127.0.0.1:${port}`,
    swap: (cert, key) => server.setSecureContext({ cert, key }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface CaHome {
  dir: string;
  env: Record<string, string>;
  cli: (args: string[]) => Promise<CliResult>;
  /** Issue a server certificate through `ca issue`; returns the file prefix and serial. */
  issue: (name: string, sans: string[]) => Promise<{ prefix: string; serial: string; chain: string; key: string }>;
}

/** `certwarden ca init` in `dir` (a CRL URL on a closed loopback port: nothing is fetched in these tests). */
export async function initCa(dir: string, name = 'Incident'): Promise<CaHome> {
  const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: dir };
  const cli = (args: string[]): Promise<CliResult> => runCli(args, env);
  const init = await cli(['ca', 'init', '--name', name, '--crl-url', 'http://127.0.0.1:9/ca.crl']);
  if (init.code !== 0) throw new Error(`ca init failed: ${init.stderr}`);
  return {
    dir,
    env,
    cli,
    issue: async (prefixName, sans) => {
      const prefix = join(dir, '..', prefixName);
      const r = await cli(['ca', 'issue', '--profile', 'server', ...sans.flatMap((s) => ['--san', s]), '--out', prefix, '--format', 'json']);
      if (r.code !== 0) throw new Error(`ca issue failed: ${r.stderr}`);
      return { prefix, serial: (JSON.parse(r.stdout) as { serial: string }).serial, chain: readFileSync(`${prefix}.chain.pem`, 'utf8'), key: readFileSync(`${prefix}.key`, 'utf8') };
    },
  };
}

export function writeTargets(path: string, targets: string[]): string {
  writeFileSync(path, `# fleet\n${targets.join('\n')}\n`);
  return path;
}

/**
 * Run the CLI and call `onStderr` with each stderr chunk as it arrives (the
 * --until-clean tests act between sweeps).
 */
export function runCliStreaming(args: string[], env: Record<string, string>, onStderr: (text: string) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
