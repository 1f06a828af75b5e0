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
