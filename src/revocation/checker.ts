/**
 * Revocation checking of a validated path: stapled OCSP, then OCSP, then CRL,
 * in the order the policy gives, with hard- or soft-fail.
 *
 * Decisions, in order of precedence, for each certificate checked:
 *  1. A conclusive, authentic answer ends the search: `good`, `revoked`, or
 *     `unknown` (RFC 6960 §2.2: unknown is not good, so it rejects).
 *  2. An answer that is present but cannot be trusted (invalid staple, forged or
 *     stale OCSP response, bad CRL) is final and rejects in both modes: soft-fail
 *     tolerates only sources that could not be *reached*.
 *  3. When no source gave an answer: soft-fail admits the certificate only if at
 *     least one source was unreachable, and marks the result `softFailed`; in
 *     every other case the status is `error`, which rejects.
 * A certificate with Must-Staple (RFC 7633 §4.2.3), or a policy with
 * require-staple, is rejected when the handshake carried no valid staple.
 */
import type { Certificate } from '../x509/certificate.ts';
import type { RevocationSettings } from '../policy/types.ts';
import { verifyOcspResponse, type OcspVerification } from '../ocsp/verify.ts';
import { OcspReason, reason as ocspReason } from '../ocsp/reasons.ts';
import { queryOcsp, type QueryOcspOptions } from '../ocsp/fetch.ts';
import { OcspCache } from '../ocsp/cache.ts';
import { CrlCache, checkCrlViaDistributionPoints } from '../crl/cache.ts';
import type { RevocationEvidence, RevocationResult, RevocationStatus, StatusReason } from '../core/revocation-vocabulary.ts';

/**
 * Reason codes that mean "the source could not be reached" — the only
 * failures soft-fail tolerates. An unsigned tryLater/internalError answer
 * (RFC 6960 §2.3) is no more authentic than a dropped connection, so it
 * counts as unreachable too.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ocsp-fetch-failed',
  'ocsp-fetch-timeout',
  'ocsp-http-status',
  'ocsp-status-try-later',
  'ocsp-status-internal-error',
  'crl-fetch-failed',
]);

/** Codes that mean "this source does not exist for the certificate". */
export const NO_SOURCE_CODES: ReadonlySet<string> = new Set(['ocsp-no-responder-url', 'crl-no-distribution-point']);

export const RevocationCheckReason = {
  STAPLE_MISSING: 'staple-missing',
  MUST_STAPLE_MISSING: 'must-staple-missing',
  STAPLE_INVALID: 'staple-invalid',
  STAPLE_TOO_OLD: 'staple-older-than-max-staleness',
  NO_SOURCE: 'no-revocation-source',
  UNAVAILABLE: 'revocation-unavailable',
  SOFT_FAILED: 'soft-fail-unreachable',
  NOT_APPLICABLE: 'revocation-not-applicable',
  INTERNAL: 'revocation-internal-error',
} as const;

export interface ChainRevocationOptions {
  settings: RevocationSettings;
  at?: Date;
  clockSkewMs?: number;
  /** The OCSP response stapled in the handshake, for the leaf (RFC 6066 §8). */
  staple?: Uint8Array;
  ocspCache?: OcspCache;
  crlCache?: CrlCache;
  /**
   * Accept file: CRL distribution points (never from a network peer's certificate).
   * Applies to the cache created here; a caller-supplied crlCache carries its own fetch options.
   */
  allowFileCrl?: boolean;
  signal?: AbortSignal;
  /** How OCSP requests are sent (default boundedFetch): a caller that counts or records them wraps it. */
  ocspFetch?: QueryOcspOptions['fetch'];
}

export interface CertificateRevocation extends RevocationResult {
  certificate: { subject: string; serial: string; index: number };
  /** Whether this result admits the certificate. */
  accepted: boolean;
}

export interface ChainRevocationResult {
  /** Overall: the worst per-certificate status, or `na` when nothing needed checking. */
  status: RevocationStatus | 'na';
  accepted: boolean;
  softFailed: boolean;
  reasons: StatusReason[];
  certificates: CertificateRevocation[];
  /** Until when the whole verdict may be reused (earliest of the sources' nextUpdate). */
  validUntil?: Date;
}

/** The first byte of a DER OCSPResponse (a SEQUENCE). */
const DER_SEQUENCE_TAG = 0x30;

function notDerStaple(): OcspVerification {
  return { status: 'invalid', reasons: [ocspReason(OcspReason.MALFORMED, 'the stapled OCSP response is not DER (RFC 6066 §8)')] };
}

function reason(code: string, message: string): StatusReason {
  return { code, message };
}

const STATUS_RANK: Record<RevocationStatus, number> = { good: 0, unknown: 2, error: 1, revoked: 3 };

