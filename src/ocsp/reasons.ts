/**
 * Stable reason codes for OCSP verification and fetching.
 *
 * Every check in verify.ts and fetch.ts that can refuse a response has its own
 * code, so callers (policy, CLI, reports) branch on the code and tests can
 * assert that a forged response was refused for the right reason. Codes are
 * part of the public contract: adding one is fine, renaming one is breaking.
 */
import type { StatusReason } from '../core/revocation-vocabulary.ts';

export const OcspReason = {
  // --- status outcomes (not failures) ---
  /** The responder vouched that the certificate is not revoked. */
  GOOD: 'ocsp-good',
  /** The responder says the certificate is revoked (RFC 6960 §2.2). */
  REVOKED: 'ocsp-revoked',
  /** The responder does not know the certificate (RFC 6960 §2.2): never treated as good. */
  UNKNOWN_STATUS: 'ocsp-unknown-status',

  // --- encoding ---
  /** Not a DER OCSPResponse (bad structure, truncated, wrong tags). */
  MALFORMED: 'ocsp-malformed',
  /** Bytes after the DER OCSPResponse. */
  TRAILING_DATA: 'ocsp-trailing-data',

  // --- responseStatus (RFC 6960 §4.2.1) ---
  STATUS_MALFORMED_REQUEST: 'ocsp-status-malformed-request',
  STATUS_INTERNAL_ERROR: 'ocsp-status-internal-error',
  STATUS_TRY_LATER: 'ocsp-status-try-later',
  STATUS_SIG_REQUIRED: 'ocsp-status-sig-required',
  STATUS_UNAUTHORIZED: 'ocsp-status-unauthorized',
  /** A responseStatus value RFC 6960 does not define. */
  STATUS_UNRECOGNIZED: 'ocsp-status-unrecognized',
  /** responseStatus successful but no responseBytes. */
  NO_RESPONSE_BYTES: 'ocsp-no-response-bytes',
  /** responseType is not id-pkix-ocsp-basic (RFC 6960 §4.2.1). */
  UNSUPPORTED_RESPONSE_TYPE: 'ocsp-unsupported-response-type',
  /** ResponseData version other than v1. */
  UNSUPPORTED_VERSION: 'ocsp-unsupported-version',

  // --- signature and signer (RFC 6960 §3.2, §4.2.2.2) ---
  /** The signature algorithm is unknown or not implemented. */
  UNSUPPORTED_SIGNATURE_ALGORITHM: 'ocsp-unsupported-signature-algorithm',
  /** SHA-1 signature while allowSha1Signatures is false. */
  SHA1_SIGNATURE_REFUSED: 'ocsp-sha1-signature-refused',
  /** The signature algorithm does not fit the signer's key type. */
  SIGNATURE_ALGORITHM_MISMATCH: 'ocsp-signature-algorithm-mismatch',
  /** The signature does not verify with the signer's key. */
  BAD_SIGNATURE: 'ocsp-bad-signature',
  /** The ResponderID names neither the issuer nor a certificate carried in the response. */
  RESPONDER_NOT_FOUND: 'ocsp-responder-not-found',
  /** A delegated responder certificate not issued directly by the certificate's issuer. */
  RESPONDER_NOT_ISSUED_BY_ISSUER: 'ocsp-responder-not-issued-by-issuer',
  /** A delegated responder certificate without id-kp-OCSPSigning. */
  RESPONDER_NOT_AUTHORIZED: 'ocsp-responder-missing-ocsp-signing-eku',
  /** A delegated responder certificate whose keyUsage forbids signing. */
  RESPONDER_KEY_USAGE: 'ocsp-responder-key-usage',
  /** A delegated responder certificate not valid at the verification time. */
  RESPONDER_EXPIRED: 'ocsp-responder-not-valid-at-time',
  /** A certificate carried in the response could not be parsed or used. */
  RESPONDER_CERT_MALFORMED: 'ocsp-responder-certificate-malformed',

  // --- CertID (RFC 6960 §4.1.1) ---
  /** No SingleResponse at all. */
  NO_RESPONSES: 'ocsp-no-responses',
  /** A CertID hash algorithm we cannot compute. */
  CERTID_HASH_UNSUPPORTED: 'ocsp-certid-hash-unsupported',
  /** No SingleResponse for this serial. */
  SERIAL_MISMATCH: 'ocsp-serial-mismatch',
  /** A SingleResponse for this serial, but another issuer name. */
  ISSUER_NAME_HASH_MISMATCH: 'ocsp-issuer-name-hash-mismatch',
  /** A SingleResponse for this serial, but another issuer key. */
  ISSUER_KEY_HASH_MISMATCH: 'ocsp-issuer-key-hash-mismatch',

  // --- time (RFC 6960 §3.2, §4.2.2.1; RFC 5019 §4) ---
  /** thisUpdate later than now (+ skew). */
  THIS_UPDATE_IN_FUTURE: 'ocsp-this-update-in-future',
  /** nextUpdate earlier than now (- skew): the response has expired. */
  STALE: 'ocsp-stale',
  /** nextUpdate before thisUpdate. */
  NEXT_UPDATE_BEFORE_THIS_UPDATE: 'ocsp-next-update-before-this-update',
  /** thisUpdate (or producedAt) older than the configured maxAgeMs. */
  TOO_OLD: 'ocsp-too-old',
  /** No nextUpdate and thisUpdate older than the default max age. */
  NO_NEXT_UPDATE_TOO_OLD: 'ocsp-no-next-update-too-old',
  /** producedAt later than now (+ skew). */
  PRODUCED_AT_IN_FUTURE: 'ocsp-produced-at-in-future',
  /** producedAt outside the certificate's validity period. */
  PRODUCED_AT_OUTSIDE_VALIDITY: 'ocsp-produced-at-outside-certificate-validity',

  // --- extensions (RFC 6960 §4.4, RFC 5280 §4.2) ---
  UNKNOWN_CRITICAL_EXTENSION: 'ocsp-unknown-critical-response-extension',
  UNKNOWN_CRITICAL_SINGLE_EXTENSION: 'ocsp-unknown-critical-single-extension',
  /** A nonce was sent and the response carries a different one (RFC 8954). */
  NONCE_MISMATCH: 'ocsp-nonce-mismatch',
  /** A nonce was sent, the response has none, and requireNonce is set. */
  NONCE_MISSING: 'ocsp-nonce-missing',

  // --- fetching (fetch.ts) ---
  NO_URL: 'ocsp-no-responder-url',
  FETCH_FAILED: 'ocsp-fetch-failed',
  FETCH_TIMEOUT: 'ocsp-fetch-timeout',
  FETCH_TOO_LARGE: 'ocsp-fetch-too-large',
  FETCH_UNSUPPORTED: 'ocsp-fetch-unsupported-url',
  HTTP_STATUS: 'ocsp-http-status',
  CONTENT_TYPE: 'ocsp-content-type',
} as const;

