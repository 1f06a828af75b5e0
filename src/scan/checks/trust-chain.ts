/**
 * V9.2.1: the served chain validates to the policy's anchors or pins and to
 * nothing else (with `trust.system: false` a public-CA chain fails), for the
 * name the client dials. The engine's evaluateTrust decides (RFC 5280 §6
 * path validation, RFC 6125 names, RFC 7469-style pins); this check maps its
 * reason codes to finding ids and adds two diagnoses the verdict does not
 * give: a missing intermediate, and a chain served out of order.
 */
import { PathReason } from '../../x509/path/reasons.ts';
import { TrustReason } from '../../trust/evaluate.ts';
import { findingsOf, type Check } from '../check.ts';
import type { Finding } from '../findings.ts';
import { findingSpec } from '../../report/model.ts';
import type { Certificate } from '../../x509/certificate.ts';

const ID = 'trust-chain';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const TRUST_CHAIN_FINDINGS = {
  'chain-untrusted': findingSpec('V9.2.1', 'high', 'The chain does not validate to a trust anchor or pin of the policy'),
  'chain-incomplete': findingSpec('V9.2.1', 'high', 'The server does not send an intermediate needed to reach the anchor'),
  'chain-invalid': findingSpec('V9.2.1', 'high', 'The chain breaks an RFC 5280 rule (constraints, key usage, profile, signature)'),
  'chain-order': findingSpec('V9.2.1', 'low', 'The server sends its chain out of order (RFC 8446 §4.4.2, RFC 5246 §7.4.2)'),
  'hostname-mismatch': findingSpec('V9.2.1', 'high', 'The certificate does not cover the name the client connects to'),
  'certificate-expired': findingSpec('V9.2.1', 'high', 'A certificate in the chain has expired'),
  'certificate-not-yet-valid': findingSpec('V9.2.1', 'high', 'A certificate in the chain is not valid yet'),
  'eku-mismatch': findingSpec('V9.2.1', 'high', 'The certificate is not for TLS server authentication (extendedKeyUsage)'),
  'weak-key': findingSpec('V9.2.1', 'high', 'A key in the chain is below the required strength'),
  'weak-signature': findingSpec('V9.2.1', 'high', 'A certificate is signed with a weak algorithm'),
  'pin-mismatch': findingSpec('V9.2.1', 'high', 'No certificate in the chain matches the destination\'s pins'),
  'pins-expired': findingSpec('V9.2.1', 'high', 'Every pin configured for the destination has expired'),
} as const;
type TrustChainFindingId = keyof typeof TRUST_CHAIN_FINDINGS;
const finding = findingsOf(ID, TRUST_CHAIN_FINDINGS);

/** Engine reason code → finding id; everything else is `chain-invalid`. */
export const TRUST_REASON_FINDINGS: Readonly<Record<string, TrustChainFindingId>> = {
  [PathReason.NO_PATH_TO_ANCHOR]: 'chain-untrusted',
  [PathReason.UNTRUSTED_ROOT]: 'chain-untrusted',
  [TrustReason.NO_ANCHORS]: 'chain-untrusted',
  [TrustReason.EMPTY_CHAIN]: 'chain-untrusted',
  [PathReason.EXPIRED]: 'certificate-expired',
  [PathReason.NOT_YET_VALID]: 'certificate-not-yet-valid',
  [PathReason.HOSTNAME_MISMATCH]: 'hostname-mismatch',
  [PathReason.INVALID_HOSTNAME]: 'hostname-mismatch',
  [PathReason.EKU_MISMATCH]: 'eku-mismatch',
  [PathReason.WEAK_KEY]: 'weak-key',
  [PathReason.WEAK_SIGNATURE_ALGORITHM]: 'weak-signature',
  [TrustReason.PIN_MISMATCH]: 'pin-mismatch',
  [TrustReason.PINS_EXPIRED]: 'pins-expired',
};

export interface TrustChainDetails {
  trusted: boolean;
  pinned: boolean;
  rule: string | null;
  reasons: string[];
  served: Array<{ subject: string; issuer: string; notBefore: string; notAfter: string; sha256: string; spkiPin: string }>;
  path: string[];
  orderKnown: boolean;
}

