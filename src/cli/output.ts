/** Rendering helpers shared by commands: JSON, and text with colour only on a TTY (NO_COLOR honoured). The vocabulary lives in src/core/ so that renderers below cli/ need not import cli/. */
import type { Io } from '../core/io.ts';
import { toJson } from '../core/json.ts';

export { colorEnabled, palette, type Io, type Palette } from '../core/io.ts';
export { toJson } from '../core/json.ts';

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${toJson(value)}\n`);
}
