/**
 * The suite registry: a suite names the cases it runs. Adding a suite is one
 * entry here. A suite that is planned but not built yet says so with a usage
 * error instead of running nothing (an empty run would look like a pass).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { CASES, CONTROL_CASE, type CaseId, type CaseSpec } from './cases.ts';
import type { Requirement } from '../report/model.ts';

export interface SuiteSpec {
  readonly description: string;
  /** The cases, control excluded (it always runs). */
  readonly cases?: () => CaseId[];
  /** Set for a suite that is declared but not available yet: the reason, shown to the user. */
  readonly notYet?: string;
  /** The suite's cases come from a file the user gives (`--limbo FILE`), not from the case table. */
  readonly fromFile?: string;
}

const byRequirement = (q: Requirement) => (): CaseId[] => (CASES as readonly CaseSpec[]).filter((c) => c.requirement === q).map((c) => c.id as CaseId);

export const SUITES = {
  asvs: { description: 'every case of V9.2.1 and V9.2.4 (the default)', cases: () => (CASES as readonly CaseSpec[]).filter((c) => c.requirement !== null).map((c) => c.id as CaseId) },
  'v9.2.1': { description: 'trusted certificates only: the internal CA and pinned certificates', cases: byRequirement('V9.2.1') },
  'v9.2.4': { description: 'revocation: staples, OCSP, CRL, Must-Staple, hard-fail', cases: byRequirement('V9.2.4') },
  limbo: { description: 'x509-limbo path-validation vectors served over the wire (--limbo FILE), each vector one V9.2.1 case limbo:<id>', cases: () => [], fromFile: '--limbo' },
} as const satisfies Record<string, SuiteSpec>;

export type SuiteName = keyof typeof SUITES;
export const DEFAULT_SUITE: SuiteName = 'asvs';

export function isSuiteName(name: string): name is SuiteName {
  return Object.hasOwn(SUITES, name);
}

/** Whether the named suites include one whose cases come from `--limbo FILE`. */
export function wantsLimbo(names: readonly string[]): boolean {
  return names.includes('limbo');
}

/** The cases of the named suites, control first, each once, in declaration order (limbo vectors are added by the runner). */
export function resolveSuites(names: readonly string[]): CaseId[] {
  const chosen = new Set<CaseId>();
  for (const name of names.length > 0 ? names : [DEFAULT_SUITE]) {
    if (!isSuiteName(name)) throw new CertwardenError(ErrorCode.USAGE, `unknown suite "${name}" (known: ${Object.keys(SUITES).join(', ')})`);
    const suite: SuiteSpec = SUITES[name];
    if (suite.notYet !== undefined || !suite.cases) throw new CertwardenError(ErrorCode.USAGE, `--suite ${name}: ${suite.notYet ?? 'not available'}`);
    for (const id of suite.cases()) chosen.add(id);
  }
  return [CONTROL_CASE, ...(CASES as readonly CaseSpec[]).map((c) => c.id as CaseId).filter((id) => id !== CONTROL_CASE && chosen.has(id))];
}