/** The subjectAltName entries as `DNS:`/`IP:`/`email:`/`URI:` strings (the watch's certificate inventory shows them); a malformed extension is said, not hidden. */
function sanStrings(c: Certificate): string[] {
  let names;
  try {
    names = c.subjectAltNames ?? [];
  } catch {
    return ['(malformed subjectAltName extension)'];
  }
  return names.flatMap((n) => {
    if (n.type === 'dns') return [`DNS:${n.value}`];
    if (n.type === 'email') return [`email:${n.value}`];
    if (n.type === 'uri') return [`URI:${n.value}`];
    if (n.type === 'ip') return [`IP:${n.value.length === 4 ? n.value.join('.') : Buffer.from(n.value).toString('hex').replace(/(.{4})(?!$)/g, '$1:')}`];
    return [];
  });
}

/** Served certificates whose issuer is neither served nor an anchor, walking from the leaf. */
function missingIssuer(served: readonly Certificate[], anchors: readonly Certificate[]): Certificate | undefined {
  let current = served[0];
  const seen = new Set<Certificate>();
  while (current && !current.isSelfIssued && !seen.has(current)) {
    seen.add(current);
    const subject = current.issuer;
    if (anchors.some((a) => a.subject === subject)) return undefined;
    const next = served.find((c) => c.subject === subject && c !== current);
    if (!next) return current;
    current = next;
  }
  return undefined;
}

/** RFC 8446 §4.4.2 / RFC 5246 §7.4.2: each certificate should certify the one before it. */
function outOfOrder(served: readonly Certificate[]): number | undefined {
  for (let i = 1; i < served.length; i++) if (served[i]!.subject !== served[i - 1]!.issuer) return i;
  return undefined;
}

export const trustChainCheck: Check<typeof ID, TrustChainFindingId, TrustChainDetails> = {
  id: ID,
  findings: TRUST_CHAIN_FINDINGS,
  html(chain, e) {
    const rows = chain.served.map((c, i) => `<tr><td>${i}</td><td>${e(c.subject)}</td><td>${e(c.issuer)}</td><td>${e(c.notBefore)}<br>${e(c.notAfter)}</td><td><code>${e(c.sha256)}</code></td></tr>`);
    return ['<table><tr><th>#</th><th>served certificate</th><th>issuer</th><th>valid</th><th>SHA-256</th></tr>', ...rows, '</table>'].join('\n');
  },
  requirement: 'V9.2.1',
  title: 'Chain validates to the policy\'s anchors or pins only',
  async run(ctx) {
    const t = await ctx.trust();
    const findings: Finding<TrustChainFindingId>[] = [];
    const seen = new Set<TrustChainFindingId>();
    const add = (id: TrustChainFindingId, message: string, details?: Record<string, unknown>): void => {
      if (seen.has(id)) return;
      seen.add(id);
      findings.push(finding(id, message, details));
    };
    for (const m of t.malformed) add('chain-invalid', `the server sent a certificate that does not parse: ${m}`);
    for (const r of t.verdict.reasons) {
      const id = TRUST_REASON_FINDINGS[r.code] ?? 'chain-invalid';
      add(id, r.message, { code: r.code });
    }
    if (!t.verdict.trusted && seen.has('chain-untrusted')) {
      const gap = missingIssuer(t.served, t.resolved.anchors);
      if (gap) add('chain-incomplete', `the chain ends at "${gap.subject}" and its issuer "${gap.issuer}" was neither sent by the server nor is an anchor of the policy: either an intermediate is missing or that issuer is not trusted`, { issuer: gap.issuer });
    }
    if (t.orderKnown) {
      const i = outOfOrder(t.served);
      if (i !== undefined) add('chain-order', `certificate #${i} ("${t.served[i]!.subject}") does not certify the one before it ("${t.served[i - 1]!.subject}"); strict clients may fail to build the path`, { index: i });
    }
    return {
      findings,
      details: {
        trusted: t.verdict.trusted,
        pinned: t.verdict.pinned,
        rule: t.verdict.rule?.name ?? null,
        reasons: t.verdict.reasons.map((r) => r.code),
        served: t.served.map((c) => ({ subject: c.subject, issuer: c.issuer, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), sha256: c.fingerprint256, spkiPin: `sha256/${c.spkiSha256}`, sans: sanStrings(c) })),
        path: t.verdict.path.map((c) => c.subject),
        orderKnown: t.orderKnown,
      },
    };
  },
};
