/**
 * The shape of a scan check (one module each in checks/): an id, the
 * requirement it proves, every finding it can emit (id, requirement,
 * severity, title: the one declaration docs/scan.md, the report schema and
 * the SARIF rules are checked against), `run`, which returns findings and
 * typed details, and optionally an HTML section for those details. A check
 * may throw (a connection that cannot be made); the runner turns that into an
 * attempt with a reason and never into a pass.
 */
import type { FindingSpec, Requirement } from '../report/model.ts';
import type { Finding } from './findings.ts';
import type { ScanContext } from './context.ts';

/** A check's finding table: id → what the id means. */
export type FindingSpecs = Readonly<Record<string, FindingSpec>>;

export interface CheckOutcome<D, F extends string = string> {
  findings: Finding<F>[];
  /** Set when the check does not apply to the target (with why). */
  notApplicable?: string;
  details: D;
}

export interface Check<Id extends string = string, F extends string = string, D = unknown> {
  id: Id;
  requirement: Requirement;
  title: string;
  /** Every finding id this check emits, and only those (test/contract.test.ts holds docs and schema to it). */
  findings: Readonly<Record<F, FindingSpec>>;
  run(context: ScanContext): Promise<CheckOutcome<D, F>>;
  /** The HTML report's section for this check's details (evidence.checks[id]); none when omitted. */
  html?(details: D, escape: (s: string) => string): string;
}

/** The `finding(id, message, details)` of one check: ids limited to its table, severity from it. */
export function findingsOf<F extends string>(check: string, specs: Readonly<Record<F, FindingSpec>>): (id: F, message: string, details?: Record<string, unknown>) => Finding<F> {
  return (id, message, details) => ({ id, severity: specs[id].severity, message, check, ...(details ? { details } : {}) });
}