/** Check every certificate the policy asks for on `path` (leaf first, anchor last). */
export async function checkChainRevocation(path: readonly Certificate[], options: ChainRevocationOptions): Promise<ChainRevocationResult> {
  if (path.length < 2) {
    return {
      status: 'na',
      accepted: true,
      softFailed: false,
      reasons: [reason(RevocationCheckReason.NOT_APPLICABLE, 'the certificate is itself a trust anchor (pinned or self-signed): there is no issuer to revoke it; trust ends when it is removed from the policy')],
      certificates: [],
    };
  }
  const last = options.settings.check === 'leaf' ? 1 : path.length - 1;
  const ocspCache = options.ocspCache ?? new OcspCache();
  const crlCache =
    options.crlCache ??
    new CrlCache({
      fetchOptions: { timeoutMs: options.settings.timeouts.crlMs, maxBytes: options.settings.maxResponseBytes.crl, allowFile: options.allowFileCrl === true },
      maxAgeMs: options.settings.maxResponseAgeMs,
      ...(options.clockSkewMs !== undefined ? { clockSkewMs: options.clockSkewMs } : {}),
    });
  const results: CertificateRevocation[] = [];
  for (let i = 0; i < last; i++) {
    // Sequential on purpose: a revoked leaf makes the intermediates moot and saves their fetches.
    const r = await checkOne(path[i]!, path[i + 1]!, i, { ...options, ocspCache, crlCache });
    results.push(r);
    if (!r.accepted) break;
  }
  const worst = results.reduce<RevocationStatus>((acc, r) => (STATUS_RANK[r.status] > STATUS_RANK[acc] ? r.status : acc), 'good');
  const accepted = results.every((r) => r.accepted);
  const untils = results.map((r) => r.validUntil?.getTime()).filter((t): t is number => t !== undefined);
  const out: ChainRevocationResult = {
    status: worst,
    accepted,
    softFailed: results.some((r) => r.softFailed === true),
    reasons: results.flatMap((r) => r.reasons.map((x) => ({ code: x.code, message: `${r.certificate.subject}: ${x.message}` }))),
    certificates: results,
  };
  if (untils.length > 0) out.validUntil = new Date(Math.min(...untils));
  return out;
}

interface OneOptions extends ChainRevocationOptions {
  ocspCache: OcspCache;
  crlCache: CrlCache;
}

