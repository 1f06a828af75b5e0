/**
 * Caddy: its native JSON configuration is read as a positioned tree
 * (structured.ts). A Caddyfile is turned into that JSON by Caddy itself
 * (`caddy adapt`, the only complete Caddyfile parser) when the `caddy` binary
 * is installed; JSON from an adapter has no positions, so findings in a
 * Caddyfile point at the line holding the setting's own Caddyfile keyword.
 * Without caddy, or when it cannot adapt the file (it opens the files named
 * by `trusted_ca_cert_file`), the file is a typed error, never a pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MAX_CONFIG_FILE_BYTES, parseError, type Directive } from './model.ts';
import { parseStructured } from './structured.ts';

/** `caddy adapt` of a Caddyfile takes milliseconds; this stops a stuck process. */
export const CADDY_ADAPT_TIMEOUT_MS = 20_000;

export function isCaddyfile(file: string): boolean {
  const name = (file.split('/').pop() ?? '').toLowerCase();
  return name === 'caddyfile' || name.endsWith('.caddyfile') || name.startsWith('caddyfile.');
}

export function parseCaddy(text: string, file: string): Directive[] {
  if (!isCaddyfile(file)) return parseStructured(text, file);
  // caddy adapt reads a path (not a pipe): the text already read (bounded) is handed over in a private
  // temporary copy, so the file cannot change between our read and Caddy's. `import` resolves from the file's folder.
  const dir = mkdtempSync(join(tmpdir(), 'certwarden-caddy-'));
  const copy = join(dir, 'Caddyfile');
  writeFileSync(copy, text, { mode: 0o600 });
  let run;
  try {
    run = spawnSync('caddy', ['adapt', '--adapter', 'caddyfile', '--config', copy], {
    timeout: CADDY_ADAPT_TIMEOUT_MS,
    maxBuffer: MAX_CONFIG_FILE_BYTES * 4,
    cwd: dirname(resolve(file)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/nonexistent' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw parseError(file, 1, code === 'ENOENT' ? 'caddy is not installed: a Caddyfile is read through `caddy adapt` (or give the JSON configuration)' : `caddy adapt did not finish (${code ?? run.error.message})`);
  }
  if (run.status !== 0) {
    const msg = run.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    const line = /(?:line|:)\s*(\d+)/.exec(msg)?.[1];
    throw parseError(file, line ? Math.max(1, Number(line)) : 1, `caddy adapt: ${msg.slice(0, 300)}`);
  }
  const tree = parseStructured(run.stdout.toString('utf8'), file);
  // Adapted JSON lines mean nothing in the Caddyfile: every node starts at line 1 until a rule locates its keyword.
  const stack = [...tree];
  while (stack.length > 0) {
    const d = stack.pop()!;
    d.line = 1;
    d.endLine = 1;
    if (d.children) stack.push(...d.children);
  }
  return tree;
}

/** The first line of a Caddyfile holding `keyword` as a word outside comments (1 when absent). */
export function caddyfileLine(text: string, keyword: RegExp): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => keyword.test(l.replace(/(^|\s)#.*$/, '')));
  return i < 0 ? 1 : i + 1;
}
