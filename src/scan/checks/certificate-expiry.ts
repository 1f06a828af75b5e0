/**
 * V9.2.1: certificates close to their notAfter, against the policy's
 * `expiry.leaf` and `expiry.chain` windows (src/policy/expiry.ts), judged at
 * the scan's time (`ctx.at`, the recorded time in replay), never the system
 * clock. A certificate already expired is the trust-chain check's
 * `certificate-expired`; this check speaks only while there is still time to
 * act. The leaf gets the leaf windows; the intermediates and the anchor of
 * the validated path (or of the served chain when it does not validate) get
 * the chain windows.
 */
import { findingsOf, type Check } from '../check.ts';
import type { Finding } from '../findings.ts';
import { findingSpec } from '../../report/model.ts';
import { formatDuration } from '../../policy/values.ts';

const ID = 'certificate-expiry';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const EXPIRY_FINDINGS = {
  'certificate-expiring-soon': findingSpec('V9.2.1', 'high', 'A certificate of the chain expires inside the policy\'s expiry fail window (expiry.leaf.fail / expiry.chain.fail)'),
  'certificate-expiring': findingSpec('V9.2.1', 'medium', 'A certificate of the chain expires inside the policy\'s expiry warn window (expiry.leaf.warn / expiry.chain.warn)'),
} as const;
type ExpiryFindingId = keyof typeof EXPIRY_FINDINGS;
const finding = findingsOf(ID, EXPIRY_FINDINGS);
const DAY_MS = 86_400_000;

export interface CertificateExpiryDetails {
  certificates: Array<{ index: number; subject: string; notAfter: string; daysLeft: number; window: 'leaf' | 'chain'; verdict: 'ok' | 'warn' | 'fail' | 'expired' }>;
}

export const certificateExpiryCheck: Check<typeof ID, ExpiryFindingId, CertificateExpiryDetails> = {
  id: ID,
  findings: EXPIRY_FINDINGS,
  requirement: 'V9.2.1',
  title: 'Certificates are not close to expiry (policy expiry windows)',
  async run(ctx) {
    const t = await ctx.trust();
    const expiry = ctx.policy.expiry;
    const chain = t.verdict.trusted ? t.verdict.path : t.revocationPath;
    const details: CertificateExpiryDetails = { certificates: [] };
    const findings: Finding<ExpiryFindingId>[] = [];
    chain.forEach((c, index) => {
      const window = index === 0 ? 'leaf' : 'chain';
      const w = expiry[window];
      const leftMs = c.notAfter.getTime() - ctx.at.getTime();
      const verdict = leftMs <= 0 ? 'expired' : leftMs < w.failMs ? 'fail' : leftMs < w.warnMs ? 'warn' : 'ok';
      details.certificates.push({ index, subject: c.subject, notAfter: c.notAfter.toISOString(), daysLeft: Math.floor(leftMs / DAY_MS), window, verdict });
      if (verdict !== 'fail' && verdict !== 'warn') return;
      const limit = verdict === 'fail' ? w.failMs : w.warnMs;
      const what = index === 0 ? 'the server certificate' : `chain certificate #${index}`;
      findings.push(
        finding(verdict === 'fail' ? 'certificate-expiring-soon' : 'certificate-expiring', `${what} "${c.subject}" expires ${c.notAfter.toISOString()}, in ${(leftMs / DAY_MS).toFixed(1)} days: inside expiry.${window}.${verdict} (${formatDuration(limit)})`, {
          index,
          notAfter: c.notAfter.toISOString(),
        }),
      );
    });
    return { findings, details };
  },
};
