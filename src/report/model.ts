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
