/**
 * The probe's cases: each a bad (or, for the control, a good) server a client
 * is run against. Declared once, here, with its id, requirement, expected
 * verdict and what it models; the suites, the finding ids, the JSON Schema
 * enum and docs/probe.md are checked against this table by the tests.
 *
 * Ids are stable: renaming one is a breaking change (finding ids, SARIF rules
 * and suppressions key on them).
 */
import type { Requirement, Severity } from '../report/model.ts';

/**
 * What a client must do with the case:
 * - `reject`: refuse the connection;
 * - `accept`: complete TLS and the HTTP exchange (the control);
 * - `accept-if-pinning`: accept when the client was declared to pin the
 *   probe's self-signed certificate (`{pin}` in its command line, or
 *   `--pinning`), reject otherwise.
 */
export type Expectation = 'reject' | 'accept' | 'accept-if-pinning';

export interface CaseSpec {
  /** Stable id. */
  readonly id: string;
  /** `null` for the control, which gates both requirements. */
  readonly requirement: Requirement | null;
  readonly expected: Expectation;
  /** What the case models, one sentence (the docs table and `--help` read it). */
  readonly models: string;
  /** Severity of the finding when the client gets the case wrong. */
  readonly severity: Severity;
  /** Set when the probe cannot serve the case; says why. */
  readonly notServable?: string;
}

const c = (id: string, requirement: Requirement | null, expected: Expectation, severity: Severity, models: string, notServable?: string): CaseSpec => ({
  id,
  requirement,
  expected,
  severity,
  models,
  ...(notServable ? { notServable } : {}),
});

export const CASES = [
  c('control', null, 'accept', 'high', 'A good server: chain to {ca} (leaf + intermediate), right name, valid staple, live OCSP responder and a good CRL. A client that rejects it is misconfigured: the run is an error.'),
  // --- V9.2.1: trust only the internal CA and pinned certificates ---
  c('expired', 'V9.2.1', 'reject', 'high', 'The leaf expired yesterday (notAfter in the past).'),
  c('not-yet-valid', 'V9.2.1', 'reject', 'high', 'The leaf becomes valid tomorrow (notBefore in the future).'),
  c('wrong-host', 'V9.2.1', 'reject', 'high', 'The leaf, from {ca}, names only wrong-host.invalid (SAN and CN) while the client connects to localhost.'),
  c('self-signed', 'V9.2.1', 'reject', 'high', 'A self-signed leaf for localhost that nobody pinned.'),
  c('untrusted-root', 'V9.2.1', 'reject', 'high', 'A chain to a root that copies a public CA\'s name (DigiCert Global Root G2) but is not {ca}.'),
  c('public-root', 'V9.2.1', 'reject', 'high', 'A chain to a real public root the client should not trust for internal services.', 'the probe cannot hold a public root\'s private key; untrusted-root (a look-alike) covers what a client does with a root that is not {ca}, and a client trusting the system store is visible in its command line'),
  c('incomplete-chain', 'V9.2.1', 'reject', 'high', 'The server sends the leaf without its intermediate (no AIA caIssuers to fetch it from).'),
  c('wrong-eku', 'V9.2.1', 'reject', 'high', 'The leaf\'s extendedKeyUsage is clientAuth only (RFC 5280 §4.2.1.12).'),
  c('ca-as-leaf', 'V9.2.1', 'reject', 'high', 'The server\'s certificate is a CA certificate (basicConstraints cA=TRUE, keyCertSign) for localhost.'),
  c('path-len-exceeded', 'V9.2.1', 'reject', 'high', 'root → CA with pathLenConstraint 0 → CA → leaf: one CA too many below the constraint (RFC 5280 §4.2.1.9).'),
  c('name-constraints-violated', 'V9.2.1', 'reject', 'high', 'The intermediate may only issue for probe.internal (permitted subtree); the leaf names localhost (RFC 5280 §4.2.1.10).'),
  c('weak-key', 'V9.2.1', 'reject', 'high', 'The leaf key is RSA-1024 (the farm serves it at OpenSSL security level 0).'),
  c('sha1-signature', 'V9.2.1', 'reject', 'high', 'The leaf is signed with ecdsa-with-SHA1.'),
  c('pinned-self-signed', 'V9.2.1', 'accept-if-pinning', 'high', 'A self-signed certificate whose key is {pin}, served at {pin-host}: a pinning client accepts it, any other client must reject it.'),
  // --- V9.2.4: revocation checked ---
  c('revoked-staple', 'V9.2.4', 'reject', 'critical', 'The leaf is revoked and only the stapled OCSP response says so (no AIA OCSP, no CRL distribution point).'),
  c('revoked-ocsp', 'V9.2.4', 'reject', 'critical', 'The leaf is revoked; no staple, no CRL; the OCSP responder named in AIA says revoked.'),
  c('revoked-crl', 'V9.2.4', 'reject', 'critical', 'The leaf is revoked and only the CRL at its distribution point says so (no staple, no OCSP URL).'),
  c('revoked-intermediate', 'V9.2.4', 'reject', 'critical', 'The leaf is good (good staple, OCSP, CRL) but its intermediate is revoked on the root\'s CRL and OCSP.'),
  c('must-staple-no-staple', 'V9.2.4', 'reject', 'high', 'The leaf carries the TLS Feature status_request (RFC 7633 Must-Staple) and the server staples nothing (OCSP and CRL say good).'),
  c('stale-staple', 'V9.2.4', 'reject', 'high', 'The leaf was revoked; the server staples an old good response whose nextUpdate has passed (OCSP says revoked).'),
  c('forged-staple', 'V9.2.4', 'reject', 'high', 'The leaf was revoked; the server staples a good response signed by a sibling leaf of the same CA, which has no OCSP-signing authority (RFC 6960 §4.2.2.2; OCSP says revoked).'),
  c('responder-down', 'V9.2.4', 'reject', 'medium', 'No staple; the OCSP responder and the CRL distribution point reset every connection. A hard-fail client rejects; a soft-fail client accepts (warn).'),
  c('unknown-status', 'V9.2.4', 'reject', 'high', 'No staple, no CRL; the OCSP responder answers unknown for the leaf (unknown is not good).'),
] as const satisfies readonly CaseSpec[];

