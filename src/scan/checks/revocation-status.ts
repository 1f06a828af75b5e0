/**
 * V9.2.4: the live revocation status of the leaf and (with `check: chain`)
 * the intermediates, from OCSP and CRLs only (the staple is judged by the
 * stapling check), under the policy's hard- or soft-fail mode. The engine's
 * checkChainRevocation decides; a revoked certificate fails however it is
 * found, `unknown` is not `good`, and a pinned self-signed certificate has no
 * revocation source: `na` with the reason, not a failure.
 */
import { checkChainRevocation, RevocationCheckReason, type CertificateRevocation } from '../../revocation/checker.ts';
import type { RevocationSource } from '../../revocation/types.ts';
import type { Check } from '../check.ts';
import { finding, type Finding } from '../findings.ts';
import { b64 } from '../observations.ts';

const ID = 'revocation-status';

/** The stapling check owns the staple; here only the sources a client would query itself. */
const LIVE_SOURCES: readonly RevocationSource[] = ['ocsp', 'crl'];

/**
 * Passed as the "staple" so the engine's Must-Staple / require-staple rule
 * (judged by the stapling check) does not turn into a revocation finding here.
 * It is never read: `staple` is not among LIVE_SOURCES.
 */
const NOT_THIS_CHECKS_STAPLE = new Uint8Array(0);

export interface RevocationDetails {
  mode: string;
  check: string;
  status: string;
  softFailed: boolean;
  certificates: Array<{ subject: string; serial: string; status: string; reasons: string[]; sources: Array<{ source: string; url?: string; status: string; thisUpdate?: string; nextUpdate?: string }> }>;
}

function describe(c: CertificateRevocation): string {
  return `"${c.certificate.subject}" (serial ${c.certificate.serial})`;
}

export const revocationStatusCheck: Check<RevocationDetails> = {
  id: ID,
  requirement: 'V9.2.4',
  title: 'Live OCSP / CRL status of the chain under the policy\'s fail mode',
  needs: ['handshakes', 'ocsp-crl-fetch'],
  async run(ctx) {
    const t = await ctx.trust();
    const settings = t.resolved.revocation;
    const details: RevocationDetails = { mode: settings.mode, check: settings.check, status: 'na', softFailed: false, certificates: [] };
    // An untrusted chain's URLs are the server's choice: nothing is fetched for it (fetch-gate.ts).
    const refusal = ctx.revocationFetchRefusal(t);
    if (refusal) return { findings: [finding(ID, 'revocation-not-checked', refusal)], details: { ...details, status: 'not-checked' } };
    if (t.revocationPath.length < 2) {
      const why = t.verdict.trusted
        ? 'the certificate is itself the trust anchor (pinned self-signed): there is no issuer to revoke it; trust ends when its pin is removed from the policy'
        : 'the certificate\'s issuer is not known, so its revocation cannot be checked';
      if (!t.verdict.trusted) return { findings: [finding(ID, 'no-revocation-source', why)], details };
      return { findings: [finding(ID, 'revocation-not-applicable', why)], details, notApplicable: why };
    }
    const r = await checkChainRevocation(t.revocationPath, {
      settings: { ...settings, sources: LIVE_SOURCES, requireStaple: false },
      at: ctx.at,
      clockSkewMs: t.resolved.clockSkewMs,
      staple: NOT_THIS_CHECKS_STAPLE,
      ocspCache: ctx.ocspCache,
      crlCache: ctx.crlCache,
      signal: ctx.signal,
      ...(ctx.ocspFetch ? { ocspFetch: ctx.ocspFetch } : {}),
    });
    for (const c of r.certificates) {
      const got = c.evidence.find((e) => e.source === 'ocsp' && e.der);
      const failed = c.reasons.filter((x) => x.code.startsWith('ocsp-'));
      if (got?.der) ctx.recorder.ocsp.push({ index: c.certificate.index, ...(got.url ? { url: got.url } : {}), der: b64(got.der) });
      else if (failed.length > 0) ctx.recorder.ocsp.push({ index: c.certificate.index, reasons: failed });
    }
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
    const findings: Finding[] = [];
    for (const c of r.certificates) {
      const codes = c.reasons.map((x) => x.code);
      const text = c.reasons.map((x) => x.message).join('; ');
      if (c.status === 'revoked') {
        findings.push(finding(ID, 'revoked', `${describe(c)} is revoked${c.revocationTime ? ` since ${c.revocationTime.toISOString()}` : ''}${c.revocationReason ? ` (${c.revocationReason})` : ''}`, { index: c.certificate.index }));
      } else if (c.status === 'unknown') {
        findings.push(finding(ID, 'revocation-unknown', `the responder does not know ${describe(c)}: ${text}`, { index: c.certificate.index }));
      } else if (c.status === 'error') {
        const id = codes.includes(RevocationCheckReason.NO_SOURCE) ? 'no-revocation-source' : codes.includes(RevocationCheckReason.UNAVAILABLE) ? 'revocation-unavailable' : 'revocation-invalid';
        findings.push(finding(ID, id, `${describe(c)}: ${text}`, { index: c.certificate.index, codes }));
      } else if (c.softFailed) {
        findings.push(finding(ID, 'revocation-soft-failed', `${describe(c)}: no source could be reached; admitted only because the policy is soft-fail`, { index: c.certificate.index }));
      }
      const noNumber = c.warnings?.find((x) => x.code === 'crl-number-missing');
      if (noNumber) findings.push(finding(ID, 'crl-number-missing', `${describe(c)}: ${noNumber.message}`, { index: c.certificate.index }));
    }
    return { findings, details };
  },
};
