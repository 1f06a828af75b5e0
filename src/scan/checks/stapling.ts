/**
 * V9.2.4: the server staples an OCSP response (RFC 6066 §8 for TLS 1.2,
 * RFC 8446 §4.4.2.1 for TLS 1.3, checked in separate handshakes) and the
 * staple passes every check of the engine's verifyOcspResponse (RFC 6960
 * §3.2 signature and responder authority, CertID, freshness). A server whose
 * stapling cache is cold (nginx fetches on the first request) gets a short,
 * bounded retry before `staple-missing` (staple-retry.ts). A Must-Staple certificate
 * (RFC 7633 §4.2.3) without a valid staple is its own, critical, finding.
 *
 * The policy decides what counts (docs/policy.md#revocation):
 *  - a staple is evidence only when the chain is anchored in the policy
 *    (anchoring.ts): whoever made an unanchored chain can sign a `good` for
 *    it, so such a chain gets no staple verdict (the revocation-status check
 *    reports it as `revocation-unanchored`, once);
 *  - when `revocation.sources` leaves out `staple`, a missing staple is not a
 *    finding (a bad or revoked one still is, and Must-Staple still applies);
 *  - a good staple while the live OCSP responder or CRL (the revocation-status
 *    check's answer, shared) says revoked is `staple-contradicts-responder`:
 *    a server keeps stapling its cached `good` after a revocation;
 *  - a good staple close to its nextUpdate is `staple-expiring` (expiry.staple).
 */
import { verifyOcspResponse, type OcspVerification } from '../../ocsp/verify.ts';
import { OcspReason } from '../../ocsp/reasons.ts';
import { findingsOf, type Check } from '../check.ts';
import type { Finding } from '../findings.ts';
import { findingSpec } from '../../report/model.ts';
import { TLS_VERSIONS, type TlsVersion } from '../connect.ts';
import { flightKey, handshakeKey, unb64 } from '../observations.ts';
import { AttemptReason, scanFailure } from '../failure.ts';
import { observeStaples, type StapleLook } from '../staple-retry.ts';
import { liveRevocation } from './revocation-status.ts';
import { revocationAnchoring } from '../anchoring.ts';
import { describeRemainingWindow, insideRemainingWindow } from '../../policy/expiry.ts';

const ID = 'stapling';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const STAPLING_FINDINGS = {
  'staple-missing': findingSpec('V9.2.4', 'high', 'The server does not staple an OCSP response'),
  'staple-bad-signature': findingSpec('V9.2.4', 'high', 'The stapled OCSP response\'s signature does not verify'),
  'staple-unauthorized-responder': findingSpec('V9.2.4', 'high', 'The stapled OCSP response is signed by a responder without authority for the issuer (RFC 6960 §4.2.2.2)'),
  'staple-wrong-certificate': findingSpec('V9.2.4', 'high', 'The stapled OCSP response is about another certificate'),
  'staple-stale': findingSpec('V9.2.4', 'high', 'The stapled OCSP response has expired or is too old'),
  'staple-future': findingSpec('V9.2.4', 'high', 'The stapled OCSP response is dated in the future'),
  'staple-unknown': findingSpec('V9.2.4', 'high', 'The stapled OCSP response says the certificate is unknown'),
  'staple-revoked': findingSpec('V9.2.4', 'critical', 'The stapled OCSP response says the certificate is revoked'),
  'staple-invalid': findingSpec('V9.2.4', 'high', 'The stapled OCSP response cannot be trusted'),
  'staple-contradicts-responder': findingSpec('V9.2.4', 'critical', 'The server staples a good OCSP response while the live OCSP responder or CRL says the certificate is revoked (a cached staple outliving a revocation)'),
  'staple-expiring': findingSpec('V9.2.4', 'medium', 'The stapled OCSP response is close to its nextUpdate (expiry.staple.warn): the server has missed a refresh'),
  'must-staple-violated': findingSpec('V9.2.4', 'critical', 'A Must-Staple certificate (RFC 7633) is served without a valid staple'),
  'staple-info': findingSpec('V9.2.4', 'info', 'The stapled OCSP response and its validity window'),
} as const;
type StaplingFindingId = keyof typeof STAPLING_FINDINGS;
const finding = findingsOf(ID, STAPLING_FINDINGS);

