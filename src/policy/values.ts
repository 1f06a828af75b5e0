/**
 * Parsers for the policy's small value types: durations, pins, dates and host
 * patterns. Each returns a value or a problem string (what to fix), never
 * throws, so the loader can attach the file position.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { DURATION_UNITS_MS } from './defaults.ts';
import type { HostPattern } from './types.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/** "30s", "5m", "2h", "1d", "250ms", or integer seconds → milliseconds. */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) return fail(`must be a whole, non-negative number of seconds (got ${input})`);
    return ok(input * 1000);
  }
  if (typeof input !== 'string') return fail(`must be a duration (got ${typeof input})`);
  const m = /^(0|[1-9][0-9]{0,11})(ms|s|m|h|d)$/.exec(input);
  if (!m) return fail(`must be a duration: integer seconds or a string like "30s", "5m", "2h", "1d" (got ${JSON.stringify(input)})`);
  return ok(Number(m[1]) * DURATION_UNITS_MS[m[2]!]!);
}

/** Format milliseconds the way a policy would write them. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `sha256/<base64>` → the base64 SHA-256, checked to be 32 bytes in canonical base64. */
export function parsePinValue(input: string): Parsed<string> {
  const m = /^sha256\/([A-Za-z0-9+/]{43}=)$/.exec(input);
  if (!m) return fail(`must be "sha256/" followed by 44 base64 characters ending in "=" (got ${JSON.stringify(input)})`);
  const b64 = m[1]!;
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== b64) {
    return fail(`is not canonical base64 of a 32-byte SHA-256 (got ${JSON.stringify(input)}); copy the value printed by \`certwarden pin FILE\``);
  }
  return ok(b64);
}

/** ISO 8601 date ("2026-12-31" = 00:00 UTC) or date-time with zone. */
export function parseExpiry(input: string): Parsed<Date> {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(input);
  if (!m) return fail(`must be an ISO 8601 date like "2026-12-31" or a date-time with zone like "2026-12-31T12:00:00Z" (got ${JSON.stringify(input)})`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  const hh = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const ss = m[6] === undefined ? 0 : Number(m[6]);
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || hh > 23 || mi > 59 || ss > 59) {
    return fail(`is not a calendar date (got ${JSON.stringify(input)})`);
  }
  const date = m[4] === undefined ? probe : new Date(input);
  if (Number.isNaN(date.getTime())) return fail(`is not a valid date-time (got ${JSON.stringify(input)})`);
  return ok(date);
}

/**
 * Normalise a host for matching: lowercase, no trailing dot, IDN to
 * punycode, IPv6 without brackets in canonical (compressed) form.
 */
export function normalizeHost(input: string): { host: string; ip: boolean } {
  let h = input.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && h.length > 1) h = h.slice(0, -1);
  if (isIP(h) === 6) return { host: canonicalIpv6(h), ip: true };
  if (isIP(h) === 4) return { host: h, ip: true };
  const ascii = domainToASCII(h);
  return { host: (ascii || h).toLowerCase(), ip: false };
}

function canonicalIpv6(h: string): string {
  try {
    return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  } catch {
    return h.toLowerCase();
  }
}

/** Parse one `match` pattern. */
export function parseHostPattern(source: string): Parsed<HostPattern> {
  let rest = source.trim();
  let port: number | undefined;
  let hostPart: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail(`has "[" without "]" (got ${JSON.stringify(source)})`);
    hostPart = rest.slice(0, close + 1);
    rest = rest.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return fail(`has text after "]" that is not ":port" (got ${JSON.stringify(source)})`);
    if (rest !== '') port = Number(rest.slice(1));
  } else {
    const colon = rest.lastIndexOf(':');
    hostPart = colon < 0 ? rest : rest.slice(0, colon);
    if (colon >= 0) port = Number(rest.slice(colon + 1));
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    return fail(`has a port outside 1-65535 (got ${JSON.stringify(source)})`);
  }
  let kind: HostPattern['kind'] = 'exact';
  if (hostPart.startsWith('**.')) {
    kind = 'any-depth';
    hostPart = hostPart.slice(3);
  } else if (hostPart.startsWith('*.')) {
    kind = 'one-label';
    hostPart = hostPart.slice(2);
  }
  if (hostPart.includes('*')) return fail(`may only use "*." or "**." at the start (got ${JSON.stringify(source)})`);
  if (hostPart.startsWith('[') && kind !== 'exact') return fail(`cannot put a wildcard on an IP address (got ${JSON.stringify(source)})`);
  const { host, ip } = normalizeHost(hostPart);
  if (hostPart.startsWith('[') && !ip) return fail(`holds something in brackets that is not an IPv6 address (got ${JSON.stringify(source)})`);
  if (ip && kind !== 'exact') return fail(`cannot put a wildcard on an IP address (got ${JSON.stringify(source)})`);
  if (host === '') return fail(`is empty`);
  const pattern: HostPattern = { source, kind, host, ip };
  if (port !== undefined) pattern.port = port;
  return ok(pattern);
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/_/g, '-');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c === w ? 0 : c.startsWith(w) || w.startsWith(c) ? 1 : editDistance(w, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(w.length / 3));
  return bestDistance <= limit ? best : undefined;
}
