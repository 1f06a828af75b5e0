/**
 * Stable reason codes of the revocation checker itself (the sources' own codes
 * live with them: ocsp/reasons.ts, crl/verify.ts). Adding a code is fine;
 * renaming one is breaking (scan findings and reports branch on them).
 */
import { OCSP_UNREACHABLE_CODES } from '../ocsp/reasons.ts';
import { CRL_UNREACHABLE_CODES } from '../crl/verify.ts';

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

/**
 * Every source's "could not be reached" codes, for callers that read reasons
 * after the fact (scan findings, the stapler). Built from the sources' own
 * sets, never repeated here.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set<string>([...OCSP_UNREACHABLE_CODES, ...CRL_UNREACHABLE_CODES]);