/** OCSP reason code → staple finding; anything else is `staple-invalid`. */
export const STAPLE_REASON_FINDINGS: Readonly<Record<string, StaplingFindingId>> = {
  [OcspReason.BAD_SIGNATURE]: 'staple-bad-signature',
  [OcspReason.SIGNATURE_ALGORITHM_MISMATCH]: 'staple-bad-signature',
  [OcspReason.UNSUPPORTED_SIGNATURE_ALGORITHM]: 'staple-bad-signature',
  [OcspReason.SHA1_SIGNATURE_REFUSED]: 'staple-bad-signature',
  [OcspReason.RESPONDER_NOT_FOUND]: 'staple-unauthorized-responder',
  [OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER]: 'staple-unauthorized-responder',
  [OcspReason.RESPONDER_NOT_AUTHORIZED]: 'staple-unauthorized-responder',
  [OcspReason.RESPONDER_KEY_USAGE]: 'staple-unauthorized-responder',
  [OcspReason.RESPONDER_EXPIRED]: 'staple-unauthorized-responder',
  [OcspReason.RESPONDER_CERT_MALFORMED]: 'staple-unauthorized-responder',
  [OcspReason.NO_RESPONSES]: 'staple-wrong-certificate',
  [OcspReason.SERIAL_MISMATCH]: 'staple-wrong-certificate',
  [OcspReason.ISSUER_NAME_HASH_MISMATCH]: 'staple-wrong-certificate',
  [OcspReason.ISSUER_KEY_HASH_MISMATCH]: 'staple-wrong-certificate',
  [OcspReason.STALE]: 'staple-stale',
  [OcspReason.TOO_OLD]: 'staple-stale',
  [OcspReason.NO_NEXT_UPDATE_TOO_OLD]: 'staple-stale',
  [OcspReason.THIS_UPDATE_IN_FUTURE]: 'staple-future',
  [OcspReason.PRODUCED_AT_IN_FUTURE]: 'staple-future',
};

export interface StapleDetails {
  version: TlsVersion;
  offered: boolean;
  attempts: number;
  stapled: boolean;
  status?: OcspVerification['status'];
  reasons?: string[];
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  signer?: string;
}

export interface StaplingDetails {
  mustStaple: boolean;
  /** Whether the policy's revocation.sources list `staple` (else a missing staple is not a finding). */
  consultedByPolicy: boolean;
  /** Whether the chain is anchored in the policy (anchoring.ts; else no staple is evidence). */
  anchored: boolean;
  versions: StapleDetails[];
}

/** The finding for a verified staple, or undefined when it is good. */
function stapleFinding(v: OcspVerification): { id: StaplingFindingId; code?: string } | undefined {
  if (v.status === 'good') return undefined;
  if (v.status === 'revoked') return { id: 'staple-revoked' };
  if (v.status === 'unknown') return { id: 'staple-unknown' };
  for (const r of v.reasons) {
    const id = STAPLE_REASON_FINDINGS[r.code];
    if (id) return { id, code: r.code };
  }
  return { id: 'staple-invalid', ...(v.reasons[0] ? { code: v.reasons[0].code } : {}) };
}

