/** Exit codes of every certwarden command (a contract). */
export const ExitCode = {
  /** Trusted / good / no finding at or above the threshold. */
  OK: 0,
  /** Rejected / revoked / invalid / findings. */
  REJECTED: 1,
  /** Usage or operational error: the command could not do its job. */
  ERROR: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
