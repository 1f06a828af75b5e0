/**
 * The accepted range of every numeric scan option, checked once, before any
 * connection, for the CLI and the runScan API alike. Out of range is
 * CW_ERR_USAGE with the range in the message: an absurd value must neither
 * overflow a Node timer (setTimeout clamps anything over 2^31-1 ms to 1 ms,
 * so `--timeout 99999999999` became a 1 ms budget) nor allocate in
 * proportion to itself (`--staple-attempts 1000000000` built a 10^9-entry
 * retry schedule and died as an internal error).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
// The staple retries' limits live beside their schedule.
import { MAX_STAPLE_ATTEMPTS, MAX_STAPLE_FIRST_DELAY_MS } from './staple-retry.ts';

export interface OptionLimit {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  unit: 'ms' | 'count';
  /** The CLI flag, when there is one (seconds on the command line for `ms`). */
  flag?: string;
}

/**
 * Largest time budget for one target: an hour is far beyond any handshake,
 * OCSP or CRL fetch, and far below setTimeout's 2^31-1 ms ceiling.
 */
export const MAX_TARGET_TIMEOUT_MS = 3_600_000;
/** Smallest budget: below 100 ms not even a loopback handshake with its staple retries completes. */
export const MIN_TARGET_TIMEOUT_MS = 100;
/** Targets at once: each holds up to 4 TLS connections plus a fetch; 1,000 × 5 sockets is already past common open-file limits. */
export const MAX_CONCURRENCY = 1_000;
/** Connections to one endpoint at once: more is a load test, not a scan. */
export const MAX_CONNECTIONS_PER_ENDPOINT = 64;
/** How long a client-auth probe may watch a finished handshake: 30 s is ample for any post-Finished alert. */
export const MAX_CLIENT_AUTH_SETTLE_MS = 30_000;

export const SCAN_OPTION_LIMITS = {
  concurrency: { min: 1, max: MAX_CONCURRENCY, integer: true, unit: 'count', flag: '--concurrency' },
  targetTimeoutMs: { min: MIN_TARGET_TIMEOUT_MS, max: MAX_TARGET_TIMEOUT_MS, integer: false, unit: 'ms', flag: '--timeout' },
  connectionsPerEndpoint: { min: 1, max: MAX_CONNECTIONS_PER_ENDPOINT, integer: true, unit: 'count' },
  connectTimeoutMs: { min: MIN_TARGET_TIMEOUT_MS, max: MAX_TARGET_TIMEOUT_MS, integer: false, unit: 'ms' },
  stapleAttempts: { min: 1, max: MAX_STAPLE_ATTEMPTS, integer: true, unit: 'count', flag: '--staple-attempts' },
  stapleRetryDelayMs: { min: 0, max: MAX_STAPLE_FIRST_DELAY_MS, integer: false, unit: 'ms', flag: '--staple-retry-delay' },
  clientAuthSettleMs: { min: 0, max: MAX_CLIENT_AUTH_SETTLE_MS, integer: false, unit: 'ms' },
} as const satisfies Record<string, OptionLimit>;

export type ScanOptionName = keyof typeof SCAN_OPTION_LIMITS;

/** "between 1 and 10" (counts) or "between 0.1 and 3600 seconds" (times, as the CLI takes them). */
function range(l: OptionLimit, seconds: boolean): string {
  if (l.unit === 'ms' && seconds) return `between ${l.min / 1000} and ${l.max / 1000} seconds`;
  return `between ${l.min} and ${l.max}${l.unit === 'ms' ? ' ms' : ''}`;
}

/** Check an API value (ms for times); throws CW_ERR_USAGE naming the range. */
export function checkOption(name: ScanOptionName, value: number | undefined): void {
  if (value === undefined) return;
  const l: OptionLimit = SCAN_OPTION_LIMITS[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < l.min || value > l.max) {
    throw new CertwardenError(ErrorCode.USAGE, `${name} must be ${range(l, false)} (got ${String(value)})`);
  }
  if (l.integer && !Number.isInteger(value)) throw new CertwardenError(ErrorCode.USAGE, `${name} must be a whole number ${range(l, false)} (got ${String(value)})`);
}

/**
 * Parse a CLI value for `name`: a whole number for counts, plain decimal
 * seconds for times (no exponents, no signs), returned in the API's unit.
 */
export function parseOptionText(name: ScanOptionName, text: string): number {
  const l: OptionLimit = SCAN_OPTION_LIMITS[name];
  const flag = l.flag ?? name;
  const seconds = l.unit === 'ms';
  if (seconds ? !/^\d{1,12}(\.\d{1,6})?$/.test(text) : !/^\d{1,12}$/.test(text)) {
    throw new CertwardenError(ErrorCode.USAGE, `${flag} must be ${seconds ? 'a number of seconds' : 'a whole number'} ${range(l, true)} (got "${text}")`);
  }
  const value = seconds ? Math.round(Number(text) * 1000) : Number(text);
  if (value < l.min || value > l.max) throw new CertwardenError(ErrorCode.USAGE, `${flag} must be ${range(l, true)} (got "${text}")`);
  return value;
}
