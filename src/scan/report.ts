/**
 * The scan report model (JSON contract, published as
 * schema/scan-report.schema.json): per target, per requirement, a status and
 * findings; per check, an attempt (sslyze style) saying whether it completed.
 */
import type { AttemptReason } from './failure.ts';
import { failsRequirement, REQUIREMENTS, SEVERITY_RANK, warnsRequirement, type Finding, type Requirement, type Severity } from './findings.ts';

export const REPORT_VERSION = 1;

/** `error`: the scan could not complete; it is never a pass. */
export type RequirementStatus = 'pass' | 'fail' | 'warn' | 'na' | 'error';

export interface CheckAttempt {
  check: string;
  requirement: Requirement;
  status: 'completed' | 'not-applicable' | 'error';
  reason?: AttemptReason;
  message?: string;
  durationMs: number;
}

export interface RequirementResult {
  status: RequirementStatus;
  findings: Finding[];
  /** Why the status is `na` or `error`. */
  reason?: string;
}

/** The --targets line of the target, else the policy rule (or file) that applies to it. */
export interface TargetLocation {
  file: string;
  /** 1-based; absent when only the file is known. */
  line?: number;
  from: 'targets-file' | 'policy';
}

export interface TargetResult {
  /** The target exactly as given. */
  target: string;
  address: string | null;
  serverName: string;
  port: number;
  starttls?: string;
  /** The file and line that asked for this target (see location.ts): code-scanning locations. */
  location?: TargetLocation;
  requirements: Record<Requirement, RequirementResult>;
  attempts: CheckAttempt[];
  evidence: {
    at: string;
    policyHash: string;
    /** Folder the raw evidence of this target was written to (--evidence). */
    dir?: string;
    /** Each check's details (chain, staples, probes, revocation sources). */
    checks: Record<string, unknown>;
  };
  durationMs: number;
}

export interface ScanSummary {
  targets: number;
  requirements: Record<Requirement, Record<RequirementStatus, number>>;
  findings: Record<Severity, number>;
  /** Targets with at least one requirement in `fail`. */
  failed: number;
  /** Targets with at least one requirement in `error`. */
  errors: number;
}

export interface ScanReport {
  version: typeof REPORT_VERSION;
  tool: { name: 'certwarden'; version: string };
  at: string;
  policy: { file?: string; hash: string };
  replay?: { dir: string; recordedPolicyHash: string; policyMatches: boolean };
  results: TargetResult[];
  summary: ScanSummary;
}

/** A requirement's status from its checks' attempts and findings: fail beats error beats warn; na only when nothing applied. */
export function requirementStatus(attempts: readonly CheckAttempt[], findings: readonly Finding[]): { status: RequirementStatus; reason?: string } {
  if (findings.some((f) => failsRequirement(f.severity))) return { status: 'fail' };
  const errors = attempts.filter((a) => a.status === 'error');
  if (errors.length > 0) return { status: 'error', reason: [...new Set(errors.map((e) => `${e.reason}: ${e.message}`))].map((why) => `${errors.filter((e) => `${e.reason}: ${e.message}` === why).map((e) => e.check).join(', ')}: ${why}`).join('; ') };
  if (findings.some((f) => warnsRequirement(f.severity))) return { status: 'warn' };
  if (attempts.length > 0 && attempts.every((a) => a.status === 'not-applicable')) return { status: 'na', reason: attempts.map((a) => `${a.check}: ${a.message}`).join('; ') };
  return { status: 'pass' };
}

export function summarize(results: readonly TargetResult[]): ScanSummary {
  const zero = (): Record<RequirementStatus, number> => ({ pass: 0, fail: 0, warn: 0, na: 0, error: 0 });
  const s: ScanSummary = {
    targets: results.length,
    requirements: { 'V9.2.1': zero(), 'V9.2.4': zero() },
    findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    failed: 0,
    errors: 0,
  };
  for (const r of results) {
    for (const req of REQUIREMENTS) {
      const rr = r.requirements[req];
      s.requirements[req][rr.status]++;
      for (const f of rr.findings) s.findings[f.severity]++;
    }
    if (REQUIREMENTS.some((q) => r.requirements[q].status === 'fail')) s.failed++;
    if (REQUIREMENTS.some((q) => r.requirements[q].status === 'error')) s.errors++;
  }
  return s;
}

/** Whether any finding is at or above `threshold`. */
export function hasFindingAtOrAbove(report: ScanReport, threshold: Severity): boolean {
  return report.results.some((r) => REQUIREMENTS.some((q) => r.requirements[q].findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold])));
}