async function checkOne(cert: Certificate, issuer: Certificate, index: number, o: OneOptions): Promise<CertificateRevocation> {
  const id = { subject: cert.subject, serial: cert.serialHex, index };
  const evidence: RevocationEvidence[] = [];
  const reasons: StatusReason[] = [];
  let unreachable = false;
  const at = o.at ?? new Date();
  const skew = o.clockSkewMs;
  const s = o.settings;
  const done = (status: RevocationStatus, extra: Partial<RevocationResult> = {}): CertificateRevocation => ({
    ...extra,
    status,
    reasons: [...reasons, ...(extra.reasons ?? [])],
    evidence,
    certificate: id,
    accepted: status === 'good',
  });

  try {
    if (index === 0 && o.staple === undefined) {
      let mustStaple = false;
      try {
        mustStaple = cert.mustStaple;
      } catch {
        mustStaple = true; // a malformed TLS Feature extension is read as the strictest reading
      }
      if (mustStaple) return done('error', { reasons: [reason(RevocationCheckReason.MUST_STAPLE_MISSING, 'the certificate has the TLS Feature status_request (Must-Staple, RFC 7633) but no OCSP response was stapled')] });
      if (s.requireStaple) return done('error', { reasons: [reason(RevocationCheckReason.STAPLE_MISSING, 'the policy requires a stapled OCSP response (revocation.require-staple) and none was stapled')] });
    }

    for (const source of s.sources) {
      if (source === 'staple') {
        if (index !== 0 || o.staple === undefined) continue;
        // RFC 6066 §8: the staple is a DER OCSPResponse from the peer; anything else is malformed, never PEM-decoded.
        const v = o.staple[0] !== DER_SEQUENCE_TAG ? notDerStaple() : verifyOcspResponse(o.staple, { certificate: cert, issuer, at, ...(skew !== undefined ? { clockSkewMs: skew } : {}), maxAgeMs: s.maxResponseAgeMs });
        const ev: RevocationEvidence = { source: 'staple', der: o.staple, status: v.status === 'invalid' ? 'error' : v.status, reasons: v.reasons };
        if (v.producedAt) ev.producedAt = v.producedAt;
        if (v.thisUpdate) ev.thisUpdate = v.thisUpdate;
        if (v.nextUpdate) ev.nextUpdate = v.nextUpdate;
        if (v.signer) ev.signer = v.signer === 'issuer' ? 'issuer' : `delegated: ${v.responderCertificate?.subject ?? '?'}`;
        evidence.push(ev);
        if (v.status === 'invalid') {
          return done('error', { reasons: [reason(RevocationCheckReason.STAPLE_INVALID, `the stapled OCSP response cannot be trusted: ${v.reasons.map((r) => r.code).join(', ')}`), ...v.reasons] });
        }
        // revocation.max-staleness: a good staple is believed for so long after its thisUpdate;
        // an older one (a server still stapling its cache after a revocation) is not: ask the next source.
        const believedUntil = v.thisUpdate ? v.thisUpdate.getTime() + s.maxStalenessMs : undefined;
        if (v.status === 'good' && (believedUntil === undefined || at.getTime() > believedUntil)) {
          reasons.push(reason(RevocationCheckReason.STAPLE_TOO_OLD, `the stapled good answer is older than revocation.max-staleness (thisUpdate ${v.thisUpdate?.toISOString() ?? 'absent'}): not believed, asking the next source`));
          continue;
        }
        const extra: Partial<RevocationResult> = { reasons: v.reasons };
        if (v.nextUpdate) extra.validUntil = v.nextUpdate;
        if (believedUntil !== undefined && (!extra.validUntil || extra.validUntil.getTime() > believedUntil)) extra.validUntil = new Date(believedUntil);
        if (v.revocationTime) extra.revocationTime = v.revocationTime;
        if (v.revocationReason) extra.revocationReason = v.revocationReason;
        return done(v.status, extra);
      }

      const r: RevocationResult =
        source === 'ocsp'
          ? cert.ocspUrls.length === 0
            ? { status: 'error', reasons: [reason('ocsp-no-responder-url', 'the certificate names no OCSP responder (AIA)')], evidence: [] }
            : await queryOcsp({
                certificate: cert,
                issuer,
                at,
                ...(skew !== undefined ? { clockSkewMs: skew } : {}),
                maxAgeMs: s.maxResponseAgeMs,
                timeoutMs: s.timeouts.ocspMs,
                maxBytes: s.maxResponseBytes.ocsp,
                preferGet: s.ocspGet,
                cache: o.ocspCache,
                maxStalenessMs: s.maxStalenessMs,
                ...(o.signal ? { signal: o.signal } : {}),
                ...(o.ocspFetch ? { fetch: o.ocspFetch } : {}),
              })
          : await checkCrlViaDistributionPoints(cert, {
              issuers: [issuer],
              cache: o.crlCache,
              at,
              ...(skew !== undefined ? { clockSkewMs: skew } : {}),
              maxAgeMs: s.maxResponseAgeMs,
              maxStalenessMs: s.maxStalenessMs,
              allowFile: o.allowFileCrl === true,
              crlNumber: s.crlNumber,
              ...(o.signal ? { signal: o.signal } : {}),
            });
      evidence.push(...r.evidence);
      if (r.status !== 'error') {
        const extra: Partial<RevocationResult> = { reasons: r.reasons };
        if (r.validUntil) extra.validUntil = r.validUntil;
        if (r.revocationTime) extra.revocationTime = r.revocationTime;
        if (r.revocationReason) extra.revocationReason = r.revocationReason;
        if (r.warnings) extra.warnings = r.warnings;
        return done(r.status, extra);
      }
      const codes = r.reasons.map((x) => x.code);
      if (codes.length > 0 && codes.every((c) => UNREACHABLE_CODES.has(c) || NO_SOURCE_CODES.has(c))) {
        if (codes.some((c) => UNREACHABLE_CODES.has(c))) unreachable = true;
        reasons.push(...r.reasons);
        continue;
      }
      // Present but untrustworthy: final, whatever the mode.
      return done('error', { reasons: r.reasons });
    }

    if (unreachable && s.tolerates.includes('unreachable')) {
      return {
        ...done('good', { reasons: [reason(RevocationCheckReason.SOFT_FAILED, 'no revocation source could be reached; admitted because the policy is soft-fail')] }),
        softFailed: true,
      };
    }
    const code = unreachable ? RevocationCheckReason.UNAVAILABLE : RevocationCheckReason.NO_SOURCE;
    const message = unreachable
      ? `revocation status could not be established (sources unreachable) and the policy is ${s.mode}`
      : `no revocation source is available for the certificate among ${s.sources.join(', ')}`;
    return done('error', { reasons: [reason(code, message)] });
  } catch (cause) {
    // Never fail open: anything unexpected is an error verdict.
    return done('error', { reasons: [reason(RevocationCheckReason.INTERNAL, (cause as Error)?.message ?? String(cause))] });
  }
}
