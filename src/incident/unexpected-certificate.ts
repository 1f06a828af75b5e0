/**
 * Playbook: an endpoint serves a certificate nobody expected (the watch's
 * `certificate-changed` unexpected, or `served-unknown`).
 *
 * Nothing is changed anywhere: the playbook records. It scans the target
 * (every check of scan, with replayable evidence), and writes an evidence
 * bundle to a fresh 0700 folder: the served chain as PEM, the scan report,
 * each certificate's fingerprints, SPKI pin, issuer and Certificate
 * Transparency fields, the time, and whether the organisation's CA issued
 * the leaf (from its inventory, by serial and exact bytes; and, when it is
 * not in the inventory, whether the CA's key signed it anyway, which means
 * the CA key is out of the CA's control). Then it lists the questions a
 * person must answer.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../ca/keys.ts';
import { PUBLIC_FILE_MODE, writeFileSafely } from '../ca/safe-write.ts';
import type { CaStore } from '../ca/store.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { runScan } from '../scan/runner.ts';
import type { ScanReport, TargetResult } from '../scan/report.ts';
import type { ScanTarget } from '../scan/target.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { snapshotOf } from '../watch/snapshot.ts';
import { Certificate } from '../x509/certificate.ts';
import { verifySignature } from '../x509/signature.ts';
import { certificateFacts, type CertificateFacts } from './certificate-facts.ts';

/** The bundle's files, relative to its folder. */
export const BUNDLE_FILES = {
  summary: 'bundle.json',
  chain: 'chain.pem',
  leaf: 'leaf.pem',
  report: 'scan-report.json',
  certificates: 'certificates.json',
  evidence: 'scan-evidence',
} as const;

/**
 * What the organisation's CA knows of the served leaf:
 *  - `issued`: in its inventory, not revoked (expected, if someone asked for it);
 *  - `issued-revoked`: in its inventory and revoked: the endpoint serves a revoked certificate;
 *  - `signed-not-recorded`: its issuing key signed it but the inventory has no record: the CA key is compromised;
 *  - `not-issued`: neither: another CA issued it;
 *  - `unknown`: no CA inventory was given (not the same as not-issued).
 */
export type OrgCaVerdict = 'issued' | 'issued-revoked' | 'signed-not-recorded' | 'not-issued' | 'unknown';

export interface OrgCa {
  dir: string;
  store: CaStore;
  /** The CA's issuing certificate (DIR/issuing.pem). */
  issuing: Certificate;
}

export interface UnexpectedOptions {
  target: ScanTarget;
  policy: Policy;
  outDir: string;
  /** The organisation's CA homes (--dir, or the watch configuration's `ca:` entries); empty: the verdict is `unknown`. */
  orgCas: readonly OrgCa[];
  /** The scan's time budget for the target. */
  targetTimeoutMs?: number;
}

export interface UnexpectedResult {
  target: string;
  at: string;
  reached: boolean;
  downReason?: string;
  bundle: { dir: string; files: string[] };
  /** Whether the served chain validated under the policy given. */
  trusted: boolean;
  chain: CertificateFacts[];
  orgCa: { verdict: OrgCaVerdict; dir?: string; serial?: string; revokedAt?: string; reason?: string; issuedAt?: string; profile?: string };
  /** Checks of scan whose findings a person should read first (ids). */
  findings: string[];
  questions: string[];
}

/** A fresh folder for the bundle: created 0700, or an existing empty one (evidence is never mixed with older files). */
function bundleDir(dir: string): void {
  ensurePrivateDir(dir);
  // Evidence names hosts, keys' pins and findings: only its owner reads it. An existing folder's mode is not changed, it is refused.
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) throw new CertwardenError(ErrorCode.IO, `${dir} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): an evidence bundle goes into a 0700 folder (chmod 700 it, or name a new one)`, { details: { path: dir } });
  if (readdirSync(dir).length > 0) throw new CertwardenError(ErrorCode.IO, `${dir} is not empty: an evidence bundle goes into a new folder, never over older evidence`, { details: { path: dir } });
}

function signedBy(cert: Certificate, issuer: Certificate): boolean {
  try {
    return cert.issuer === issuer.subject && verifySignature(cert.signatureAlgorithm, cert.tbs, cert.signatureValue, issuer.publicKey);
  } catch {
    return false;
  }
}

/** The first CA home that issued the leaf decides; else one whose key signed it anyway; else not issued. */
async function orgCaVerdict(leaf: Certificate | undefined, cas: readonly OrgCa[]): Promise<UnexpectedResult['orgCa']> {
  if (cas.length === 0 || !leaf) return { verdict: 'unknown' };
  for (const ca of cas) {
    const rec = await ca.store.get(leaf.serialHex);
    if (rec && rec.der.equals(leaf.der)) {
      const base = { dir: ca.dir, serial: rec.serial, issuedAt: rec.issuedAt.toISOString(), profile: rec.profile };
      return rec.revokedAt ? { verdict: 'issued-revoked', ...base, revokedAt: rec.revokedAt.toISOString(), reason: rec.reason ?? 'unspecified' } : { verdict: 'issued', ...base };
    }
  }
  const signer = cas.find((ca) => signedBy(leaf, ca.issuing));
  return signer ? { verdict: 'signed-not-recorded', dir: signer.dir } : { verdict: 'not-issued' };
}

