/**
 * The policy's `expiry:` section: how close to its end a certificate, a
 * stapled OCSP response or a CRL may come before a scan warns or fails.
 *
 *   expiry:
 *     leaf:   { warn: 30d, fail: 7d }
 *     chain:  { warn: 60d, fail: 14d }
 *     staple: { warn: 25% }     # or a duration, e.g. 1d
 *     crl:    { warn: 25% }
 *
 * Certificates get fixed durations (renewal is planned in days). A staple or
 * a CRL is judged against its own validity window (thisUpdate to nextUpdate),
 * because those windows range from hours to weeks: a percentage says "less
 * than this share of the window is left", a duration says "less than this
 * much time is left".
 */
import { formatDuration, parseDuration } from './values.ts';
import type { ExpirySettings, ExpiryWindows, RemainingWindow } from './types.ts';

const DAY = 86_400_000;

export const DEFAULT_EXPIRY: ExpirySettings = {
  /**
   * certbot and most ACME clients renew 30 days before expiry (Let's Encrypt
   * integration guide), so a leaf inside 30 days has missed its renewal; at 7
   * days there is barely time for a manual replacement.
   */
  leaf: { warnMs: 30 * DAY, failMs: 7 * DAY },
  /**
   * Replacing an intermediate or an anchor means redeploying every chain file
   * or trust store that carries it, which takes longer than one leaf renewal.
   */
  chain: { warnMs: 60 * DAY, failMs: 14 * DAY },
  /**
   * Servers should refresh a staple about halfway through its validity
   * window (certmagic does; RFC 5019 §6.1 caching guidance keys on
   * nextUpdate). With under a quarter left, at least one refresh was missed.
   */
  staple: { fraction: 0.25 },
  /** Same reasoning for the CA's CRL publication (RFC 5280 §5.1.2.5: a new CRL is issued before nextUpdate). */
  crl: { fraction: 0.25 },
};

/** Longest window accepted: longer than any certificate lifetime a policy should plan for (ten years). */
export const MAX_EXPIRY_WINDOW_MS = 3650 * DAY;

type Obj = Record<string, unknown>;
/** Reports a problem at a path below `expiry`. */
export type ExpiryProblem = (path: Array<string>, message: string) => void;

function duration(raw: unknown, where: string, report: () => (m: string) => void): number | undefined {
  const p = parseDuration(raw);
  if (!p.ok) {
    report()(`${where} ${p.problem}`);
    return undefined;
  }
  if (p.value > MAX_EXPIRY_WINDOW_MS) {
    report()(`${where} must be at most ${formatDuration(MAX_EXPIRY_WINDOW_MS)} (got ${JSON.stringify(raw)})`);
    return undefined;
  }
  return p.value;
}

function readCertificateWindows(obj: Obj | undefined, key: 'leaf' | 'chain', problem: ExpiryProblem): ExpiryWindows {
  const base = DEFAULT_EXPIRY[key];
  if (!obj) return base;
  const at = (k: string) => () => (m: string) => problem([key, k], m);
  const warnMs = 'warn' in obj ? duration(obj.warn, `expiry.${key}.warn`, at('warn')) ?? base.warnMs : base.warnMs;
  const failMs = 'fail' in obj ? duration(obj.fail, `expiry.${key}.fail`, at('fail')) ?? base.failMs : base.failMs;
  if (failMs > warnMs) problem([key, 'fail'], `expiry.${key}.fail (${formatDuration(failMs)}) must not be longer than expiry.${key}.warn (${formatDuration(warnMs)}): the fail window lies inside the warn window`);
  return { warnMs, failMs };
}

/** `25%` → 0.25 (1% to 99%). */
export function parsePercent(raw: string): number | undefined {
  const m = /^([1-9][0-9]?)%$/.exec(raw);
  return m ? Number(m[1]) / 100 : undefined;
}

function readRemaining(obj: Obj | undefined, key: 'staple' | 'crl', problem: ExpiryProblem): RemainingWindow {
  const base = DEFAULT_EXPIRY[key];
  if (!obj || !('warn' in obj)) return base;
  const raw = obj.warn;
  if (typeof raw === 'string' && raw.endsWith('%')) {
    const fraction = parsePercent(raw);
    if (fraction === undefined) {
      problem([key, 'warn'], `expiry.${key}.warn must be a percentage from 1% to 99% of the validity window, or a duration (got ${JSON.stringify(raw)})`);
      return base;
    }
    return { fraction };
  }
  const ms = duration(raw, `expiry.${key}.warn`, () => (m) => problem([key, 'warn'], m));
  return ms === undefined ? base : { ms };
}

/** Normalise `expiry:` (absent keys take {@link DEFAULT_EXPIRY}). */
export function readExpiry(raw: Obj | undefined, problem: ExpiryProblem): ExpirySettings {
  if (!raw) return DEFAULT_EXPIRY;
  return {
    leaf: readCertificateWindows(raw.leaf as Obj | undefined, 'leaf', problem),
    chain: readCertificateWindows(raw.chain as Obj | undefined, 'chain', problem),
    staple: readRemaining(raw.staple as Obj | undefined, 'staple', problem),
    crl: readRemaining(raw.crl as Obj | undefined, 'crl', problem),
  };
}

/** Whether a response valid from `thisUpdate` to `nextUpdate` has less than `w` left at `at`. */
export function insideRemainingWindow(w: RemainingWindow, thisUpdate: Date, nextUpdate: Date, at: Date): boolean {
  const left = nextUpdate.getTime() - at.getTime();
  if (left <= 0) return false; // already expired: that is the stale finding's business
  const limit = 'ms' in w ? w.ms : (nextUpdate.getTime() - thisUpdate.getTime()) * w.fraction;
  return left < limit;
}

/** How a remaining window reads in a finding. */
export function describeRemainingWindow(w: RemainingWindow): string {
  return 'ms' in w ? formatDuration(w.ms) : `${Math.round(w.fraction * 100)}% of its validity window`;
}