export type CaseId = (typeof CASES)[number]['id'];

export const CONTROL_CASE: CaseId = 'control';

const BY_ID: ReadonlyMap<string, CaseSpec> = new Map(CASES.map((x) => [x.id, x]));

export function caseSpec(id: CaseId): CaseSpec {
  return BY_ID.get(id)!;
}

export function isCaseId(id: string): id is CaseId {
  return BY_ID.has(id);
}

/** The verdict the client owes the case, given whether it was declared to pin. */
export function expectedFor(spec: CaseSpec, pinning: boolean): 'reject' | 'accept' {
  if (spec.expected === 'accept-if-pinning') return pinning ? 'accept' : 'reject';
  return spec.expected;
}

/**
 * Finding ids the probe can raise, derived from the cases: `client-accepts-<case>`
 * for a case that must (or may) be rejected, `client-rejects-<case>` for a case
 * that must (or may) be accepted, except the control (rejecting it is an error,
 * not a finding).
 */
export function probeFindingIds(): string[] {
  const ids: string[] = [];
  for (const x of CASES as readonly CaseSpec[]) {
    if (x.requirement === null) continue;
    if (x.expected !== 'accept') ids.push(`client-accepts-${x.id}`);
    if (x.expected !== 'reject') ids.push(`client-rejects-${x.id}`);
  }
  return ids;
}

/**
 * Severity of getting a case wrong. Accepting what must be rejected takes the
 * case's severity; a pinning client that rejects its own pinned certificate is
 * `medium`: it is broken but errs on the safe side.
 */
export const REJECTED_PIN_SEVERITY: Severity = 'medium';
