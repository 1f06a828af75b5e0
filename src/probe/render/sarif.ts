/**
 * SARIF 2.1.0 for the probe: one rule per probe finding id (derived from the
 * case table), one result per finding; a requirement that could not be judged
 * is a `probe-error` result, so an error is never silently green. Same
 * conventions as scan's SARIF (levels, security-severity, ASVS tags).
 */
import { REQUIREMENTS, type Severity } from '../../report/model.ts';
import { SARIF_SCHEMA, SECURITY_SEVERITY, sarifLevel as level } from '../../report/render/sarif.ts';
import { CASES, REJECTED_PIN_SEVERITY, type CaseSpec } from '../cases.ts';
import type { ProbeReport } from '../report.ts';

const PROBE_ERROR_RULE = 'probe-error';
const HELP = 'https://github.com/certwarden/certwarden/blob/main/docs/probe.md';

interface Rule {
  id: string;
  name: string;
  shortDescription: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: string };
  properties: Record<string, unknown>;
}

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

export function renderProbeSarif(report: ProbeReport): string {
  const rules = probeRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.results.flatMap((r) => {
    const location = [{ logicalLocations: [{ name: r.target, fullyQualifiedName: r.profile ?? r.target, kind: 'resource' }] }];
    return REQUIREMENTS.flatMap((req) => {
      const rr = r.requirements[req];
      const out: Record<string, unknown>[] = rr.findings.map((f) => ({ ruleId: f.id, ruleIndex: index.get(f.id), level: level(f.severity), message: { text: `${r.target}: ${f.message}` }, locations: location, properties: { target: r.target, requirement: req, severity: f.severity, case: f.details.case, status: rr.status } }));
      if (rr.status === 'error') out.push({ ruleId: PROBE_ERROR_RULE, ruleIndex: index.get(PROBE_ERROR_RULE), level: 'error', message: { text: `${r.target}: ${req} could not be judged: ${rr.reason ?? 'unknown reason'}` }, locations: location, properties: { target: r.target, requirement: req, severity: 'high', status: rr.status } });
      return out;
    });
  });
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'certwarden probe', version: report.tool.version, informationUri: 'https://github.com/certwarden/certwarden', rules } }, invocations: [{ executionSuccessful: report.summary.errors === 0, endTimeUtc: report.at }], results, properties: { summary: report.summary } }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
