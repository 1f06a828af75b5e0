/**
 * CRL publication (RFC 5280 §5): every CRL gets the next cRLNumber from the
 * store (§5.2.3: monotonically increasing, shared by every process that
 * publishes for this CA), thisUpdate/nextUpdate, and per entry the reason
 * code (§5.3.1) and invalidity date (§5.3.2). The publisher keeps the last
 * CRL and re-signs lazily: when a revocation arrived, or when half of its
 * validity has passed, the next request gets a fresh one.
 *
 * On a store with shared CRLs (Postgres) the CRL is one artefact for every
 * server: `refresh` adopts the latest one the store keeps, and signs a new
 * one only under the store's signing lock, after checking there that it is
 * still due (another server may just have signed it). So every server
 * serves the same bytes with the same cRLNumber.
 */
import { signCrl } from '../crl/builder.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import type { CertificateAuthority } from './ca.ts';
import { publishCaEvent } from './events.ts';
import type { StoredCrl } from './store.ts';

/** Default CRL lifetime (nextUpdate - thisUpdate) of `ca crl`, published by hand or from a schedule. */
export const DEFAULT_CRL_VALIDITY_MS = 7 * 86_400_000;
/**
 * Default CRL lifetime of `ca serve`, which re-signs by itself (at half-life
 * and after every revocation): a relying party may cache a CRL until its
 * nextUpdate, so this bounds how long a cached CRL can miss a revocation.
 */
export const SERVED_CRL_VALIDITY_MS = 86_400_000;
/** CRLs are back-dated so peers with a slow clock accept them at once. */
export const CRL_BACKDATE_MS = 60_000;

export interface PublishedCrl {
  der: Buffer;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
}

export class CrlPublisher {
  readonly #ca: CertificateAuthority;
  readonly #validityMs: number;
  #current: PublishedCrl | undefined;
  #dirty = true;
  /** Bumped by markChanged, so a change that arrives while a CRL is being signed is not forgotten. */
  #generation = 0;

  constructor(ca: CertificateAuthority, validityMs = DEFAULT_CRL_VALIDITY_MS) {
    if (!Number.isFinite(validityMs) || validityMs < 60_000) throw new CertwardenError(ErrorCode.USAGE, 'the CRL validity must be at least one minute');
    this.#ca = ca;
    this.#validityMs = validityMs;
  }

  /** Sign a new CRL now, with the next cRLNumber (on a shared store: under its signing lock, and kept there for every server). */
  async publish(now = new Date()): Promise<PublishedCrl> {
    const shared = this.#ca.store.sharedCrls;
    if (!shared) return this.#publishLocal(now);
    return this.#publishShared(now, () => true);
  }

  /**
   * What a server's keeper runs: on a shared store, adopt the latest CRL
   * kept there, then, if still due, sign one under the lock (only if it is
   * due there too); elsewhere, sign when due. Resolves to the CRL signed or
   * adopted by this call, undefined when nothing changed.
   */
  async refresh(now = new Date()): Promise<PublishedCrl | undefined> {
    const shared = this.#ca.store.sharedCrls;
    if (!shared) return this.isDue(now) ? this.#publishLocal(now) : undefined;
    const adopted = this.#adopt(await shared.latest('issuing', this.#current?.number));
    if (!this.isDue(now)) return adopted;
    return this.#publishShared(now, (latest, lastRevocationSeq) => lastRevocationSeq > latest.coversSeq || this.#halfLifePassed(latest, now));
  }