/** The questions a person answers for this incident; the bundle's facts are quoted where they help. */
export function questionsFor(r: Pick<UnexpectedResult, 'target' | 'chain' | 'orgCa' | 'trusted' | 'reached'>, leafFile: string): string[] {
  const leaf = r.chain[0];
  const q: string[] = [];
  if (!r.reached || !leaf) {
    q.push(`Why could ${r.target} not be reached now? Was it taken down, moved, or is something blocking the scan? Scan it again before closing the incident.`);
    return q;
  }
  q.push(`Who requested this certificate (serial ${leaf.serial}, ${leaf.dnsNames.join(', ') || leaf.subject}), when, and through which process (ticket, ACME account, CA order)? Nobody recognising it makes it hostile until shown otherwise.`);
  const v = r.orgCa.verdict;
  if (v === 'signed-not-recorded') q.push(`The organisation's issuing CA key signed it, but the CA has no record of it: who else can use that key? Treat the CA as compromised (certwarden incident ca-compromise).`);
  else if (v === 'not-issued') q.push(`Which CA issued it ("${leaf.issuer}")? The organisation's CA did not. Is that CA one your policy should trust for ${r.target}${r.trusted ? ' (the policy given does trust it)' : ''}?`);
  else if (v === 'unknown') q.push(`Which CA issued it ("${leaf.issuer}")? Run again with --dir CADIR to check the organisation's CA inventory.`);
  else if (v === 'issued-revoked') q.push(`The organisation's CA issued it and revoked it (${r.orgCa.reason}) at ${r.orgCa.revokedAt}: why is ${r.target} still serving it, and who deployed it?`);
  else q.push(`The organisation's CA issued it at ${r.orgCa.issuedAt}: was the change on ${r.target} planned, and why did monitoring not expect it?`);
  q.push('Where is its private key, who can read it, and could it have been copied? If nobody can say, treat the key as compromised.');
  q.push(`Which other endpoints serve it? Sweep the fleet for sha256 ${leaf.sha256} (--targets FILE or --watch-config FILE).`);
  const scts = leaf.ct.embeddedScts.length;
  q.push(scts > 0 ? `It carries ${scts} embedded SCT(s): look it up in the Certificate Transparency logs (by SHA-256 ${leaf.sha256}) for other certificates issued for the same names.` : 'It carries no embedded SCT: publicly trusted CAs log every certificate, so either a private CA issued it or the SCTs came in the handshake; search CT logs for the names anyway.');
  q.push(
    v === 'issued' || v === 'issued-revoked' || v === 'signed-not-recorded'
      ? `Revoke it? If the key may be exposed: certwarden incident key-compromise --cert ${leafFile} --dir ${r.orgCa.dir ?? 'CADIR'}.`
      : 'Revoke it? Ask the issuing CA to (for key compromise or misissuance a publicly trusted CA must revoke within 24 hours, CA/B Forum BR §4.9.1.1), and check DNS and load-balancer changes that let someone else answer for the name.',
  );
  q.push('Who must be told (service owner, security team, the CA), and what goes in the incident record (this bundle, the answers above, the timeline)?');
  return q;
}

export async function runUnexpectedCertificate(o: UnexpectedOptions): Promise<{ result: UnexpectedResult; report: ScanReport }> {
  bundleDir(o.outDir);
  const evidenceDir = join(o.outDir, BUNDLE_FILES.evidence);
  mkdirSync(evidenceDir, { mode: 0o700 });
  const report = await runScan({ policy: o.policy, targets: [o.target], concurrency: 1, evidenceDir, ...(o.targetTimeoutMs !== undefined ? { targetTimeoutMs: o.targetTimeoutMs } : {}) });
  const tr: TargetResult = report.results[0]!;
  const snap = snapshotOf(tr, o.target.input);
  const files: string[] = [BUNDLE_FILES.evidence];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileSafely(join(o.outDir, name), data, { mode: PUBLIC_FILE_MODE, overwrite: false });
    files.push(name);
  };
  let chain: Certificate[] = [];
  if (snap.up && tr.evidence.dir) {
    try {
      chain = Certificate.parseAll(readFileBounded(join(tr.evidence.dir, 'chain.pem'), { what: 'the served chain' }));
    } catch {
      // A chain that does not parse is in the scan evidence as served; the facts below stay empty.
      chain = [];
    }
  }
  if (chain.length > 0) {
    put(BUNDLE_FILES.chain, chain.map((c) => c.toPem()).join(''));
    put(BUNDLE_FILES.leaf, chain[0]!.toPem());
  }
  const facts = chain.map(certificateFacts);
  const orgCa = await orgCaVerdict(chain[0], o.orgCas);
  const base = { target: o.target.input, chain: facts, orgCa, trusted: snap.trusted, reached: snap.up && chain.length > 0 };
  const result: UnexpectedResult = {
    ...base,
    at: report.at,
    ...(snap.up ? {} : { downReason: snap.downReason ?? 'no certificate was served' }),
    bundle: { dir: o.outDir, files },
    findings: snap.findings.map((f) => f.id),
    questions: questionsFor(base, join(o.outDir, BUNDLE_FILES.leaf)),
  };
  put(BUNDLE_FILES.report, `${JSON.stringify(report, null, 2)}\n`);
  put(BUNDLE_FILES.certificates, `${JSON.stringify(facts, null, 2)}\n`);
  files.push(BUNDLE_FILES.summary);
  writeFileSafely(join(o.outDir, BUNDLE_FILES.summary), `${JSON.stringify(result, null, 2)}\n`, { mode: PUBLIC_FILE_MODE, overwrite: false });
  return { result, report };
}
