/**
 * Finding ids: stable, documented in docs/scan.md, each mapped to exactly one
 * ASVS requirement and one severity. Adding an id is fine; renaming one is a
 * breaking change (SARIF rules, suppressions and dashboards key on it).
 *
 * Severity decides the requirement's status: critical/high fail it,
 * medium/low make it `warn`, info never changes it.
 */
export const REQUIREMENTS = ['V9.2.1', 'V9.2.4'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const REQUIREMENT_TITLES: Readonly<Record<Requirement, string>> = {
  'V9.2.1': 'Connections use trusted TLS certificates; only specific internal CAs and specific self-signed certificates are trusted',
  'V9.2.4': 'Certificate revocation (OCSP stapling, OCSP, CRL) is enabled and configured',
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Lower is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function failsRequirement(s: Severity): boolean {
  return SEVERITY_RANK[s] <= SEVERITY_RANK.high;
}
export function warnsRequirement(s: Severity): boolean {
  return s === 'medium' || s === 'low';
}

interface FindingSpec {
  requirement: Requirement;
  severity: Severity;
  title: string;
}

const f = (requirement: Requirement, severity: Severity, title: string): FindingSpec => ({ requirement, severity, title });

export const FINDINGS = {
  // --- V9.2.1: the served chain against the policy's anchors and pins ---
  'chain-untrusted': f('V9.2.1', 'high', 'The chain does not validate to a trust anchor or pin of the policy'),
  'chain-incomplete': f('V9.2.1', 'high', 'The server does not send an intermediate needed to reach the anchor'),
  'chain-invalid': f('V9.2.1', 'high', 'The chain breaks an RFC 5280 rule (constraints, key usage, profile, signature)'),
  'chain-order': f('V9.2.1', 'low', 'The server sends its chain out of order (RFC 8446 §4.4.2, RFC 5246 §7.4.2)'),
  'hostname-mismatch': f('V9.2.1', 'high', 'The certificate does not cover the name the client connects to'),
  'certificate-expired': f('V9.2.1', 'high', 'A certificate in the chain has expired'),
  'certificate-not-yet-valid': f('V9.2.1', 'high', 'A certificate in the chain is not valid yet'),
  'eku-mismatch': f('V9.2.1', 'high', 'The certificate is not for TLS server authentication (extendedKeyUsage)'),
  'weak-key': f('V9.2.1', 'high', 'A key in the chain is below the required strength'),
  'weak-signature': f('V9.2.1', 'high', 'A certificate is signed with a weak algorithm'),
  'pin-mismatch': f('V9.2.1', 'high', 'No certificate in the chain matches the destination\'s pins'),
  'pins-expired': f('V9.2.1', 'high', 'Every pin configured for the destination has expired'),
  'certificate-expiring-soon': f('V9.2.1', 'high', 'A certificate of the chain expires inside the policy\'s expiry fail window (expiry.leaf.fail / expiry.chain.fail)'),
  'certificate-expiring': f('V9.2.1', 'medium', 'A certificate of the chain expires inside the policy\'s expiry warn window (expiry.leaf.warn / expiry.chain.warn)'),
  'key-info': f('V9.2.1', 'info', 'Key type and size of the server certificate'),
  'signature-info': f('V9.2.1', 'info', 'Signature algorithms in the chain'),
  'client-auth-accepts-untrusted': f('V9.2.1', 'high', 'The server asks for a client certificate but accepts a connection with none or with an untrusted, self-signed or expired one'),
  'client-auth-enforced': f('V9.2.1', 'info', 'The server asks for a client certificate and refused every untrusted credential probed'),
  'client-auth-not-requested': f('V9.2.1', 'info', 'The server does not ask for a client certificate'),
  'client-auth-undetermined': f('V9.2.1', 'info', 'Whether the server asks for a client certificate cannot be seen (TLS 1.3 only)'),
  // --- V9.2.4: stapling ---
  'staple-missing': f('V9.2.4', 'high', 'The server does not staple an OCSP response'),
  'staple-bad-signature': f('V9.2.4', 'high', 'The stapled OCSP response\'s signature does not verify'),
  'staple-unauthorized-responder': f('V9.2.4', 'high', 'The stapled OCSP response is signed by a responder without authority for the issuer (RFC 6960 §4.2.2.2)'),
  'staple-wrong-certificate': f('V9.2.4', 'high', 'The stapled OCSP response is about another certificate'),
  'staple-stale': f('V9.2.4', 'high', 'The stapled OCSP response has expired or is too old'),
  'staple-future': f('V9.2.4', 'high', 'The stapled OCSP response is dated in the future'),
  'staple-unknown': f('V9.2.4', 'high', 'The stapled OCSP response says the certificate is unknown'),
  'staple-revoked': f('V9.2.4', 'critical', 'The stapled OCSP response says the certificate is revoked'),
  'staple-invalid': f('V9.2.4', 'high', 'The stapled OCSP response cannot be trusted'),
  'staple-contradicts-responder': f('V9.2.4', 'critical', 'The server staples a good OCSP response while the live OCSP responder or CRL says the certificate is revoked (a cached staple outliving a revocation)'),
  'staple-expiring': f('V9.2.4', 'medium', 'The stapled OCSP response is close to its nextUpdate (expiry.staple.warn): the server has missed a refresh'),
  'must-staple-violated': f('V9.2.4', 'critical', 'A Must-Staple certificate (RFC 7633) is served without a valid staple'),
  'staple-info': f('V9.2.4', 'info', 'The stapled OCSP response and its validity window'),
  // --- V9.2.4: live OCSP / CRL status ---
  revoked: f('V9.2.4', 'critical', 'A certificate in the chain is revoked'),
  'revocation-unknown': f('V9.2.4', 'high', 'The OCSP responder does not know a certificate of the chain'),
  'revocation-unavailable': f('V9.2.4', 'high', 'Revocation status could not be established (sources unreachable) under hard-fail'),
  'revocation-invalid': f('V9.2.4', 'high', 'A revocation source answered with a response that cannot be trusted'),
  'no-revocation-source': f('V9.2.4', 'high', 'A certificate names no OCSP responder and no CRL distribution point'),
  'revocation-unanchored': f('V9.2.4', 'high', 'The chain does not validate to an anchor or pin of the policy, so no staple, OCSP answer or CRL signed by its issuer can prove anything about revocation'),
  'crl-expiring': f('V9.2.4', 'medium', 'A CRL consulted for the chain is close to its nextUpdate (expiry.crl.warn): the CA has not published a newer one'),
  'revocation-soft-failed': f('V9.2.4', 'medium', 'Revocation status could not be established; admitted only because the policy is soft-fail'),
  'revocation-not-applicable': f('V9.2.4', 'info', 'The certificate is itself the anchor (pinned self-signed): it has no revocation source'),
  'crl-number-missing': f('V9.2.4', 'low', 'A CRL relied on has no cRLNumber (RFC 5280 §5.2.3 requires it); used because the policy allows it (revocation.crl-number: optional)'),
} as const satisfies Record<string, FindingSpec>;

export type FindingId = keyof typeof FINDINGS;

export interface Finding {
  id: FindingId;
  severity: Severity;
  message: string;
  /** Which check produced it. */
  check: string;
  /** Structured detail (codes from the engine, certificate index...). */
  details?: Record<string, unknown>;
}

export function finding(check: string, id: FindingId, message: string, details?: Record<string, unknown>): Finding {
  return { id, severity: FINDINGS[id].severity, message, check, ...(details ? { details } : {}) };
}

export function parseSeverity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) throw new Error(`unknown severity ${value}`);
  return value as Severity;
}
