/**
 * The audit report (JSON contract, schema/audit-report.schema.json): the
 * scan report's shape and vocabulary (requirements, severities, statuses,
 * summary) with one result per server block, virtual host, section or file.
 */
import { hasFindingAtOrAbove, judgeRequirement, REQUIREMENTS, summarize, type Requirement, type RequirementStatus, type Severity, type Summary } from '../report/model.ts';
import type { Dialect } from './dialects.ts';

export const AUDIT_REPORT_VERSION = 1;

export interface AuditFinding {
  /** A rule id (docs/audit.md), or `config-parse-error` / `include-missing`. */
  id: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  fix: string;
}

export interface AuditRequirementResult {
  status: RequirementStatus;
  findings: AuditFinding[];
  /** Why the status is `na` or `error`. */
  reason?: string;
}

export interface AuditResult {
  target: string;
  file: string;
  line: number;
  dialect: Dialect | 'unknown';
  requirements: Record<Requirement, AuditRequirementResult>;
  /** `--live`: what a scan of each TLS listener the block declares found (live/run.ts). */
  live?: AuditLiveResult[];
}

/** A live finding as the scan reported it (docs/scan.md), without its check details. */
export interface AuditLiveFinding {
  id: string;
  severity: Severity;
  message: string;
}

/** One declared listener and what `--live` saw there. */
export interface AuditLiveResult {
  /** The listen address and port as declared (`*` when none is written). */
  listen: string;
  /** The line of the `listen` directive. */
  line: number;
  /** Sent as SNI and checked against the certificate (the first plain server_name). */
  serverName?: string;
  /** Where the scan connected; null when it did not (na). */
  address: string | null;
  port: number;
  /** `na`: not loopback and not mapped with --live-resolve; `unreachable`: nothing answered. */
  status: 'scanned' | 'unreachable' | 'na';
  reason?: string;
  /** The scan's V9.2.1 and V9.2.4 results (absent when not scanned). */
  requirements?: Record<Requirement, { status: RequirementStatus; findings: AuditLiveFinding[]; reason?: string }>;
}

export interface AuditSummary extends Summary {
  /** Findings per rule id. */
  rules: Record<string, number>;
  /** Configuration files read (walked and included). */
  files: number;
}

export interface AuditReport {
  version: typeof AUDIT_REPORT_VERSION;
  tool: { name: 'certwarden'; version: string };
  at: string;
  /** The policy audited against; `{}` when none was given. */
  policy: { file?: string; hash?: string };
  results: AuditResult[];
  summary: AuditSummary;
}

/** As scan's requirementStatus: fail beats error beats warn; pass needs at least one rule that applied. */
export function auditStatus(findings: readonly AuditFinding[], applied: number, error?: string): { status: RequirementStatus; reason?: string } {
  return judgeRequirement(findings, error, applied === 0 ? 'no rule applies (no TLS listener, client verification or TLS upstream here)' : undefined);
}

export function summarizeAudit(results: readonly AuditResult[], files: number): AuditSummary {
  const rules: Record<string, number> = {};
  for (const r of results) for (const q of REQUIREMENTS) for (const f of r.requirements[q].findings) rules[f.id] = (rules[f.id] ?? 0) + 1;
  return { ...summarize(results), rules, files };
}

export function auditHasFindingAtOrAbove(report: AuditReport, threshold: Severity): boolean {
  return hasFindingAtOrAbove(report.results, threshold);
}
