/** What the SARIF renderers of scan, audit and probe share: the schema, levels, and the security-severity code scanning reads. */
import { REQUIREMENTS, type Requirement, type RequirementStatus, type Severity } from '../model.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Findings that fail a requirement are errors; info is a note; the rest warnings. */
export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'critical' || s === 'high' ? 'error' : s === 'info' ? 'note' : 'warning';
}

/** GitHub code scanning reads a 0-10 security-severity. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

/** A SARIF reporting descriptor: one per finding id, plus the capability's error rule. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  help?: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: string };
  properties: Record<string, unknown>;
}

/** One SARIF result as a capability builds it; `ruleIndex` is filled in from the rule table. */
export interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations: unknown[];
  partialFingerprints?: Record<string, string>;
  properties: Record<string, unknown>;
}

/** The requirement block every report result has (scan, audit, probe). */
interface RequirementResults<F> {
  status: RequirementStatus;
  findings: readonly F[];
  reason?: string;
}

/**
 * What a capability supplies to {@link renderSarifRun}: its tool, its rule
 * table, and how one of its findings, or one requirement that could not be
 * judged, becomes a result. Everything else (the results walk over every
 * requirement, rule indexes, the error result that keeps an unjudged
 * requirement from looking green, the run envelope) is shared.
 */
export interface SarifRunSpec<R extends { requirements: Record<Requirement, RequirementResults<F>> }, F> {
  driver: { name: string; version: string; informationUri: string };
  rules: readonly SarifRule[];
  results: readonly R[];
  /** The result for a finding; undefined leaves it out (scan keeps info findings to the JSON report). */
  finding: (r: R, requirement: Requirement, f: F, status: RequirementStatus) => SarifResult | undefined;
  /** The result for a requirement in `error`, under the capability's error rule. */
  error: (r: R, requirement: Requirement, reason: string, status: RequirementStatus) => SarifResult;
  /** Run members between `tool` and `invocations` (scan's originalUriBaseIds). */
  runExtras?: Record<string, unknown>;
  executionSuccessful: boolean;
  endTimeUtc: string;
  properties: Record<string, unknown>;
}

/** A SARIF 2.1.0 log with one run, as the capability's spec describes it. */
export function renderSarifRun<R extends { requirements: Record<Requirement, RequirementResults<F>> }, F>(spec: SarifRunSpec<R, F>): string {
  const index = new Map(spec.rules.map((r, i) => [r.id, i]));
  // ruleIndex right after ruleId, as the SARIF examples write it.
  const indexed = (x: SarifResult): SarifResult & { ruleIndex: number | undefined } => Object.assign({ ruleId: x.ruleId, ruleIndex: index.get(x.ruleId) }, x);
  const results = spec.results.flatMap((r) =>
    REQUIREMENTS.flatMap((q) => {
      const rr = r.requirements[q];
      const out = rr.findings.map((f) => spec.finding(r, q, f, rr.status)).filter((x): x is SarifResult => x !== undefined);
      if (rr.status === 'error') out.push(spec.error(r, q, rr.reason ?? 'unknown reason', rr.status));
      return out.map(indexed);
    }),
  );
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver: { ...spec.driver, rules: spec.rules } }, ...spec.runExtras, invocations: [{ executionSuccessful: spec.executionSuccessful, endTimeUtc: spec.endTimeUtc }], results, properties: spec.properties }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
