/**
 * The one place where the server launchers start and stop a foreground
 * process: each runs in its own process group so that stop() also ends the
 * workers it forks (nginx, Apache), and readiness is judged by the port
 * listening, never by a probe connection (a single-threaded s_server would
 * spend its one slot on the probe).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, waitForPort } from '../openssl-ocsp.ts';
import { tempDir } from '../pki.ts';

/** What every launcher returns. */
export interface RunningServer {
  /** TCP port on 127.0.0.1. */
  port: number;
  /** The launcher's working folder (configuration, PEM files, logs). */
  dir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
  /** Stop the whole process group and remove `dir`. Safe to call twice. */
  stop: () => Promise<void>;
}

/** Time a server gets to listen; nginx and Apache start in well under a second. */
export const START_TIMEOUT_MS = 10_000;

/** Time a process group gets after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3_000;

export interface LaunchSpec {
  command: string;
  /** Arguments, given the port and the working folder. */
  args: (port: number, dir: string) => string[];
  /** Write the configuration and key material into `dir` before starting. */
  prepare: (port: number, write: (name: string, data: string | Uint8Array) => string, dir: string) => void;
  /** Extra text for start-up errors: e.g. the log file the server writes instead of stderr. */
  diagnostics?: (dir: string) => string;
  prefix?: string;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}

/** Start attempts: a port freePort() found can be taken by another test process before the server binds it. */
const START_ATTEMPTS = 3;

/** Start a server in the foreground on a free loopback port and wait until it listens. */
export async function launch(spec: LaunchSpec): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(spec);
    } catch (err) {
      // Only a server that exited before it listened is retried (on a fresh port): a lost port race.
      if (attempt >= START_ATTEMPTS || !(err instanceof ExitedBeforeListening)) throw err;
    }
  }
}

class ExitedBeforeListening extends Error {}

async function launchOnce(spec: LaunchSpec): Promise<RunningServer> {
  const tmp = tempDir(spec.prefix ?? 'certwarden-server-');
  const port = await freePort();
  try {
    spec.prepare(port, tmp.write, tmp.dir);
  } catch (err) {
    tmp.cleanup();
    throw err;
  }
  const child = spawn(spec.command, spec.args(port, tmp.dir), { cwd: tmp.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => (output += `\nspawn error: ${err.message}`));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // Workers may outlive the master for a moment; make sure none is left.
    killGroup(child, 'SIGKILL');
    tmp.cleanup();
  };

  try {
    await waitForPort(port, START_TIMEOUT_MS, child);
  } catch (err) {
    const extra = spec.diagnostics?.(tmp.dir) ?? '';
    const exitedEarly = child.exitCode !== null;
    await stop();
    const message = `${spec.command} did not start: ${(err as Error).message}\n${output}${extra}`;
    throw exitedEarly ? new ExitedBeforeListening(message) : new Error(message);
  }
  return { port, dir: tmp.dir, output: () => output, stop };
}

/** A log file's text for error messages, or '' when it does not exist. */
export function readLog(path: string): string {
  try {
    return `\n--- ${path}\n${readFileSync(path, 'utf8')}`;
  } catch {
    return '';
  }
}
