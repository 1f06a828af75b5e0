/**
 * Cold-cache staple retries: how long the scanner keeps looking for a staple
 * before it reports `staple-missing`.
 *
 * Why retry at all: servers that staple lazily (nginx) fetch their first OCSP
 * response only when a handshake asks for one, so the first handshakes after
 * a start carry no staple although stapling is configured and works. Why the
 * retry is short: that fetch is one HTTP round trip to the responder, and a
 * scanner that sleeps seconds per endpoint without a staple spends a fleet
 * scan waiting. The rules:
 *
 *  - a TLS version retries only while its handshakes carry no staple;
 *  - the first retry comes soon and later ones back off, each wait capped, so
 *    the total wait is bounded ({@link stapleRetryDelays});
 *  - the versions retry side by side, not one after the other;
 *  - once any handshake of the target has carried a staple the server's cache
 *    is warm: a version still without one gets one more handshake at once,
 *    instead of waiting out its schedule, and then its answer stands;
 *  - in replay there is no waiting and no shortcut: the recorded attempts are
 *    walked in order until a staple or the end of the record, which gives
 *    back exactly what the live scan saw.
 *
 * A missing staple is still reported after the last attempt: the retry only
 * decides when to stop looking, never what the answer is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CertwardenError, ErrorCode } from '../errors.ts';

/**
 * Handshakes per TLS version before `staple-missing`: the first one, then
 * retries after 250 and 500 ms (750 ms of waiting in all, the versions side
 * by side). nginx has its first response one responder round trip after the
 * first handshake asked for it: milliseconds on a LAN, typically well under
 * half a second to a public, CDN-fronted responder. A responder slower than
 * that makes a cold nginx look like `staple-missing` (a false alarm, never a
 * false pass); `--staple-attempts 4` waits 1.75 s, 5 waits 3.75 s.
 */
export const DEFAULT_STAPLE_ATTEMPTS = 3;
/** Wait before the first retry: enough for a responder round trip on a LAN, short enough not to matter in a fleet scan. */
export const DEFAULT_STAPLE_RETRY_DELAY_MS = 250;
/** Each further wait is this many times the previous one (a slow responder gets more time, a fast one costs little). */
export const STAPLE_RETRY_BACKOFF = 2;
/**
 * No single wait is longer than this (unless the first delay asked for is):
 * it keeps the total bounded when many attempts are asked for, e.g. 10
 * attempts wait at most 0.25 + 0.5 + 1 + 7 × 2 = 15.75 s, inside the default
 * 30 s target budget.
 */
export const MAX_STAPLE_RETRY_DELAY_MS = 2_000;
/**
 * Looks per version at most: 10 wait at most 15.75 s with the default first
 * delay, inside the default 30 s budget; more only fills a budget with
 * handshakes to a server that plainly does not staple (and the schedule is an
 * array of that length).
 */
export const MAX_STAPLE_ATTEMPTS = 10;
/** The longest first wait a scan accepts (checked with the scan's options, options.ts): a responder that needs more than 10 s makes every scan of the server slow anyway. */
export const MAX_STAPLE_FIRST_DELAY_MS = 10_000;

/**
 * The waits before attempts 1 … attempts-1 (attempt 0 is not delayed), each
 * counted from the start of the previous attempt: the first delay, then ×{@link STAPLE_RETRY_BACKOFF} each time, each capped at
 * {@link MAX_STAPLE_RETRY_DELAY_MS} or the first delay, whichever is longer.
 */
export function stapleRetryDelays(attempts: number, firstDelayMs: number): number[] {
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_STAPLE_ATTEMPTS) throw new CertwardenError(ErrorCode.USAGE, `staple attempts must be a whole number between 1 and ${MAX_STAPLE_ATTEMPTS} (got ${String(attempts)})`);
  if (!Number.isFinite(firstDelayMs) || firstDelayMs < 0) throw new CertwardenError(ErrorCode.USAGE, `the staple retry delay must be a non-negative number of milliseconds (got ${String(firstDelayMs)})`);
  const cap = Math.max(firstDelayMs, MAX_STAPLE_RETRY_DELAY_MS);
  const out: number[] = [];
  for (let i = 1; i < attempts; i++) out.push(Math.min(cap, firstDelayMs * STAPLE_RETRY_BACKOFF ** (i - 1)));
  return out;
}

/** One look for a staple on one TLS version. */
export interface StapleLook {
  /** Whether the version was offered in this attempt (a refused handshake ends the version's attempts). */
  offered: boolean;
  /** The stapled response, base64, if any. */
  staple?: string;
}

/** What the attempts on one version found. */
export interface VersionStaple {
  offered: boolean;
  /** Attempts made (looks that returned an answer). */
  attempts: number;
  staple?: string;
}

export interface StapleRetryOptions {
  attempts: number;
  firstDelayMs: number;
  signal: AbortSignal;
  /** Replay: no waits, no warm-cache shortcut; `look` returns undefined past the recorded attempts. */
  replay: boolean;
}

/** A promise that settles when the cache is known to be warm, with a synchronous flag. */
class Warmth {
  warm = false;
  #wake: Array<() => void> = [];
  set(): void {
    if (this.warm) return;
    this.warm = true;
    for (const w of this.#wake.splice(0)) w();
  }
  /** Wait `ms`, or less if the cache turns warm (or the target's budget runs out) meanwhile. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.warm || ms <= 0 || signal.aborted) return;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#wake.push(onAbort);
    try {
      await sleep(ms, undefined, { signal: stop.signal }).catch(() => {});
    } finally {
      signal.removeEventListener('abort', onAbort);
      const i = this.#wake.indexOf(onAbort);
      if (i >= 0) this.#wake.splice(i, 1);
    }
  }
}

/**
 * Look for a staple on each version, retrying per the rules above. `look`
 * may throw (a connection that cannot be made): the first such failure is
 * rethrown once every version has stopped, so no retry is left running.
 */
export async function observeStaples<V extends string>(versions: readonly V[], look: (version: V, attempt: number) => Promise<StapleLook | undefined>, o: StapleRetryOptions): Promise<Map<V, VersionStaple>> {
  const delays = stapleRetryDelays(o.attempts, o.firstDelayMs);
  const warmth = new Warmth();
  const one = async (version: V): Promise<VersionStaple> => {
    const out: VersionStaple = { offered: false, attempts: 0 };
    let lookStarted = 0;
    for (let attempt = 0; attempt < o.attempts; attempt++) {
      let lastChance = false;
      if (attempt > 0 && !o.replay) {
        lastChance = warmth.warm;
        // Counted from the start of the previous look: a lazy server starts its fetch when that
        // look's ClientHello arrives, not when the scanner has finished reading the answer.
        if (!lastChance) await warmth.wait(delays[attempt - 1]! - (performance.now() - lookStarted), o.signal);
        if (o.signal.aborted) break;
        lastChance ||= warmth.warm;
      }
      lookStarted = performance.now();
      const r = await look(version, attempt);
      if (!r) break;
      out.attempts = attempt + 1;
      if (!r.offered) break;
      out.offered = true;
      if (r.staple) {
        out.staple = r.staple;
        if (!o.replay) warmth.set();
        break;
      }
      if (lastChance) break;
    }
    return out;
  };
  const settled = await Promise.allSettled(versions.map(one));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return new Map(versions.map((v, i) => [v, (settled[i] as PromiseFulfilledResult<VersionStaple>).value]));
}