  #halfLifePassed(c: PublishedCrl, now: Date): boolean {
    return now.getTime() - c.thisUpdate.getTime() > this.#validityMs / 2 || c.nextUpdate.getTime() <= now.getTime();
  }

  /** Take a CRL another server signed, if it is newer than ours. */
  #adopt(c: StoredCrl | undefined): PublishedCrl | undefined {
    if (!c || (this.#current && c.number <= this.#current.number)) return undefined;
    this.#current = { der: c.der, number: c.number, thisUpdate: c.thisUpdate, nextUpdate: c.nextUpdate, entries: c.entries };
    return this.#current;
  }

  async #publishShared(now: Date, due: (latest: StoredCrl, lastRevocationSeq: number) => boolean): Promise<PublishedCrl> {
    const generation = this.#generation;
    const { crl, signed } = await this.#ca.store.sharedCrls!.publish('issuing', (latest, seq) => !latest || due(latest, seq), (number) => this.#sign(number, now));
    // Decided under the lock with the store's own view: whatever is kept now covers every revocation committed before it.
    if (this.#generation === generation) this.#dirty = false;
    if (!this.#current || crl.number > this.#current.number) this.#adopt(crl);
    if (signed) publishCaEvent('crlPublished', { scope: 'issuing', crlNumber: crl.number, entries: crl.entries, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate });
    return this.#current!;
  }

  async #sign(number: bigint, now: Date): Promise<Omit<PublishedCrl, 'number'>> {
    const thisUpdate = new Date(Math.floor((now.getTime() - CRL_BACKDATE_MS) / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#validityMs);
    const revoked = await this.#ca.store.revoked();
    const entries = revoked.length;
    const list = (function* () {
      for (const r of revoked) yield { serial: r.serial, revocationDate: r.revokedAt!, ...(r.reason ? { reason: r.reason } : {}), ...(r.invalidityDate ? { invalidityDate: r.invalidityDate } : {}) };
    })();
    const der = await signCrl({ issuer: { certificate: this.#ca.issuing.certificate }, entries: list, thisUpdate, nextUpdate, crlNumber: number }, this.#ca.issuing.signer);
    return { der, thisUpdate, nextUpdate, entries };
  }

  /** This process's own CRL (a store without shared CRLs). */
  async #publishLocal(now: Date): Promise<PublishedCrl> {
    // The number first: a CRL signed later never lists fewer revocations than one with a smaller number.
    const generation = this.#generation;
    const number = await this.#ca.store.nextCrlNumber();
    const signed = await this.#sign(number, now);
    this.#current = { ...signed, number };
    if (this.#generation === generation) this.#dirty = false;
    publishCaEvent('crlPublished', { scope: 'issuing', crlNumber: number, entries: signed.entries, thisUpdate: signed.thisUpdate, nextUpdate: signed.nextUpdate });
    return this.#current;
  }

  /** Something was revoked: the next `current()` re-signs. */
  markChanged(): void {
    this.#generation++;
    this.#dirty = true;
  }

  /** Whether the CRL is the store's shared one (adopted from, and signed into, the store) rather than this process's own. */
  get shared(): boolean {
    return this.#ca.store.sharedCrls !== undefined;
  }

  /** Whether a new CRL is due: none yet, a revocation arrived, or half of its validity has passed. */
  isDue(now = new Date()): boolean {
    const c = this.#current;
    return !c || this.#dirty || now.getTime() - c.thisUpdate.getTime() > this.#validityMs / 2;
  }

  /** The last CRL signed here, without signing anything: what a request path serves. */
  latest(): PublishedCrl | undefined {
    return this.#current;
  }

  /** `publish`, but failing at once with CW_ERR_STORE_BUSY instead of waiting while another process holds the store's write lock. */
  tryPublish(now = new Date()): Promise<PublishedCrl> {
    return this.#ca.store.withoutWaiting(() => this.publish(now));
  }

  /** `refresh`, failing at once with CW_ERR_STORE_BUSY while another process holds the lock (a server's background work). */
  tryRefresh(now = new Date()): Promise<PublishedCrl | undefined> {
    return this.#ca.store.withoutWaiting(() => this.refresh(now));
  }

  /** The CRL to serve, re-signed first when due (may wait for the store's write lock: not for a server's request path, see keepCrlFresh). */
  async current(now = new Date()): Promise<PublishedCrl> {
    return this.isDue(now) ? this.publish(now) : this.#current!;
  }
}

/** How often a serving process looks whether its CRL is due (cheap: a clock comparison). */
export const CRL_CHECK_MS = 1_000;

export interface CrlKeeper {
  /** Look now (after a revocation) rather than at the next check. */
  kick(): void;
  stop(): void;
}

/**
 * Keep `crl` fresh in the background, so that a server's request path only
 * ever serves `crl.latest()` and never waits on the store. Signing needs a
 * cRLNumber, a write: when another process holds the write lock, the attempt
 * fails at once (`tryPublish`), the last CRL stays served, and the next check
 * tries again. Never throws; failures are logged (once per episode).
 */
export function keepCrlFresh(crl: CrlPublisher, o: { log?: (event: Record<string, unknown>) => void; checkMs?: number; store?: string } = {}): CrlKeeper {
  const log = o.log ?? (() => {});
  let deferred = false;
  let kicked: NodeJS.Immediate | undefined;
  let running = false;
  let again = false;
  const tick = async (): Promise<void> => {
    // One publication at a time; a kick during one runs another after it (the revocation may be newer than its read).
    if (running) {
      again = true;
      return;
    }
    // Nothing to do: a clock comparison (a shared store is read, another server may have signed).
    if (!crl.shared && !crl.isDue()) return;
    running = true;
    try {
      // On a shared store, one indexed read that returns the DER only when a newer CRL is kept there.
      const c = await crl.tryRefresh();
      if (c && deferred) log({ event: 'ca_crl_published_after_wait', crlNumber: c.number.toString() });
      if (c || !crl.isDue()) deferred = false;
    } catch (err) {
      const busy = isCertwardenError(err) && err.code === ErrorCode.STORE_BUSY;
      if (busy) publishCaEvent('storeBusy', { task: 'crl', store: o.store ?? '' });
      if (!deferred) log({ event: busy ? 'ca_crl_deferred_store_busy' : 'ca_crl_failed', error: (err as Error).message, retryInMs: o.checkMs ?? CRL_CHECK_MS });
      deferred = true;
    } finally {
      running = false;
      if (again) {
        again = false;
        void tick();
      }
    }
  };
  const timer = setInterval(() => void tick(), o.checkMs ?? CRL_CHECK_MS);
  timer.unref();
  return {
    kick: () => {
      kicked ??= setImmediate(() => {
        kicked = undefined;
        void tick();
      });
    },
    stop: () => {
      clearInterval(timer);
      if (kicked) clearImmediate(kicked);
    },
  };
}
