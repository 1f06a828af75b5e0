/**
 * The report vocabulary scan, audit and probe share (and their JSON schemas
 * publish): ASVS requirements, severities, requirement statuses, what a
 * finding declares, and how severities decide a requirement's status.
 *
 * Severity decides the requirement's status: critical/high fail it,
 * medium/low make it `warn`, info never changes it.
 */
export const REQUIREMENTS = ['V9.2.1', 'V9.2.4'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const REQUIREMENT_TITLES: Readonly<Record<Requirement, string>> = {
  'V9.2.1': 'Connections use trusted TLS certificates; only specific internal CAs and specific self-signed certificates are trusted',
  'V9.2.4': 'Certificate revocation (OCSP stapling, OCSP, CRL) is enabled and configured',
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Lower is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function failsRequirement(s: Severity): boolean {
  return SEVERITY_RANK[s] <= SEVERITY_RANK.high;
}
export function warnsRequirement(s: Severity): boolean {
  return s === 'medium' || s === 'low';
}

export function parseSeverity(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) throw new Error(`unknown severity ${value}`);
  return value as Severity;
}

/** `error`: the run could not complete; it is never a pass. */
export type RequirementStatus = 'pass' | 'fail' | 'warn' | 'na' | 'error';
export const REQUIREMENT_STATUSES = ['pass', 'fail', 'warn', 'na', 'error'] as const satisfies readonly RequirementStatus[];

/** What a finding id declares once, next to the code that emits it: docs, schema enums and SARIF rules are checked against it. */
export interface FindingSpec {
  requirement: Requirement;
  severity: Severity;
  title: string;
}

export const findingSpec = (requirement: Requirement, severity: Severity, title: string): FindingSpec => ({ requirement, severity, title });

/** What every finding of every report carries (scan adds check and details, audit file:line and fix, probe the case). */
export interface ReportFinding {
  id: string;
  severity: Severity;
  message: string;
}

/** One requirement of one result: its status, the findings behind it, and why when `na` or `error`. */
export interface RequirementOutcome<F extends ReportFinding = ReportFinding> {
  status: RequirementStatus;
  findings: F[];
  reason?: string;
}

/** One result of any report (a scanned endpoint, an audited server block, a probed client). */
export interface Result<F extends ReportFinding = ReportFinding> {
  target: string;
  requirements: Record<Requirement, RequirementOutcome<F>>;
}

/** The summary every report carries (schema: `summary`). */
export interface Summary {
  targets: number;
  requirements: Record<Requirement, Record<RequirementStatus, number>>;
  findings: Record<Severity, number>;
  /** Results with at least one requirement in `fail`. */
  failed: number;
  /** Results with at least one requirement in `error`. */
  errors: number;
}

/** Counts per requirement status and per severity over any report's results. */
export function summarize(results: readonly Result[]): Summary {
  const zero = (): Record<RequirementStatus, number> => ({ pass: 0, fail: 0, warn: 0, na: 0, error: 0 });
  const s: Summary = {
    targets: results.length,
    requirements: { 'V9.2.1': zero(), 'V9.2.4': zero() },
    findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    failed: 0,
    errors: 0,
  };
  for (const r of results) {
    for (const q of REQUIREMENTS) {
      const rr = r.requirements[q];
      s.requirements[q][rr.status]++;
      for (const f of rr.findings) s.findings[f.severity]++;
    }
    if (REQUIREMENTS.some((q) => r.requirements[q].status === 'fail')) s.failed++;
    if (REQUIREMENTS.some((q) => r.requirements[q].status === 'error')) s.errors++;
  }
  return s;
}

/** Whether any finding of any result is at or above `threshold` (--fail-on). */
export function hasFindingAtOrAbove(results: readonly Result[], threshold: Severity): boolean {
  return results.some((r) => REQUIREMENTS.some((q) => r.requirements[q].findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold])));
}

/**
 * The one ranking of what a requirement's status is, for every report: a
 * finding that fails it beats an error (a failure is proven even when
 * another part could not run), an error beats a warning (a requirement
 * not fully checked is never a pass, nor merely a warning), a warning beats
 * `na`, and `na` (nothing applied, with why) beats pass.
 */
export function judgeRequirement(findings: readonly ReportFinding[], error?: string, notApplicable?: string): { status: RequirementStatus; reason?: string } {
  if (findings.some((f) => failsRequirement(f.severity))) return { status: 'fail' };
  if (error !== undefined) return { status: 'error', reason: error };
  if (findings.some((f) => warnsRequirement(f.severity))) return { status: 'warn' };
  if (notApplicable !== undefined) return { status: 'na', reason: notApplicable };
  return { status: 'pass' };
}

/** Worst first: how results are ordered and a report's overall verdict is ranked. */
export const STATUS_RANK: Readonly<Record<RequirementStatus, number>> = { fail: 0, error: 1, warn: 2, pass: 3, na: 4 };

/** A result's worst requirement status. */
export function resultStatus(r: Result): RequirementStatus {
  return REQUIREMENTS.map((q) => r.requirements[q].status).reduce((a, b) => (STATUS_RANK[b] < STATUS_RANK[a] ? b : a), 'na' as RequirementStatus);
}
