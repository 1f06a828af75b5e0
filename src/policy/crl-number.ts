/**
 * `revocation.crl-number`: whether a CRL without cRLNumber may be used.
 *
 * RFC 5280 §5.2.3 says conforming CRL issuers MUST include cRLNumber, yet
 * `openssl ca -gencrl` without a crlnumber file omits it and OpenSSL,
 * BoringSSL and Go accept such CRLs. `optional` (the default) uses them, still
 * checking signature, times and scope, and reports `crl-number-missing`;
 * `required` refuses them.
 */
import type { CrlNumberRule } from '../crl/verify.ts';

export const CRL_NUMBER_KEY = 'crl-number';
export const CRL_NUMBER_RULES: readonly CrlNumberRule[] = ['optional', 'required'];

/** The rule a revocation section sets (the schema has checked the value), else the inherited one. */
export function readCrlNumberRule(section: Record<string, unknown>, inherited: CrlNumberRule): CrlNumberRule {
  const value = section[CRL_NUMBER_KEY];
  return typeof value === 'string' && (CRL_NUMBER_RULES as readonly string[]).includes(value) ? (value as CrlNumberRule) : inherited;
}

/** The JSON Schema of the key (revocation and inbound revocation sections). */
export const CRL_NUMBER_SCHEMA = {
  type: 'string',
  enum: [...CRL_NUMBER_RULES],
  description:
    'A CRL without cRLNumber (RFC 5280 §5.2.3 says issuers MUST include it; `openssl ca -gencrl` without a crlnumber file omits it): "optional" uses it (signature, times and scope still checked) and reports crl-number-missing; "required" refuses it. Default "optional".',
  default: 'optional',
} as const;
