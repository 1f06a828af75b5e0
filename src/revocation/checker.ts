/**
 * Revocation checking of a validated path: the policy's `revocation.sources`
 * (src/revocation/sources/, one module each, in registry.ts), asked in the
 * policy's order, with hard- or soft-fail. Each source says what kind of
 * answer it gave (conclusive, untrustworthy, unreachable, absent); the
 * checker acts on the kind and never reads the sources' reason codes.
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
import type { QueryOcspOptions } from '../ocsp/fetch.ts';
import { OcspCache } from '../ocsp/cache.ts';
import { CrlCache } from '../crl/cache.ts';
import type { RevocationEvidence, RevocationResult, RevocationStatus, StatusReason } from '../core/revocation-vocabulary.ts';
import { RevocationCheckReason } from './reasons.ts';
import { worstStatus } from './rank.ts';
import { REVOCATION_SOURCES } from './sources/registry.ts';
import type { SourceContext } from './sources/source.ts';

export { RevocationCheckReason, UNREACHABLE_CODES } from './reasons.ts';

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

function reason(code: string, message: string): StatusReason {
  return { code, message };
}

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
  const worst = worstStatus(results.map((r) => r.status));
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

    const context: SourceContext = {
      certificate: cert,
      issuer,
      index,
      at,
      ...(o.clockSkewMs !== undefined ? { clockSkewMs: o.clockSkewMs } : {}),
      settings: s,
      ...(o.staple !== undefined ? { staple: o.staple } : {}),
      ocspCache: o.ocspCache,
      crlCache: o.crlCache,
      allowFileCrl: o.allowFileCrl === true,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.ocspFetch ? { ocspFetch: o.ocspFetch } : {}),
    };
    for (const sourceId of s.sources) {
      const { kind, result: r } = await REVOCATION_SOURCES[sourceId].check(context);
      evidence.push(...r.evidence);
      switch (kind) {
        case 'conclusive': {
          const extra: Partial<RevocationResult> = { reasons: r.reasons };
          if (r.validUntil) extra.validUntil = r.validUntil;
          if (r.revocationTime) extra.revocationTime = r.revocationTime;
          if (r.revocationReason) extra.revocationReason = r.revocationReason;
          if (r.warnings) extra.warnings = r.warnings;
          return done(r.status, extra);
        }
        case 'untrustworthy':
          // Present but untrustworthy: final, whatever the mode.
          return done('error', { reasons: r.reasons });
        case 'unreachable':
          unreachable = true;
          reasons.push(...r.reasons);
          continue;
        case 'absent':
          reasons.push(...r.reasons);
          continue;
      }
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
