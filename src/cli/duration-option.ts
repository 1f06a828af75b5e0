/** Durations on the command line: a whole number with a unit ("90s", "30m", "1h", "7d"). */
import { CertwardenError, ErrorCode } from '../errors.ts';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Nothing the CA configures lasts longer than its issuing CA (5 years); a bigger number is a typo. */
export const MAX_DURATION_MS = 5 * 366 * 86_400_000;

/** Parse `text` for option `--name`; the unit is required (a bare number is ambiguous between seconds and days). */
export function parseDuration(text: string, name: string): number {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!m || ms <= 0 || ms > MAX_DURATION_MS) throw new CertwardenError(ErrorCode.USAGE, `--${name} must be a positive duration with a unit, e.g. 90s, 30m, 1h, 7d (got "${text}")`);
  return ms;
}

/** "1h", "30m", "7d": the largest whole unit, for messages and logs. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
