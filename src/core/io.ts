/**
 * The streams and environment a command writes to, and the colour palette
 * they allow: colour only on a TTY, NO_COLOR honoured, FORCE_COLOR obeyed.
 * Low layer: renderers and progress bars use it without depending on cli/.
 */
import type { Writable } from 'node:stream';

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function colorEnabled(io: Io): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}

export interface Palette {
  ok: (s: string) => string;
  bad: (s: string) => string;
  warn: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string): string => s;

/** No colour at all (files, pipes, tests). */
export const PLAIN_PALETTE: Palette = { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain };

export function palette(io: Io): Palette {
  if (!colorEnabled(io)) return PLAIN_PALETTE;
  return { ok: wrap(32, 39), bad: wrap(31, 39), warn: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
