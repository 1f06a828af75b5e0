/**
 * The scan report model (JSON contract, published as
 * schema/scan-report.schema.json): per target, per requirement, a status and
 * findings; per check, an attempt (sslyze style) saying whether it completed.
 */
import type { AttemptReason } from './failure.ts';
import { hasFindingAtOrAbove as anyFindingAtOrAbove, judgeRequirement, summarize as summarizeResults, type Requirement, type RequirementStatus, type Severity, type Summary } from '../report/model.ts';
import type { Finding } from './findings.ts';

export type { RequirementStatus } from '../report/model.ts';

export const REPORT_VERSION = 1;


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

/** The shared summary (report/model.ts); the name stays for the public API. */
export type ScanSummary = Summary;

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
  const errors = attempts.filter((a) => a.status === 'error');
  const error = errors.length > 0 ? [...new Set(errors.map((e) => `${e.reason}: ${e.message}`))].map((why) => `${errors.filter((e) => `${e.reason}: ${e.message}` === why).map((e) => e.check).join(', ')}: ${why}`).join('; ') : undefined;
  const notApplicable = attempts.length > 0 && attempts.every((a) => a.status === 'not-applicable') ? attempts.map((a) => `${a.check}: ${a.message}`).join('; ') : undefined;
  return judgeRequirement(findings, error, notApplicable);
}

export function summarize(results: readonly TargetResult[]): ScanSummary {
  return summarizeResults(results);
}

/** Whether any finding is at or above `threshold`. */
export function hasFindingAtOrAbove(report: ScanReport, threshold: Severity): boolean {
  return anyFindingAtOrAbove(report.results, threshold);
}
