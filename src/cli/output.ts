/** Rendering helpers shared by commands: JSON, and text with colour only on a TTY (NO_COLOR honoured). The vocabulary lives in src/core/ so that renderers below cli/ need not import cli/. */
import { writeFile } from 'node:fs/promises';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Io } from '../core/io.ts';
import { toJson } from '../core/json.ts';

export { colorEnabled, palette, type Io, type Palette } from '../core/io.ts';
export { toJson } from '../core/json.ts';

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(`${toJson(value)}\n`);
}

/** Write a rendered report to `--output FILE`; a failure is CW_ERR_IO naming the option and the file. */
export async function writeOutputFile(output: string, text: string): Promise<void> {
  try {
    await writeFile(output, text);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot write --output ${output}: ${(cause as Error).message}`, { cause });
  }
}
