/**
 * SARIF 2.1.0 for the probe: one rule per probe finding id (derived from the
 * case table), one result per finding; a requirement that could not be judged
 * is a `probe-error` result, so an error is never silently green. Same
 * conventions as scan's SARIF (levels, security-severity, ASVS tags).
 */
import { REQUIREMENTS, type Severity } from '../../report/model.ts';
import { renderSarifRun, SECURITY_SEVERITY, sarifLevel as level, type SarifRule as Rule } from '../../report/render/sarif.ts';
import { CASES, REJECTED_PIN_SEVERITY, type CaseSpec } from '../cases.ts';
import type { ProbeFinding, ProbeReport, ProbeResult } from '../report.ts';

const PROBE_ERROR_RULE = 'probe-error';
const HELP = 'https://github.com/certwarden/certwarden/blob/main/docs/probe.md';

export function probeRules(): Rule[] {
  const rules: Rule[] = [];
  for (const c of CASES as readonly CaseSpec[]) {
    if (c.requirement === null) continue;
    const variants: [string, Severity, string][] = [];
    if (c.expected !== 'accept') variants.push([`client-accepts-${c.id}`, c.severity, `The client accepts ${c.id}: ${c.models}`]);
    if (c.expected !== 'reject') variants.push([`client-rejects-${c.id}`, REJECTED_PIN_SEVERITY, `A pinning client rejects ${c.id}: ${c.models}`]);
    for (const [id, sev, text] of variants) {
      rules.push({ id, name: id, shortDescription: { text }, helpUri: `${HELP}#${c.id}`, defaultConfiguration: { level: level(sev) }, properties: { tags: ['security', 'tls', `ASVS-${c.requirement}`, c.requirement], 'security-severity': SECURITY_SEVERITY[sev], requirement: c.requirement, severity: sev, case: c.id } });
    }
  }
  rules.push({ id: PROBE_ERROR_RULE, name: PROBE_ERROR_RULE, shortDescription: { text: 'The client could not be judged (control rejected, timeout, contradiction): the requirement is not proven' }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'tls', ...REQUIREMENTS] } });
  return rules;
}

/**
 * Rules for the limbo findings of this report: limbo vectors come from the
 * user's file, so their rules are made from the findings themselves, one per
 * finding id, after the fixed table's.
 */
export function limboRules(report: ProbeReport): Rule[] {
  const seen = new Map<string, Rule>();
  for (const r of report.results) {
    for (const f of r.requirements['V9.2.1'].findings) {
      if (!f.details.case.startsWith('limbo:') || seen.has(f.id)) continue;
      const accepts = f.id.startsWith('client-accepts-');
      seen.set(f.id, { id: f.id, name: f.id, shortDescription: { text: `The client ${accepts ? 'accepts' : 'rejects'} the x509-limbo vector ${f.details.case.slice('limbo:'.length)}, which limbo expects to ${accepts ? 'fail' : 'validate'}` }, helpUri: `${HELP}#the-limbo-suite`, defaultConfiguration: { level: level(f.severity) }, properties: { tags: ['security', 'tls', 'ASVS-V9.2.1', 'V9.2.1', 'x509-limbo'], 'security-severity': SECURITY_SEVERITY[f.severity], requirement: 'V9.2.1', severity: f.severity, case: f.details.case } });
    }
  }
  return [...seen.values()];
}

/** The limbo tally per client (vectors run, skipped per reason), so a SARIF viewer shows what did not run. */
function limboProperties(report: ProbeReport): { limbo?: unknown[] } {
  const limbo = report.results.filter((r) => r.limbo).map((r) => ({ target: r.target, file: r.limbo!.file, testcases: r.limbo!.testcases, applied: r.limbo!.applied, skippedByReason: r.limbo!.skippedByReason.map((x) => ({ reason: x.reason, count: x.count })) }));
  return limbo.length > 0 ? { limbo } : {};
}

export function renderProbeSarif(report: ProbeReport): string {
  const location = (r: ProbeResult): unknown[] => [{ logicalLocations: [{ name: r.target, fullyQualifiedName: r.profile ?? r.target, kind: 'resource' }] }];
  return renderSarifRun<ProbeResult, ProbeFinding>({
    driver: { name: 'certwarden probe', version: report.tool.version, informationUri: 'https://github.com/certwarden/certwarden' },
    rules: [...probeRules(), ...limboRules(report)],
    results: report.results,
    finding: (r, req, f, status) => ({ ruleId: f.id, level: level(f.severity), message: { text: `${r.target}: ${f.message}` }, locations: location(r), properties: { target: r.target, requirement: req, severity: f.severity, case: f.details.case, status } }),
    error: (r, req, reason, status) => ({ ruleId: PROBE_ERROR_RULE, level: 'error', message: { text: `${r.target}: ${req} could not be judged: ${reason}` }, locations: location(r), properties: { target: r.target, requirement: req, severity: 'high', status } }),
    executionSuccessful: report.summary.errors === 0,
    endTimeUtc: report.at,
    properties: { summary: report.summary, ...limboProperties(report) },
  });
}
