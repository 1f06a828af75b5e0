/**
 * The CA's OCSP responder core (RFC 6960, RFC 5019 profile), transport-free.
 *
 * Responses for every certificate the CA issued are signed ahead of time —
 * at issuance, at revocation, and again once half of their validity window
 * has passed (RFC 5019 §6.3 "pre-produced responses") — and served from
 * memory, so the request path for a known serial does no signing at all.
 * Signing on demand happens only for:
 *  - a request carrying a nonce (RFC 8954): the nonce must be echoed inside
 *    the signed data, so it cannot be pre-signed;
 *  - a serial the CA never issued (answered `unknown`, never `good`);
 *  - a CertID hashed with something other than SHA-1 (RFC 5019 §2.1.1
 *    clients use SHA-1), or a request listing several certificates;
 *  - an expired certificate (not kept pre-signed).
 * Requests about another issuer get `unauthorized` (RFC 6960 §2.3), garbage
 * gets `malformedRequest`; the detail is never sent to the client.
 */
import { createHash } from 'node:crypto';
import { buildErrorResponse, signOcspResponse, type OcspSingleSpec } from '../ocsp/builder.ts';
import { issuerKeyHash, issuerNameHash, certIdHashByOid, type CertIdHash } from '../ocsp/cert-id.ts';
import type { OcspErrorStatus } from '../ocsp/reasons.ts';
import { parseOcspRequest, type ParsedOcspRequest } from '../ocsp/request-parse.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import type { CertificateAuthority } from './ca.ts';
import { publishCaEvent } from './events.ts';
import { ResponderIdentity } from './responder-cert.ts';
import type { IssuedRecord } from './store.ts';

/**
 * Default response validity (nextUpdate - thisUpdate). RFC 5019 §6.3 allows
 * hours to days; a client may believe a response until its nextUpdate, so
 * this is how long a revoked certificate can still pass at a client that
 * fetched (or was stapled) a `good` answer just before the revocation. An
 * internal PKI wants that short: 1 h, re-signed at half-life (every 30 min).
 */
export const DEFAULT_RESPONSE_VALIDITY_MS = 3_600_000;
/** Shorter windows make clients refetch constantly and leave no room for clock skew. */
export const MIN_RESPONSE_VALIDITY_MS = 60_000;
/** Re-sign a pre-produced response once this fraction of its window has passed (certmagic refreshes at half too). */
export const REFRESH_FRACTION = 0.5;
/** Raw-request → serial memo, so repeated identical requests skip parsing; cleared when full. */
export const REQUEST_MEMO_LIMIT = 65_536;

export type OcspAnswerStatus = 'successful' | OcspErrorStatus;

export interface OcspAnswer {
  body: Buffer;
  status: OcspAnswerStatus;
  /** For a cacheable (pre-produced, nonce-free) answer: the RFC 5019 §6 cache headers' inputs. */
  cache?: { thisUpdate: Date; nextUpdate: Date; etag: string };
  /** Whether this answer cost a signature on the request path. */
  signedOnDemand: boolean;
}

export interface OcspResponderOptions {
  responseValidityMs?: number;
  /** Delegated responder certificate lifetime (mode from the CA configuration unless `mode` is given). */
  responderValidityMs?: number;
  mode?: 'delegated' | 'issuer';
  now?: () => Date;
}

interface Entry {
  body: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  etag: string;
}

