/**
 * Shared shapes of revocation results, used by OCSP, CRL and the orchestrator.
 *
 * RFC 6960 and RFC 5280 give three answers (good, revoked, unknown); we add
 * `error` for "could not establish status" (unreachable, invalid, stale). Only
 * `good` ever admits a certificate: `unknown` is not `good`, and under
 * hard-fail neither is `error`.
 */

export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'error';

export type RevocationSource = 'staple' | 'ocsp' | 'crl';

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
