/**
 * OCSP stapling for Node TLS servers (RFC 6066 §8, RFC 6961 not needed:
 * TLS 1.3 carries the leaf's status in its CertificateEntry, which Node
 * fills from the same 'OCSPRequest' callback).
 *
 * Rules, after Caddy's certmagic:
 *  - fetch before the server listens (`await stapler.ready()`); a Must-Staple
 *    certificate (RFC 7633) without a valid staple makes ready() reject, and
 *    a handshake that would serve it without one is aborted;
 *  - answer 'OCSPRequest' from memory only; the network is never touched
 *    inside a handshake;
 *  - refresh about halfway through the validity window, with jitter (so a
 *    fleet does not stampede the responder) and exponential backoff on
 *    failure;
 *  - staple only a response that verifyOcspResponse calls `good` and that is
 *    before its nextUpdate and younger than max-staleness (from thisUpdate:
 *    the bound clients apply), refreshing at half of that window; keep stapling the last good one while the
 *    responder is down, until that nextUpdate, then staple nothing;
 *  - on `revoked`: stop stapling, emit 'revoked' and call `onRevoked` (the
 *    certificate needs replacing; stapling a revoked status helps no one);
 *  - persist accepted responses and re-verify them on load;
 *  - background work never throws: it emits events ('fetched', 'revoked',
 *    'refresh-failed', 'expired', 'rejected-response', 'persist-failed') and
 *    publishes on the `certwarden:staple` channel.
 * The clock, the timers and the jitter source are injectable for tests.
 */
import { EventEmitter } from 'node:events';
import type { Server as TlsServer } from 'node:tls';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { assertSupportedNode } from '../util/runtime.ts';
import { Certificate } from '../x509/certificate.ts';
import { queryOcsp, DEFAULT_OCSP_TIMEOUT_MS } from '../ocsp/fetch.ts';
import { verifyOcspResponse, type OcspVerification } from '../ocsp/verify.ts';
import { UNREACHABLE_CODES } from '../revocation/checker.ts';
import { DEFAULTS } from '../policy/defaults.ts';
import { emptyStaplerStats, publishStaple, type StapleEventKind, type StapleMessage, type StaplerStats } from './diagnostics.ts';
import { FileStapleStorage, type StapleStorage } from './stapler-storage.ts';

/** certmagic refreshes at half the validity window: enough time to retry before the staple goes stale. */
export const REFRESH_AT_FRACTION = 0.5;
/** Jitter as a fraction of the window (± this / 2), so restarts do not synchronise a fleet. */
export const REFRESH_JITTER_FRACTION = 0.1;
/** Never poll a responder more often than this, whatever its windows say. */
export const MIN_REFRESH_DELAY_MS = 60_000;
/** Backoff after failures: 1 min doubling up to 1 h. */
export const RETRY_MIN_MS = 60_000;
export const RETRY_MAX_MS = 3_600_000;
/** RFC 6960 responses are small; certmagic caps staples too. */
export const MAX_STAPLE_BYTES = 64 * 1024;

export interface StaplerCertificate {
  /** The served certificate (parsed, or PEM: leaf first, then its issuer). */
  certificate: Certificate | string;
  /** Its issuer; default the second certificate of the PEM. */
  issuer?: Certificate | string;
  /** Responder URL; default the certificate's AIA OCSP URL. */
  responderUrl?: string;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface StaplerOptions {
  certificates: StaplerCertificate[];
  /** Persist responses in this folder (see FileStapleStorage). */
  dir?: string;
  /** Or any storage. */
  storage?: StapleStorage;
  /** Called when a responder says a certificate is revoked. Must not throw. */
  onRevoked?: (event: { certificate: Certificate; verification: OcspVerification }) => void;
  timeoutMs?: number;
  /**
   * Never staple a response whose thisUpdate is older than this (policy
   * `revocation.max-staleness`; clients with that bound would not believe it).
   * The refresh is scheduled at half of the window this leaves, so a fresh
   * staple is fetched before. Default: the policy default (1 h).
   */
  maxStalenessMs?: number;
  now?: () => number;
  timers?: Timers;
  /** Uniform [0, 1) source for jitter; default Math.random. */
  random?: () => number;
}

interface Good {
  der: Buffer;
  thisUpdate: number;
  /** Usable until: the earliest of the response's nextUpdate, the certificate's notAfter and thisUpdate + max-staleness. */
  nextUpdate: number;
}

interface Entry {
  certificate: Certificate;
  /** The certificate's DER, compared byte for byte with the one OpenSSL serves (no hashing per handshake). */
  der: Buffer;
  issuer: Certificate;
  url?: string;
  name: string;
  mustStaple: boolean;
  good?: Good;
  failures: number;
  timer?: unknown;
  inflight?: Promise<void>;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function toCertificates(value: Certificate | string, what: string): Certificate[] {
  if (value instanceof Certificate) return [value];
  try {
    return Certificate.parseAll(value);
  } catch (cause) {
    throw new CertwardenError(ErrorCode.USAGE, `${what}: ${(cause as Error).message}`, { cause });
  }
}

export class Stapler extends EventEmitter {
  readonly #entries: Entry[];
  readonly #byFingerprint = new Map<string, Entry>();
  /** Entries by DER length: the handshake lookup is a length probe plus a memcmp, not a SHA-256. */
  readonly #byLength = new Map<number, Entry[]>();
  readonly #storage: StapleStorage | undefined;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #maxStalenessMs: number;
  readonly #onRevoked: StaplerOptions['onRevoked'];
  readonly #stats = emptyStaplerStats();
  #closed = false;
  #ready: Promise<void> | undefined;

