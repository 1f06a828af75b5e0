/**
 * The revocation vocabulary shared by OCSP, CRL and the orchestrator: statuses,
 * reason names, source ids, result shapes and the time defaults. This is the
 * low layer (src/core imports nothing above util): ocsp → core, crl → core,
 * revocation → ocsp, crl, core; nothing here may import ocsp, crl or revocation.
 *
 * RFC 6960 and RFC 5280 give three answers (good, revoked, unknown); we add
 * `error` for "could not establish status" (unreachable, invalid, stale). Only
 * `good` ever admits a certificate: `unknown` is not `good`, and under
 * hard-fail neither is `error`.
 */

export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'error';

/**
 * Revocation source ids, as written in the policy's `revocation.sources`. Each
 * has one module in src/revocation/sources/ and one line in its registry.
 */
export const REVOCATION_SOURCE_IDS = ['staple', 'ocsp', 'crl'] as const;
export type RevocationSource = (typeof REVOCATION_SOURCE_IDS)[number];

/**
 * Default tolerance for clock differences on every time comparison (thisUpdate,
 * nextUpdate, producedAt). RFC 5019 §4 asks clients to allow for skew; five
 * minutes is the common choice (and the policy's `clock-skew` default).
 */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * How long an OCSP response or a CRL without nextUpdate may be used when no
 * maxAgeMs is given. RFC 5019 §4 / RFC 6960 §4.2.2.1: no nextUpdate means
 * "newer information is always available" and the client decides; RFC 5280
 * §5.1.2.5 requires nextUpdate on CRLs. Seven days matches the longest OCSP
 * validity the CA/Browser Forum Baseline Requirements §4.9.10 allow, so nothing
 * older can be legitimate.
 */
export const DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS = 7 * 86_400_000;

/** RFC 5280 §5.3.1 CRLReason names (also used by OCSP RevokedInfo). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'unused-7',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReasonName = (typeof REVOCATION_REASONS)[number];

/** Why a status was reached or a source was not usable; `code` is stable. */
export interface StatusReason {
  code: string;
  message: string;
}

/** What a verdict was based on, for reports and for replay. */
export interface RevocationEvidence {
  source: RevocationSource;
  /** Where it came from (responder or distribution point URL), if fetched. */
  url?: string;
  /** The raw response or CRL (DER) when kept. */
  der?: Uint8Array;
  producedAt?: Date;
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** Who signed it ("issuer" or "delegated: <subject>"). */
  signer?: string;
  /** Whether it came from a cache. */
  cached?: boolean;
  /** The status this source alone gave. */
  status: RevocationStatus;
  reasons: StatusReason[];
  /** Non-fatal observations about this source (e.g. `crl-number-missing`): reported, never a reason to reject. */
  warnings?: StatusReason[];
}

export interface RevocationResult {
  status: RevocationStatus;
  reasons: StatusReason[];
  evidence: RevocationEvidence[];
  revocationTime?: Date;
  revocationReason?: RevocationReasonName;
  /** Until when this result may be cached (the source's nextUpdate, capped). */
  validUntil?: Date;
  /** Set when soft-fail admitted a certificate whose status could not be established. */
  softFailed?: boolean;
  /**
   * Non-fatal observations about the sources the status rests on, with stable
   * codes (e.g. `crl-number-missing`: a CRL without cRLNumber was used). They
   * never admit or reject anything; scans and audits report them.
   */
  warnings?: StatusReason[];
}
