/**
 * Finding ids: each declared once by the check that emits it (its
 * `findings` table, checks/*.ts), documented in docs/scan.md and the report
 * schema (test/contract.test.ts keeps them in step). Adding an id is fine;
 * renaming one is a breaking change (SARIF rules, suppressions and
 * dashboards key on it).
 */
import type { FindingSpec, Severity } from '../report/model.ts';
import { CHECKS, type RegisteredCheck } from './registry.ts';

export { REQUIREMENTS, REQUIREMENT_TITLES, SEVERITIES, SEVERITY_RANK, failsRequirement, warnsRequirement, parseSeverity, type Requirement, type Severity, type FindingSpec } from '../report/model.ts';

/** Every scan finding id: the union of the checks' tables. */
export type FindingId = FindingIdsOf<RegisteredCheck>;
/** Distributes over a union of checks. */
type FindingIdsOf<C> = C extends { findings: Readonly<Record<infer F extends string, FindingSpec>> } ? F : never;

/** Every finding id with its requirement, severity and title, in check order (the schema enum and SARIF rules follow it). */
export const FINDINGS: Readonly<Record<FindingId, FindingSpec>> = Object.freeze(Object.fromEntries(CHECKS.flatMap((c) => Object.entries(c.findings))) as Record<FindingId, FindingSpec>);

/** Which check declares each finding id. */
export const FINDING_OWNERS: ReadonlyMap<string, string[]> = CHECKS.reduce((m, c) => {
  for (const id of Object.keys(c.findings)) m.set(id, [...(m.get(id) ?? []), c.id]);
  return m;
}, new Map<string, string[]>());

export interface Finding<Id extends string = FindingId> {
  id: Id;
  severity: Severity;
  message: string;
  /** Which check produced it. */
  check: string;
  /** Structured detail (codes from the engine, certificate index...). */
  details?: Record<string, unknown>;
}