  constructor(options: StaplerOptions) {
    super();
    assertSupportedNode();
    if (!options || !Array.isArray(options.certificates) || options.certificates.length === 0) throw new CertwardenError(ErrorCode.USAGE, 'createStapler needs { certificates: [{ certificate, issuer? }, ...] }');
    if (options.dir !== undefined && options.storage !== undefined) throw new CertwardenError(ErrorCode.USAGE, 'give either dir or storage, not both');
    if (options.onRevoked !== undefined && typeof options.onRevoked !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'onRevoked must be a function');
    if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) throw new CertwardenError(ErrorCode.USAGE, 'timeoutMs must be a positive number');
    if (options.maxStalenessMs !== undefined && !(Number.isFinite(options.maxStalenessMs) && options.maxStalenessMs > 0)) throw new CertwardenError(ErrorCode.USAGE, 'maxStalenessMs must be a positive number of milliseconds');
    this.#maxStalenessMs = options.maxStalenessMs ?? DEFAULTS.revocation.maxStalenessMs;
    this.#storage = options.storage ?? (options.dir !== undefined ? new FileStapleStorage(options.dir) : undefined);
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS;
    this.#onRevoked = options.onRevoked;
    this.#entries = options.certificates.map((c, i) => {
      const chain = toCertificates(c.certificate, `certificates[${i}].certificate`);
      const certificate = chain[0];
      const issuer = c.issuer !== undefined ? toCertificates(c.issuer, `certificates[${i}].issuer`)[0] : chain[1];
      if (!certificate || !issuer) throw new CertwardenError(ErrorCode.USAGE, `certificates[${i}]: need the certificate and its issuer (give issuer, or a PEM with the issuer second)`);
      const url = c.responderUrl ?? certificate.ocspUrls[0];
      if (!url) throw new CertwardenError(ErrorCode.USAGE, `certificates[${i}] (${certificate.subject}) names no OCSP responder: give responderUrl`);
      let mustStaple = true;
      try {
        mustStaple = certificate.mustStaple;
      } catch {
        // Malformed TLS Feature: the strictest reading.
      }
      const e: Entry = { certificate, der: Buffer.from(certificate.der), issuer, url, name: certificate.fingerprint256, mustStaple, failures: 0 };
      if (!this.#byFingerprint.has(e.name)) {
        this.#byFingerprint.set(e.name, e);
        const sameLength = this.#byLength.get(e.der.length);
        if (sameLength) sameLength.push(e);
        else this.#byLength.set(e.der.length, [e]);
      }
      return e;
    });
  }

  /** Load stored responses, fetch what is missing; rejects when a Must-Staple certificate has no valid staple. Idempotent. */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      await Promise.all(this.#entries.map((e) => this.#load(e)));
      await Promise.all(this.#entries.filter((e) => !this.#fresh(e) || this.#now() >= this.#refreshAt(e.good!)).map((e) => this.#refresh(e)));
      for (const e of this.#entries) if (!e.timer && !e.inflight) this.#schedule(e, this.#fresh(e) ? this.#refreshAt(e.good!) - this.#now() : this.#backoff(e));
      const missing = this.#entries.filter((e) => e.mustStaple && !this.#fresh(e));
      if (missing.length > 0) {
        throw new CertwardenError(ErrorCode.REVOCATION, `no valid OCSP response for Must-Staple certificate(s) ${missing.map((e) => e.certificate.subject).join(', ')}: serving them would fail at every client that honours RFC 7633; check the responder`);
      }
    })();
    return this.#ready;
  }

  /** Staple for the certificate's handshakes. Call after ready(); several servers may share one stapler. */
  attach(server: TlsServer): this {
    if (typeof server?.on !== 'function') throw new CertwardenError(ErrorCode.USAGE, 'attach needs a tls.Server or https.Server');
    // Per handshake: find the served certificate by its bytes, check the staple's freshness, answer. Nothing else.
    server.on('OCSPRequest', (certificate: Buffer, _issuer: Buffer | null, callback: (err: Error | null, response?: Buffer) => void) => {
      const e = this.#entryFor(certificate);
      const der = e && this.#fresh(e) ? e.good!.der : undefined;
      if (der) {
        this.#stats.stapled++;
        return callback(null, der);
      }
      if (e?.mustStaple) {
        // RFC 7633 §4.2.3: the client must refuse this certificate without a staple; fail here, visibly.
        this.#stats.mustStapleAborts++;
        return callback(new CertwardenError(ErrorCode.REVOCATION, `refusing to serve Must-Staple certificate ${e.certificate.subject} without a valid OCSP staple`));
      }
      this.#stats.unstapled++;
      callback(null);
    });
    return this;
  }

  /** The response to staple for a certificate (SHA-256 hex fingerprint), when one is good and fresh. */
  staple(fingerprint: string): Buffer | undefined {
    const e = this.#byFingerprint.get(fingerprint);
    return e && this.#fresh(e) ? e.good!.der : undefined;
  }

  /** The entry whose certificate is exactly these DER bytes. */
  #entryFor(der: Uint8Array | null | undefined): Entry | undefined {
    if (!der) return undefined;
    const candidates = this.#byLength.get(der.length);
    if (!candidates) return undefined;
    for (const e of candidates) if (e.der.equals(der)) return e;
    return undefined;
  }

  /** Refresh every certificate now (e.g. on an operator's signal). */
  async refresh(): Promise<void> {
    await Promise.all(this.#entries.map((e) => this.#refresh(e)));
  }

  /** Resolves when no refresh is running (tests, graceful shutdown). */
  async settled(): Promise<void> {
    while (this.#entries.some((e) => e.inflight)) await Promise.all(this.#entries.map((e) => e.inflight));
  }

  stats(): StaplerStats {
    return { ...this.#stats };
  }

  /** Stop refreshing. Stapling from memory continues until the responses expire. */
  close(): void {
    this.#closed = true;
    for (const e of this.#entries) if (e.timer !== undefined) this.#timers.clearTimeout(e.timer);
  }

  #fresh(e: Entry): boolean {
    return e.good !== undefined && this.#now() < e.good.nextUpdate;
  }

  #refreshAt(g: Good): number {
    const window = g.nextUpdate - g.thisUpdate;
    return g.thisUpdate + window * REFRESH_AT_FRACTION + window * REFRESH_JITTER_FRACTION * (this.#random() - 0.5);
  }

  #backoff(e: Entry): number {
    const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, e.failures - 1));
    return base * (1 + 0.2 * this.#random());
  }

  #schedule(e: Entry, delayMs: number): void {
    if (this.#closed) return;
    if (e.timer !== undefined) this.#timers.clearTimeout(e.timer);
    let delay = Math.max(MIN_REFRESH_DELAY_MS, delayMs);
    // While a good staple is kept, a retry must come before it goes stale.
    if (e.good && this.#fresh(e)) delay = Math.min(delay, Math.max(1, e.good.nextUpdate - this.#now()));
    e.timer = this.#timers.setTimeout(() => {
      e.timer = undefined;
      void this.#refresh(e);
    }, delay);
  }

  #emit(kind: StapleEventKind, e: Entry, extra: Partial<StapleMessage> = {}): void {
    const message: StapleMessage = { kind, certificate: e.name, subject: e.certificate.subject, ...extra };
    publishStaple(message);
    // EventEmitter 'error' semantics are avoided on purpose: no event here can crash the process.
    this.emit(kind, message);
  }

  #verify(e: Entry, der: Uint8Array): OcspVerification {
    return verifyOcspResponse(der, { certificate: e.certificate, issuer: e.issuer, at: new Date(this.#now()) });
  }

  #accept(e: Entry, der: Uint8Array, v: OcspVerification): boolean {
    if (v.status !== 'good' || !v.thisUpdate || !v.nextUpdate || der.length > MAX_STAPLE_BYTES) return false;
    // Never staple past the certificate's own expiry (certmagic does the same check), nor
    // past thisUpdate + max-staleness: `good` field means "usable until", and the refresh
    // comes at half of that window.
    const nextUpdate = Math.min(v.nextUpdate.getTime(), e.certificate.notAfter.getTime(), v.thisUpdate.getTime() + this.#maxStalenessMs);
    if (nextUpdate <= this.#now()) return false;
    e.good = { der: Buffer.from(der), thisUpdate: v.thisUpdate.getTime(), nextUpdate };
    return true;
  }

  async #load(e: Entry): Promise<void> {
    if (!this.#storage) return;
    let der: Uint8Array | undefined;
    try {
      der = await this.#storage.load(e.name);
    } catch (err) {
      this.#emit('persist-failed', e, { reasons: [{ code: 'load-failed', message: (err as Error).message }] });
      return;
    }
    if (!der) return;
    const v = this.#verify(e, der);
    if (this.#accept(e, der, v)) this.#emit('loaded', e, { status: v.status, nextUpdate: new Date(e.good!.nextUpdate) });
    else {
      this.#stats.rejectedResponses++;
      this.#emit('rejected-response', e, { status: v.status, reasons: v.reasons });
    }
  }

  #refresh(e: Entry): Promise<void> {
    e.inflight ??= this.#doRefresh(e)
      .catch((err: unknown) => {
        this.#emit('refresh-failed', e, { reasons: [{ code: 'internal', message: String(err) }] });
      })
      .finally(() => {
        e.inflight = undefined;
      });
    return e.inflight;
  }

  async #doRefresh(e: Entry): Promise<void> {
    const at = new Date(this.#now());
    const r = await queryOcsp({ certificate: e.certificate, issuer: e.issuer, ...(e.url ? { url: e.url } : {}), at, timeoutMs: this.#timeoutMs, maxBytes: MAX_STAPLE_BYTES, keepDer: true });
    const der = r.evidence.find((x) => x.der)?.der;
    if (r.status === 'good' && der && r.verification && this.#accept(e, der, r.verification)) {
      e.failures = 0;
      this.#stats.refreshes++;
      const next = this.#refreshAt(e.good!);
      this.#emit('fetched', e, { status: 'good', nextUpdate: new Date(e.good!.nextUpdate), nextRefresh: new Date(Math.max(next, this.#now() + MIN_REFRESH_DELAY_MS)) });
      this.#schedule(e, next - this.#now());
      if (this.#storage) {
        try {
          await this.#storage.store(e.name, der);
        } catch (err) {
          this.#emit('persist-failed', e, { reasons: [{ code: 'store-failed', message: (err as Error).message }] });
        }
      }
      return;
    }
    if (r.status === 'revoked' && r.verification) {
      e.good = undefined;
      this.#emit('revoked', e, { status: 'revoked', reasons: r.reasons });
      try {
        this.#onRevoked?.({ certificate: e.certificate, verification: r.verification });
      } catch {
        // The hook's failure must not stop the stapler.
      }
      e.failures++;
      this.#schedule(e, this.#backoff(e));
      return;
    }
    // unknown, invalid, unreachable: a failure; keep the last good staple until its nextUpdate.
    e.failures++;
    this.#stats.responderFailures++;
    const unreachable = r.reasons.length > 0 && r.reasons.every((x) => UNREACHABLE_CODES.has(x.code));
    if (!unreachable) this.#stats.rejectedResponses++;
    const reasons = r.status === 'good' ? [...r.reasons, { code: 'staple-older-than-max-staleness', message: `the responder's good answer is already older than maxStalenessMs (${this.#maxStalenessMs} ms) or past its nextUpdate: not stapled` }] : r.reasons;
    this.#emit(unreachable ? 'refresh-failed' : 'rejected-response', e, { status: r.status, reasons });
    if (e.good && !this.#fresh(e)) {
      e.good = undefined;
      this.#emit('expired', e, {});
    }
    this.#schedule(e, this.#backoff(e));
  }
}

/**
 * @example
 * const stapler = createStapler({ certificates: [{ certificate: certPem }], dir: '/var/lib/app/ocsp' });
 * await stapler.ready();                  // before listen(): Must-Staple certificates need a staple
 * stapler.attach(server);
 * server.listen(443);
 */
export function createStapler(options: StaplerOptions): Stapler {
  return new Stapler(options);
}
