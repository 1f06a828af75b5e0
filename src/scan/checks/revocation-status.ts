/**
 * V9.2.4: the live revocation status of the leaf and (with `check: chain`)
 * the intermediates, from the OCSP and CRL sources the policy lists
 * (`revocation.sources`, in its order; the staple is judged by the stapling
 * check), under the policy's hard- or soft-fail mode. The engine's
 * checkChainRevocation decides; a revoked certificate fails however it is
 * found, `unknown` is not `good`, and a pinned self-signed certificate has no
 * revocation source: `na` with the reason, not a failure.
 *
 * Revocation evidence counts only when it is anchored in the policy: for a
 * chain that does not validate to a policy anchor or pin, whoever made the
 * chain can also make a `good` OCSP answer or CRL for it, so such a chain
 * gets `revocation-unanchored` and nothing is fetched for it.
 *
 * The evidence says which sources were consulted, which the policy leaves out
 * (skipped), and which could not be reached.
 */
import { checkChainRevocation, RevocationCheckReason, UNREACHABLE_CODES, type CertificateRevocation, type ChainRevocationResult } from '../../revocation/checker.ts';
import type { RevocationSource } from '../../core/revocation-vocabulary.ts';
import { describeRemainingWindow, insideRemainingWindow } from '../../policy/expiry.ts';
import { findingsOf, type Check } from '../check.ts';
import type { ScanContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import { findingSpec } from '../../report/model.ts';
import { b64 } from '../observations.ts';
import { revocationAnchoring } from '../anchoring.ts';

const ID = 'revocation-status';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const REVOCATION_FINDINGS = {
  revoked: findingSpec('V9.2.4', 'critical', 'A certificate in the chain is revoked'),
  'revocation-unknown': findingSpec('V9.2.4', 'high', 'The OCSP responder does not know a certificate of the chain'),
  'revocation-unavailable': findingSpec('V9.2.4', 'high', 'Revocation status could not be established (sources unreachable) under hard-fail'),
  'revocation-invalid': findingSpec('V9.2.4', 'high', 'A revocation source answered with a response that cannot be trusted'),
  'no-revocation-source': findingSpec('V9.2.4', 'high', 'A certificate names no OCSP responder and no CRL distribution point'),
  'revocation-unanchored': findingSpec('V9.2.4', 'high', 'The chain does not validate to an anchor or pin of the policy, so no staple, OCSP answer or CRL signed by its issuer can prove anything about revocation'),
  'crl-expiring': findingSpec('V9.2.4', 'medium', 'A CRL consulted for the chain is close to its nextUpdate (expiry.crl.warn): the CA has not published a newer one'),
  'revocation-soft-failed': findingSpec('V9.2.4', 'medium', 'Revocation status could not be established; admitted only because the policy is soft-fail'),
  'revocation-not-applicable': findingSpec('V9.2.4', 'info', 'The certificate is itself the anchor (pinned self-signed): it has no revocation source'),
  'crl-number-missing': findingSpec('V9.2.4', 'low', 'A CRL relied on has no cRLNumber (RFC 5280 §5.2.3 requires it); used because the policy allows it (revocation.crl-number: optional)'),
} as const;
type RevocationFindingId = keyof typeof REVOCATION_FINDINGS;
const finding = findingsOf(ID, REVOCATION_FINDINGS);

/** The sources a client queries itself; the stapling check owns the staple. */
const LIVE_SOURCES: readonly RevocationSource[] = ['ocsp', 'crl'];

/**
 * Passed as the "staple" so the engine's Must-Staple / require-staple rule
 * (judged by the stapling check) does not turn into a revocation finding here.
 * It is never read: `staple` is never among the sources passed.
 */
const NOT_THIS_CHECKS_STAPLE = new Uint8Array(0);

export interface RevocationSourcesEvidence {
  /** `revocation.sources` for this destination, as the policy gives them. */
  policy: RevocationSource[];
  /** Live sources this check asked (policy order). */
  consulted: RevocationSource[];
  /** Live sources the policy leaves out, so they were not asked. */
  skippedByPolicy: RevocationSource[];
  /** Consulted sources that could not be reached (network error, timeout, HTTP error, tryLater). */
  unreachable: RevocationSource[];
  /** Where `staple` is judged when the policy lists it. */
  staple: 'judged by the stapling check' | 'skipped by policy';
}

export interface RevocationDetails {
  mode: string;
  check: string;
  status: string;
  softFailed: boolean;
  sources: RevocationSourcesEvidence;
  certificates: Array<{ subject: string; serial: string; status: string; reasons: string[]; sources: Array<{ source: string; url?: string; status: string; thisUpdate?: string; nextUpdate?: string }> }>;
}

/** The live check of one target, shared with the stapling check (a staple contradicting it is a finding there). */
export interface LiveRevocation {
  result: ChainRevocationResult;
  sources: RevocationSourcesEvidence;
}

const live = new WeakMap<ScanContext, Promise<LiveRevocation | undefined>>();

function sourcesEvidence(policySources: readonly RevocationSource[]): RevocationSourcesEvidence {
  return {
    policy: [...policySources],
    consulted: policySources.filter((s) => LIVE_SOURCES.includes(s)),
    skippedByPolicy: LIVE_SOURCES.filter((s) => !policySources.includes(s)),
    unreachable: [],
    staple: policySources.includes('staple') ? 'judged by the stapling check' : 'skipped by policy',
  };
}

/**
 * The live OCSP/CRL check of the target, run once per target whoever asks
 * first; undefined when nothing may be asked: an unanchored chain, a
 * certificate that is its own anchor, or a policy listing no live source.
 */
export function liveRevocation(ctx: ScanContext): Promise<LiveRevocation | undefined> {
  let p = live.get(ctx);
  if (!p) {
    p = computeLive(ctx);
    live.set(ctx, p);
  }
  return p;
}

async function computeLive(ctx: ScanContext): Promise<LiveRevocation | undefined> {
  const t = await ctx.trust();
  const settings = t.resolved.revocation;
  const sources = sourcesEvidence(settings.sources);
  if (!revocationAnchoring(t).anchored || t.revocationPath.length < 2 || sources.consulted.length === 0) return undefined;
  const result = await checkChainRevocation(t.revocationPath, {
    settings: { ...settings, sources: sources.consulted, requireStaple: false },
    at: ctx.at,
    clockSkewMs: t.resolved.clockSkewMs,
    staple: NOT_THIS_CHECKS_STAPLE,
    ocspCache: ctx.ocspCache,
    crlCache: ctx.crlCache,
    signal: ctx.signal,
    ...(ctx.ocspFetch ? { ocspFetch: ctx.ocspFetch } : {}),
  });
  for (const c of result.certificates) {
    const got = c.evidence.find((e) => e.source === 'ocsp' && e.der);
    const failed = c.reasons.filter((x) => x.code.startsWith('ocsp-'));
    if (got?.der) ctx.recorder.ocsp.push({ index: c.certificate.index, ...(got.url ? { url: got.url } : {}), der: b64(got.der) });
    else if (failed.length > 0) ctx.recorder.ocsp.push({ index: c.certificate.index, reasons: failed });
  }
  const unreachable = new Set(result.certificates.flatMap((c) => c.reasons.filter((x) => UNREACHABLE_CODES.has(x.code)).map((x) => (x.code.startsWith('crl-') ? 'crl' : 'ocsp') as RevocationSource)));
  sources.unreachable = sources.consulted.filter((s) => unreachable.has(s));
  return { result, sources };
}

function describe(c: CertificateRevocation): string {
  return `"${c.certificate.subject}" (serial ${c.certificate.serial})`;
}

export const revocationStatusCheck: Check<typeof ID, RevocationFindingId, RevocationDetails> = {
  id: ID,
  findings: REVOCATION_FINDINGS,
  requirement: 'V9.2.4',
  title: 'Live OCSP / CRL status of the chain, from the policy\'s sources, under its fail mode',
  async run(ctx) {
    const t = await ctx.trust();
    const settings = t.resolved.revocation;
    const details: RevocationDetails = { mode: settings.mode, check: settings.check, status: 'na', softFailed: false, sources: sourcesEvidence(settings.sources), certificates: [] };
    const anchoring = revocationAnchoring(t);
    if (t.revocationPath.length < 2 && t.verdict.trusted) {
      const why = 'the certificate is itself the trust anchor (pinned self-signed): there is no issuer to revoke it; trust ends when its pin is removed from the policy';
      return { findings: [finding('revocation-not-applicable', why)], details, notApplicable: why };
    }
    if (!anchoring.anchored) {
      return { findings: [finding('revocation-unanchored', `${anchoring.why}: staples, OCSP answers and CRLs for this chain would be signed by an issuer the policy does not vouch for (whoever made the chain can sign a good one), so no staple counts and OCSP and CRLs were not fetched: none can prove anything`)], details };
    }
    const l = await liveRevocation(ctx);
    if (!l) {
      const why = `the policy's revocation.sources (${settings.sources.join(', ')}) list no live source (ocsp, crl): the staple alone is judged, by the stapling check`;
      return { findings: [], details, notApplicable: why };
    }
    const r = l.result;
    details.sources = l.sources;
    details.status = r.status;
    details.softFailed = r.softFailed;
    details.certificates = r.certificates.map((c) => ({
      subject: c.certificate.subject,
      serial: c.certificate.serial,
      status: c.status,
      reasons: c.reasons.map((x) => x.code),
      sources: c.evidence.map((e) => ({
        source: e.source,
        ...(e.url ? { url: e.url } : {}),
        status: e.status,
        ...(e.thisUpdate ? { thisUpdate: e.thisUpdate.toISOString() } : {}),
        ...(e.nextUpdate ? { nextUpdate: e.nextUpdate.toISOString() } : {}),
      })),
    }));
    const findings: Finding<RevocationFindingId>[] = [];
    const sourcesNote = `consulted ${l.sources.consulted.join(', ')}${l.sources.skippedByPolicy.length ? `; skipped by policy: ${l.sources.skippedByPolicy.join(', ')}` : ''}${l.sources.unreachable.length ? `; unreachable: ${l.sources.unreachable.join(', ')}` : ''}`;
    for (const c of r.certificates) {
      const codes = c.reasons.map((x) => x.code);
      const text = c.reasons.map((x) => x.message).join('; ');
      if (c.status === 'revoked') {
        findings.push(finding('revoked', `${describe(c)} is revoked${c.revocationTime ? ` since ${c.revocationTime.toISOString()}` : ''}${c.revocationReason ? ` (${c.revocationReason})` : ''}`, { index: c.certificate.index }));
      } else if (c.status === 'unknown') {
        findings.push(finding('revocation-unknown', `the responder does not know ${describe(c)}: ${text}`, { index: c.certificate.index }));
      } else if (c.status === 'error') {
        const id = codes.includes(RevocationCheckReason.NO_SOURCE) ? 'no-revocation-source' : codes.includes(RevocationCheckReason.UNAVAILABLE) ? 'revocation-unavailable' : 'revocation-invalid';
        findings.push(finding(id, `${describe(c)}: ${text} (${sourcesNote})`, { index: c.certificate.index, codes, sources: l.sources }));
      } else if (c.softFailed) {
        findings.push(finding('revocation-soft-failed', `${describe(c)}: no source could be reached (${sourcesNote}); admitted only because the policy is soft-fail`, { index: c.certificate.index, sources: l.sources }));
      }
      const noNumber = c.warnings?.find((x) => x.code === 'crl-number-missing');
      if (noNumber) findings.push(finding('crl-number-missing', `${describe(c)}: ${noNumber.message}`, { index: c.certificate.index }));
      for (const e of c.evidence) {
        if (e.source !== 'crl' || e.status === 'error' || !e.thisUpdate || !e.nextUpdate) continue;
        if (insideRemainingWindow(ctx.policy.expiry.crl, e.thisUpdate, e.nextUpdate, ctx.at)) {
          findings.push(finding('crl-expiring', `the CRL ${e.url ?? ''} consulted for ${describe(c)} is valid until ${e.nextUpdate.toISOString()}: less than ${describeRemainingWindow(ctx.policy.expiry.crl)} left (expiry.crl.warn)`, { index: c.certificate.index, ...(e.url ? { url: e.url } : {}), nextUpdate: e.nextUpdate.toISOString() }));
        }
      }
    }
    return { findings, details };
  },
};
