/** A progress bar on stderr, only on a TTY and only when there are enough targets to be worth it. */
import type { Io } from '../core/io.ts';

export const PROGRESS_MIN_TARGETS = 5;
const WIDTH = 30;

export function progressReporter(io: Io, total: number): ((done: number, total: number) => void) | undefined {
  if (io.stderr.isTTY !== true || total < PROGRESS_MIN_TARGETS) return undefined;
  return (done, all) => {
    const filled = Math.round((done / all) * WIDTH);
    io.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${done}/${all}${done === all ? '\n' : ''}`);
  };
}