export const staplingCheck: Check<typeof ID, StaplingFindingId, StaplingDetails> = {
  id: ID,
  findings: STAPLING_FINDINGS,
  html(stapling, e) {
    if (stapling.versions.length === 0) return '';
    const rows = stapling.versions.map((v) => `<tr><td>${e(v.version)}</td><td>${!v.offered ? 'version not offered' : v.stapled ? 'stapled' : `none (${v.attempts} handshakes)`}</td><td>${e(v.status ?? '')}</td><td>${e(v.thisUpdate ?? '')}</td><td>${e(v.nextUpdate ?? '')}</td><td>${e(v.signer ?? '')}</td></tr>`);
    return ['<table><tr><th>TLS</th><th>staple</th><th>status</th><th>thisUpdate</th><th>nextUpdate</th><th>signer</th></tr>', ...rows, '</table>'].join('\n');
  },
  requirement: 'V9.2.4',
  title: 'OCSP stapling on TLS 1.2 and TLS 1.3, with a valid staple',
  async run(ctx) {
    const t = await ctx.trust();
    const leaf = t.served[0]!;
    const issuer = t.revocationPath[1];
    let mustStaple = false;
    try {
      mustStaple = leaf.mustStaple;
    } catch {
      mustStaple = true; // a malformed TLS Feature extension gets the strictest reading, as in the engine
    }
    const consultedByPolicy = t.resolved.revocation.sources.includes('staple');
    const anchoring = revocationAnchoring(t);
    const details: StaplingDetails = { mustStaple, consultedByPolicy, anchored: anchoring.anchored, versions: [] };
    if (!issuer && t.verdict.trusted) {
      return { findings: [], details, notApplicable: 'the certificate is its own anchor (pinned self-signed): no issuer can sign an OCSP response for it' };
    }
    const findings: Finding<StaplingFindingId>[] = [];
    const byId = new Map<StaplingFindingId, { versions: string[]; message: string; code?: string }>();
    const note = (id: StaplingFindingId, version: string, message: string, code?: string): void => {
      const e = byId.get(id);
      if (e) e.versions.push(version);
      else byId.set(id, { versions: [version], message, ...(code ? { code } : {}) });
    };
    let anyOffered = false;
    let validEverywhere = true;
    const goodVersions: TlsVersion[] = [];
    // A server that requires a client certificate refuses a TLS 1.2 handshake after its first flight,
    // and the raw flight carries the staple (RFC 6066 §8: CertificateStatus follows Certificate), so
    // TLS 1.2 is looked at through flights when the server answers one; TLS 1.3 through handshakes.
    const flight = await ctx.flight().catch(() => undefined);
    const viaFlights = flight?.supported === true;
    const look = async (version: TlsVersion, attempt: number): Promise<StapleLook | undefined> => {
      if (version === 'TLSv1.2' && viaFlights) {
        if (attempt > 0 && !ctx.observable(flightKey(attempt))) return undefined;
        const f = await ctx.flight(attempt);
        return { offered: f.supported, ...(f.staple ? { staple: f.staple } : {}) };
      }
      if (attempt > 0 && !ctx.observable(handshakeKey(version, attempt))) return undefined;
      const h = await ctx.handshake(version, attempt);
      return { offered: h.ok, ...(h.staple ? { staple: h.staple } : {}) };
    };
    const seen = await observeStaples(TLS_VERSIONS, look, { attempts: ctx.settings.stapleAttempts, firstDelayMs: ctx.settings.stapleRetryDelayMs, signal: ctx.signal, replay: ctx.replay });
    // The same response is usually stapled on both versions: verify each distinct one once.
    const verified = new Map<string, OcspVerification>();
    for (const version of TLS_VERSIONS) {
      const s = seen.get(version)!;
      const d: StapleDetails = { version, offered: s.offered, attempts: s.attempts, stapled: false };
      details.versions.push(d);
      const staple = s.staple;
      if (!d.offered) continue;
      anyOffered = true;
      if (!staple) {
        validEverywhere = false;
        if (consultedByPolicy) note('staple-missing', version, `no OCSP response stapled in ${d.attempts} attempt(s)`);
        continue;
      }
      d.stapled = true;
      if (!issuer) {
        // Whether a staple is sent does not depend on the issuer; whether it is valid does.
        validEverywhere = false;
        note('staple-invalid', version, 'a response is stapled but the certificate\'s issuer is neither served nor an anchor, so it cannot be verified');
        continue;
      }
      let v = verified.get(staple);
      if (!v) {
        v = verifyOcspResponse(unb64(staple), {
          certificate: leaf,
          issuer,
          at: ctx.at,
          clockSkewMs: t.resolved.clockSkewMs,
          maxAgeMs: t.resolved.revocation.maxResponseAgeMs,
        });
        verified.set(staple, v);
      }
      d.status = v.status;
      d.reasons = v.reasons.map((r) => r.code);
      if (v.producedAt) d.producedAt = v.producedAt.toISOString();
      if (v.thisUpdate) d.thisUpdate = v.thisUpdate.toISOString();
      if (v.nextUpdate) d.nextUpdate = v.nextUpdate.toISOString();
      if (v.signer) d.signer = v.signer === 'issuer' ? 'issuer' : `delegated: ${v.responderCertificate?.subject ?? '?'}`;
      const bad = stapleFinding(v);
      if (bad) {
        validEverywhere = false;
        const why = v.reasons.find((r) => r.code === bad.code)?.message ?? v.reasons[0]?.message ?? v.status;
        note(bad.id, version, `stapled response ${v.status}: ${why}`, bad.code);
      } else {
        goodVersions.push(version);
        note('staple-info', version, `good staple signed by ${d.signer ?? '?'}, valid ${d.thisUpdate ?? '?'} to ${d.nextUpdate ?? '(no nextUpdate)'}`);
        if (v.thisUpdate && v.nextUpdate && insideRemainingWindow(ctx.policy.expiry.staple, v.thisUpdate, v.nextUpdate, ctx.at)) {
          note('staple-expiring', version, `the stapled response is valid until ${d.nextUpdate}: less than ${describeRemainingWindow(ctx.policy.expiry.staple)} left (expiry.staple.warn); the server should have fetched a fresh one`);
        }
      }
    }
    if (!anyOffered) throw scanFailure(AttemptReason.USAGE, 'no TLS 1.2 or TLS 1.3 handshake completed, so stapling cannot be observed');
    if (!anchoring.anchored) {
      // No staple verdict counts (revocation-status reports the chain as revocation-unanchored, once); a missing staple is still a fact about the server.
      const missing = byId.get('staple-missing');
      return { findings: missing ? [finding('staple-missing', `${missing.versions.join(' and ')}: ${missing.message}`, { versions: missing.versions })] : [], details };
    }
    if (goodVersions.length > 0) {
      // A failure of the live check is the revocation-status check's to report.
      const leafLive = (await liveRevocation(ctx).catch(() => undefined))?.result.certificates.find((c) => c.certificate.index === 0);
      if (leafLive?.status === 'revoked') {
        const said = leafLive.evidence.filter((e) => e.status === 'revoked').map((e) => `${e.source}${e.url ? ` ${e.url}` : ''}`);
        findings.push(finding('staple-contradicts-responder', `${goodVersions.join(' and ')}: the server staples a good response but ${said.join(' and ') || 'the live check'} says the certificate is revoked${leafLive.revocationTime ? ` since ${leafLive.revocationTime.toISOString()}` : ''}: clients that trust the staple accept a revoked certificate until the server refreshes it`, { versions: goodVersions, sources: said }));
      }
    }
    for (const [id, e] of byId) findings.push(finding(id, `${e.versions.join(' and ')}: ${e.message}`, { versions: e.versions, ...(e.code ? { code: e.code } : {}) }));
    if (mustStaple && !validEverywhere) {
      findings.push(finding('must-staple-violated', 'the certificate carries the TLS Feature status_request (Must-Staple, RFC 7633) but the server does not staple a valid response on every TLS version it offers: clients that honour Must-Staple hard-fail'));
    }
    if (!consultedByPolicy && findings.every((f) => f.severity === 'info')) {
      return { findings, details, notApplicable: `the policy's revocation.sources (${t.resolved.revocation.sources.join(', ')}) leave out staple` };
    }
    return { findings, details };
  },
};
