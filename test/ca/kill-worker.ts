/**
 * Run a CA worker script and SIGKILL it at a random moment after it printed
 * READY, for the durability tests (SQLite and Postgres). Resolves with the
 * complete lines it printed: only those were acknowledged; a torn last line
 * was not.
 */
import { spawn } from 'node:child_process';

export function runAndKill(script: string, args: readonly string[], maxRunMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && out.includes('READY\n')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * maxRunMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`worker exited on its own: ${err}`));
      resolve(out.split('\n').slice(0, -1).filter((l) => l !== 'READY'));
    });
  });
}