export type OcspReasonCode = (typeof OcspReason)[keyof typeof OcspReason];

export interface OcspReasonEntry extends StatusReason {
  code: OcspReasonCode;
}

/**
 * Codes that mean "the responder could not be reached": the only OCSP failures
 * soft-fail tolerates. An unsigned tryLater/internalError answer (RFC 6960
 * §2.3) is no more authentic than a dropped connection, so it counts as
 * unreachable too. Every other failure code is an answer that arrived and
 * cannot be trusted.
 */
export const OCSP_UNREACHABLE_CODES: ReadonlySet<OcspReasonCode> = new Set<OcspReasonCode>([
  OcspReason.FETCH_FAILED,
  OcspReason.FETCH_TIMEOUT,
  OcspReason.HTTP_STATUS,
  OcspReason.STATUS_TRY_LATER,
  OcspReason.STATUS_INTERNAL_ERROR,
]);

/** Codes that mean "the certificate names no OCSP responder": the source does not exist for it. */
export const OCSP_ABSENT_CODES: ReadonlySet<OcspReasonCode> = new Set<OcspReasonCode>([OcspReason.NO_URL]);

export function reason(code: OcspReasonCode, message: string): OcspReasonEntry {
  return { code, message };
}

/** RFC 6960 §4.2.1 OCSPResponseStatus values (7 is not used). */
export const RESPONSE_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

export const RESPONSE_STATUS_CODES: Readonly<Record<OcspErrorStatus | 'successful', number>> = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
};

/** The reason code for a non-successful responseStatus. */
export function responseStatusReason(status: number): OcspReasonCode {
  switch (status) {
    case 1:
      return OcspReason.STATUS_MALFORMED_REQUEST;
    case 2:
      return OcspReason.STATUS_INTERNAL_ERROR;
    case 3:
      return OcspReason.STATUS_TRY_LATER;
    case 5:
      return OcspReason.STATUS_SIG_REQUIRED;
    case 6:
      return OcspReason.STATUS_UNAUTHORIZED;
    default:
      return OcspReason.STATUS_UNRECOGNIZED;
  }
}