interface CertState {
  /** The store's change sequence this state reflects: a record seen twice (applied here, then polled) is signed once. */
  seq: number;
  serialBytes: Uint8Array;
  notAfter: Date;
  status: 'good' | 'revoked';
  revokedAt?: Date;
  reason?: IssuedRecord['reason'];
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function serialBytesOf(hex: string): Buffer {
  const b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export class OcspResponder {
  readonly identity: ResponderIdentity;
  readonly responseValidityMs: number;
  /** Counters for tests and metrics: every signature this responder made, and where. */
  readonly stats = { signatures: 0, presigned: 0, onDemand: 0, cacheHits: 0 };
  readonly #ca: CertificateAuthority;
  readonly #now: () => Date;
  readonly #states = new Map<string, CertState>();
  readonly #entries = new Map<string, Entry>();
  readonly #requestMemo = new Map<string, string>();
  #nameHash: Buffer;
  #keyHash: Buffer;

  constructor(ca: CertificateAuthority, o: OcspResponderOptions = {}) {
    this.#ca = ca;
    this.#now = o.now ?? (() => new Date());
    this.responseValidityMs = o.responseValidityMs ?? DEFAULT_RESPONSE_VALIDITY_MS;
    if (!Number.isFinite(this.responseValidityMs) || this.responseValidityMs < MIN_RESPONSE_VALIDITY_MS) throw new CertwardenError(ErrorCode.USAGE, `the OCSP response validity must be at least ${MIN_RESPONSE_VALIDITY_MS / 1000} seconds`);
    this.identity = new ResponderIdentity(ca, o.mode ?? ca.config.responder, o.responderValidityMs);
    // A response must not outlive the delegated certificate that signed it, even just before rotation.
    if (this.identity.mode === 'delegated' && this.responseValidityMs > this.identity.validityMs / 2) {
      throw new CertwardenError(ErrorCode.USAGE, 'the OCSP response validity must be at most half the responder certificate validity');
    }
    this.#nameHash = issuerNameHash(ca.issuing.certificate, 'sha1');
    this.#keyHash = issuerKeyHash(ca.issuing.certificate, 'sha1');
  }

  /** Load every issued certificate from the store and pre-sign its response. */
  async load(): Promise<void> {
    await this.identity.ready(); // issue the first delegated certificate before pre-signing
    await this.apply(await this.#ca.store.list());
  }

  /**
   * Take issuances and revocations into account (from this process or
   * another one) and re-sign their responses. The new state is recorded at
   * once (synchronously), so a later apply always wins over an earlier one
   * whose signature is still under way (see #presign).
   */
  async apply(records: readonly IssuedRecord[]): Promise<void> {
    const now = this.#now();
    const changed: string[] = [];
    for (const r of records) {
      const known = this.#states.get(r.serial);
      if (known && known.seq >= r.seq && r.seq > 0) continue;
      this.#states.set(r.serial, {
        seq: r.seq,
        serialBytes: serialBytesOf(r.serial),
        notAfter: r.notAfter,
        status: r.revokedAt ? 'revoked' : 'good',
        ...(r.revokedAt ? { revokedAt: r.revokedAt, reason: r.reason } : {}),
      });
      // Until its new answer is signed, the old one must not be served (a revoked certificate answered from
      // a stale `good`): the serial is answered on demand, from the new state, meanwhile.
      this.#entries.delete(r.serial);
      changed.push(r.serial);
    }
    for (const serial of changed) await this.#presign(serial, now);
  }

  /** Periodic upkeep: rotate the delegated certificate when due (re-signing everything), refresh responses past half-life. */
  async refresh(): Promise<{ rotated: boolean; resigned: number; rotationDeferred?: boolean }> {
    const now = this.#now();
    let rotated = false;
    let rotationDeferred = false;
    if (this.identity.needsRotation(now)) {
      // Issuing the new certificate writes to the store: never wait for another process's lock here (the
      // server's event loop would stall); the old certificate is still valid, and the next refresh retries.
      try {
        await this.#ca.store.withoutWaiting(() => this.identity.rotate());
        rotated = true;
      } catch (err) {
        if (!(isCertwardenError(err) && err.code === ErrorCode.STORE_BUSY)) throw err;
        rotationDeferred = true;
        publishCaEvent('storeBusy', { task: 'responder-rotation', store: this.#ca.store.description });
      }
    }
    let resigned = 0;
    for (const serial of this.#states.keys()) {
      const e = this.#entries.get(serial);
      if (rotated || !e || now.getTime() - e.thisUpdate.getTime() >= (e.nextUpdate.getTime() - e.thisUpdate.getTime()) * REFRESH_FRACTION) {
        if (await this.#presign(serial, now)) resigned++;
      }
    }
    return { rotated, resigned, ...(rotationDeferred ? { rotationDeferred } : {}) };
  }

  /** How many pre-produced responses are held. */
  get size(): number {
    return this.#entries.size;
  }

  #single(state: CertState | undefined, serialBytes: Uint8Array, hash: CertIdHash, now: Date): OcspSingleSpec {
    const thisUpdate = wholeSeconds(now.getTime());
    // Never promise past the certificate's own expiry (certmagic rejects such staples).
    // (Expired certificates, answered on demand, get the full window.)
    let end = thisUpdate.getTime() + this.responseValidityMs;
    if (state && state.notAfter.getTime() > thisUpdate.getTime()) end = Math.min(end, state.notAfter.getTime());
    // Nor past the delegated certificate that signs it (a rotation deferred by a busy store must not stretch trust).
    if (this.identity.mode === 'delegated') end = Math.min(end, this.identity.signer.certificate.notAfter.getTime());
    const base = { serial: serialBytes, hashAlgorithm: hash, thisUpdate, nextUpdate: wholeSeconds(end) };
    if (!state) return { ...base, status: 'unknown' };
    if (state.status === 'revoked') return { ...base, status: 'revoked', revocationTime: state.revokedAt!, ...(state.reason ? { reason: state.reason } : {}) };
    return { ...base, status: 'good' };
  }

  #sign(singles: OcspSingleSpec[], now: Date, nonce?: Uint8Array): Promise<Buffer> {
    this.stats.signatures++;
    const identity = this.identity.signer;
    return signOcspResponse(
      {
        issuer: this.#ca.issuing.certificate,
        signer: { certificate: identity.certificate },
        responses: singles,
        producedAt: now,
        responderIdByKey: true,
        ...(nonce ? { nonce } : {}),
      },
      identity.signer,
    );
  }

  async #presign(serial: string, now: Date): Promise<boolean> {
    const state = this.#states.get(serial);
    if (!state || state.notAfter.getTime() <= now.getTime()) {
      this.#entries.delete(serial);
      return false;
    }
    const single = this.#single(state, state.serialBytes, 'sha1', now);
    const body = await this.#sign([single], now);
    // A newer state arrived while this one was being signed (a signer that answers later, an HSM or KMS):
    // its own presign stores the newer answer; this one must not overwrite it.
    if (this.#states.get(serial) !== state) return false;
    this.stats.presigned++;
    this.#entries.set(serial, { body, thisUpdate: single.thisUpdate!, nextUpdate: single.nextUpdate!, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
    return true;
  }

  /** Answer one DER OCSPRequest. Never rejects: anything unexpected becomes an OCSP error status. */
  async answer(der: Buffer): Promise<OcspAnswer> {
    return this.respond(der);
  }

  /**
   * `answer` for a server's request path: the answer itself, synchronously,
   * whenever it needs no signature (a pre-signed answer, an error status), so
   * the common case costs no promise at all; a Promise only when the answer is
   * signed on demand (nonce, unknown serial, ...). Never throws or rejects.
   */
  respond(der: Buffer): OcspAnswer | Promise<OcspAnswer> {
    const memoKey = der.length <= 512 ? der.toString('latin1') : undefined;
    if (memoKey !== undefined) {
      const serial = this.#requestMemo.get(memoKey);
      const e = serial === undefined ? undefined : this.#entries.get(serial);
      if (e && e.nextUpdate.getTime() > this.#now().getTime()) {
        this.stats.cacheHits++;
        return { body: e.body, status: 'successful', cache: e, signedOnDemand: false };
      }
    }
    let request: ParsedOcspRequest;
    try {
      request = parseOcspRequest(der);
    } catch {
      return this.#error('malformedRequest');
    }
    try {
      const answer = this.#answerParsed(request, memoKey);
      return answer instanceof Promise ? answer.catch(() => this.#error('internalError')) : answer;
    } catch {
      return this.#error('internalError');
    }
  }

  #error(status: OcspErrorStatus): OcspAnswer {
    return { body: buildErrorResponse(status), status, signedOnDemand: false };
  }

  #answerParsed(request: ParsedOcspRequest, memoKey: string | undefined): OcspAnswer | Promise<OcspAnswer> {
    const now = this.#now();
    for (const id of request.certIds) {
      const hash = certIdHashByOid(id.hashAlgorithmOid);
      // RFC 6960 §2.3: we are authoritative only for our issuing CA.
      if (!hash) return this.#error('unauthorized');
      const nameOk = Buffer.from(id.issuerNameHash).equals(issuerNameHash(this.#ca.issuing.certificate, hash));
      const keyOk = Buffer.from(id.issuerKeyHash).equals(issuerKeyHash(this.#ca.issuing.certificate, hash));
      if (!nameOk || !keyOk) return this.#error('unauthorized');
    }
    const only = request.certIds.length === 1 ? request.certIds[0]! : undefined;
    if (only && !request.nonce && certIdHashByOid(only.hashAlgorithmOid) === 'sha1') {
      const e = this.#entries.get(only.serialHex);
      if (e && e.nextUpdate.getTime() > now.getTime()) {
        if (memoKey !== undefined) {
          if (this.#requestMemo.size >= REQUEST_MEMO_LIMIT) this.#requestMemo.clear();
          this.#requestMemo.set(memoKey, only.serialHex);
        }
        this.stats.cacheHits++;
        return { body: e.body, status: 'successful', cache: e, signedOnDemand: false };
      }
    }
    const singles = request.certIds.map((id) => this.#single(this.#states.get(id.serialHex), id.serialBytes, certIdHashByOid(id.hashAlgorithmOid)!, now));
    return this.#sign(singles, now, request.nonce).then((body): OcspAnswer => {
      this.stats.onDemand++;
      return { body, status: 'successful', signedOnDemand: true };
    });
  }

  /** Whether the SHA-1 issuer hashes match this CA (for callers that pre-filter). */
  isOurs(nameHash: Uint8Array, keyHash: Uint8Array): boolean {
    return this.#nameHash.equals(nameHash) && this.#keyHash.equals(keyHash);
  }
}
