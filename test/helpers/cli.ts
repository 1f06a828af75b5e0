/** Run the CLI as a user would: a separate process on the project's Node. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './shared.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** An operational error is one line with a stable code, never a stack trace. */
export function assertOneLineError(r: CliResult, code: string): void {
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}: ${r.stderr}${r.stdout}`);
  if (!r.stderr.includes(code)) throw new Error(`expected ${code} in stderr: ${r.stderr}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stack trace leaked: ${r.stderr}`);
}
