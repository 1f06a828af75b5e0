/**
 * Stable reason codes for path validation rejections.
 *
 * Callers branch on `code`, never on `message`. Adding a code is fine;
 * renaming one is a breaking change. See docs/path-validation.md.
 */

export const PathReason = {
  /** No chain from the leaf through the pool to any trust anchor could be built. */
  NO_PATH_TO_ANCHOR: 'no-path-to-anchor',
  /** The chain ends in a self-signed certificate that is not a trust anchor. */
  UNTRUSTED_ROOT: 'untrusted-root',
  /** A certificate (or the anchor) is past its notAfter at the validation time. */
  EXPIRED: 'expired',
  /** A certificate (or the anchor) is before its notBefore at the validation time. */
  NOT_YET_VALID: 'not-yet-valid',
  /** An issuer was found by name but its key does not verify the signature. */
  BAD_SIGNATURE: 'bad-signature',
  /** The TBSCertificate signature algorithm differs from the outer one (RFC 5280 §4.1.1.2). */
  SIGNATURE_ALGORITHM_MISMATCH: 'signature-algorithm-mismatch',
  /** An issuing certificate lacks basicConstraints cA=TRUE. */
  NOT_A_CA: 'not-a-ca',
  /** webpki profile: the end-entity certificate is a CA (cA=TRUE). */
  LEAF_IS_CA: 'leaf-is-ca',
  /** A CA's pathLenConstraint is exceeded (self-issued intermediates not counted). */
  PATH_LENGTH_EXCEEDED: 'path-length-exceeded',
  /** An issuing certificate's keyUsage is present without keyCertSign. */
  KEY_USAGE_MISSING_CERT_SIGN: 'key-usage-missing-cert-sign',
  /** keyUsage inconsistent with basicConstraints (keyCertSign on a non-CA). */
  KEY_USAGE_INVALID: 'key-usage-invalid',
  /** The extended key usage does not allow the requested purpose. */
  EKU_MISMATCH: 'eku-mismatch',
  /** A critical extension this validator does not process. */
  UNKNOWN_CRITICAL_EXTENSION: 'unknown-critical-extension',
  /** The leaf's subjectAltName does not cover the requested hostname / IP. */
  HOSTNAME_MISMATCH: 'hostname-mismatch',
  /** The requested hostname is not a valid DNS name or IP literal. */
  INVALID_HOSTNAME: 'invalid-hostname',
  /** A name in a certificate violates a name constraint above it (or cannot be checked against it). */
  NAME_CONSTRAINT_VIOLATION: 'name-constraint-violation',
  /** Certificate policy processing (RFC 5280 §6.1.3 d-f, §6.1.5) ended with no valid policy while one was required. */
  POLICY_VIOLATION: 'policy-violation',
  /** A certificate or an extension does not parse. */
  MALFORMED_CERTIFICATE: 'malformed-certificate',
  /** A certificate breaks a structural rule of the profile (RFC 5280 / CA/B Forum): criticality, missing AKI/SKI, serial, version, empty names... */
  PROFILE_VIOLATION: 'profile-violation',
  /** Signed with a weak algorithm (SHA-1 unless allowSha1; DSA in the webpki profile). */
  WEAK_SIGNATURE_ALGORITHM: 'weak-signature-algorithm',
  /** A public key below the profile's strength (RSA < minRsaBits or not a multiple of 8, curves other than P-256/384/521, explicit curves, DSA). */
  WEAK_KEY: 'weak-key',
  /** An algorithm or key type certwarden does not implement. */
  UNSUPPORTED_ALGORITHM: 'unsupported-algorithm',
  /** More intermediates than maxDepth would be needed. */
  MAX_DEPTH_EXCEEDED: 'max-depth-exceeded',
  /** The path-building / name-constraint work budget ran out (DoS guard). */
  BUDGET_EXCEEDED: 'budget-exceeded',
  /** An unexpected exception: never trusted (fail closed). */
  INTERNAL_ERROR: 'internal-error',
} as const;

export type PathReasonCode = (typeof PathReason)[keyof typeof PathReason];

export interface PathRejection {
  code: PathReasonCode;
  message: string;
  /** The certificate the rejection is about; index 0 is the leaf, counting toward the anchor. */
  certificate?: { subject: string; serial: string; index: number };
}
