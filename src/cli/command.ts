/** The shape every CLI command module exports. */
import type { ExitCode } from './exit-codes.ts';
import type { Io } from './output.ts';

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** Full usage text for `--help`. */
  usage: string;
  run(argv: readonly string[], io: Io): Promise<ExitCode>;
}
