/**
 * OCSP (RFC 6960, RFC 5019): requests, response parsing and verification,
 * fetching with a cache, and a response builder. See docs/ocsp.md.
 */
export { buildErrorResponse, buildOcspResponse, DEFAULT_RESPONSE_VALIDITY_MS, type BuildOcspResponseOptions, type OcspSingleSpec, type OcspTamper } from './builder.ts';
export { OcspCache, type OcspCacheEntry, type OcspCacheOptions } from './cache.ts';
export { certIdKey, computeCertId, encodeCertId, issuerKeyHash, issuerNameHash, type CertId, type CertIdHash, type SerialInput } from './cert-id.ts';
export {
  DEFAULT_OCSP_MAX_BYTES,
  DEFAULT_OCSP_TIMEOUT_MS,
  OCSP_REQUEST_CONTENT_TYPE,
  OCSP_RESPONSE_CONTENT_TYPE,
  queryOcsp,
  type OcspQueryResult,
  type QueryOcspOptions,
} from './fetch.ts';
export { OcspReason, RESPONSE_STATUS_CODES, RESPONSE_STATUS_NAMES, responseStatusReason, type OcspErrorStatus, type OcspReasonCode, type OcspReasonEntry } from './reasons.ts';
export { buildOcspRequest, DEFAULT_NONCE_LENGTH, MAX_GET_REQUEST_LENGTH, nonceExtensionValue, ocspGetUrl, type OcspRequest, type OcspRequestOptions } from './request.ts';
export { MAX_CERT_IDS_PER_REQUEST, MAX_OCSP_REQUEST_BYTES, parseOcspRequest, type ParsedOcspRequest } from './request-parse.ts';
export { parseBasicResponse, parseOcspResponse, type BasicOcspResponse, type CertStatusName, type OcspExtension, type ParsedCertId, type ParsedOcspResponse, type ResponderId, type SingleResponse } from './response.ts';
export {
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_MAX_AGE_WITHOUT_NEXT_UPDATE_MS,
  isGood,
  verifyOcspResponse,
  type OcspVerification,
  type OcspVerificationStatus,
  type VerifyOcspOptions,
} from './verify.ts';
