/**
 * What the watch keeps of one scan of one target: the verdicts, the finding
 * ids, the served chain's fingerprints and validity, and the staple windows.
 * Built from scan's report (runScan), so every check of scan is the watch's.
 */
import { REQUIREMENTS, type Requirement, type Severity } from '../scan/findings.ts';
import type { RequirementStatus, TargetResult } from '../scan/report.ts';

export interface SnapshotCertificate {
  position: number;
  sha256: string;
  subject: string;
  notAfter: string;
  /** Issuer and subjectAltNames, for the dashboard's inventory (absent in scans recorded before they were kept). */
  issuer?: string;
  sans?: string[];
}

export interface SnapshotFinding {
  id: string;
  severity: Severity;
  requirement: Requirement;
  message: string;
}

export interface Snapshot {
  target: string;
  at: string;
  /** Whether a TLS handshake gave a chain (a target that cannot be reached is down, never passing). */
  up: boolean;
  /** Why the target is down (the connectivity error). */
  downReason?: string;
  durationMs: number;
  statuses: Record<Requirement, RequirementStatus>;
  findings: SnapshotFinding[];
  /** The chain as served, leaf first. */
  chain: SnapshotCertificate[];
  /** Whether the served chain validated to the policy's anchors or pins. */
  trusted: boolean;
  /** The earliest nextUpdate among the good staples seen (per TLS version), if any. */
  stapleNextUpdate?: string;
}

interface TrustChainEvidence {
  trusted?: boolean;
  served?: Array<{ subject: string; issuer?: string; notAfter: string; sha256: string; sans?: string[] }>;
}

interface StaplingEvidence {
  versions?: Array<{ status?: string; nextUpdate?: string }>;
}

export function snapshotOf(r: TargetResult, label: string): Snapshot {
  const trust = r.evidence.checks['trust-chain'] as TrustChainEvidence | undefined;
  const stapling = r.evidence.checks['stapling'] as StaplingEvidence | undefined;
  const chain = (trust?.served ?? []).map((c, position) => ({ position, sha256: c.sha256, subject: c.subject, notAfter: c.notAfter, ...(c.issuer !== undefined ? { issuer: c.issuer } : {}), ...(c.sans ? { sans: c.sans } : {}) }));
  const connectivity = r.attempts.find((a) => a.check === 'trust-chain' && a.status === 'error' && a.reason === 'connectivity');
  const up = chain.length > 0 && !connectivity;
  const nextUpdates = (stapling?.versions ?? []).filter((v) => v.status === 'good' && v.nextUpdate).map((v) => v.nextUpdate!);
  const snap: Snapshot = {
    target: label,
    at: r.evidence.at,
    up,
    ...(up ? {} : { downReason: connectivity?.message ?? 'no certificate was served' }),
    durationMs: Math.round(r.durationMs),
    statuses: Object.fromEntries(REQUIREMENTS.map((q) => [q, r.requirements[q].status])) as Record<Requirement, RequirementStatus>,
    findings: REQUIREMENTS.flatMap((q) => r.requirements[q].findings.map((f) => ({ id: f.id, severity: f.severity, requirement: q, message: f.message }))),
    chain,
    trusted: trust?.trusted === true,
  };
  // The earliest window: the one a client on that TLS version runs out of first.
  if (nextUpdates.length > 0) snap.stapleNextUpdate = nextUpdates.sort()[0]!;
  return snap;
}
