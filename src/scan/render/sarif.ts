/**
 * SARIF 2.1.0 (OASIS): one rule per finding id (properties.tags carry the
 * ASVS requirement), one result per finding; a requirement that could not be
 * scanned is a `scan-error` result, so an error is never silently green.
 */
import { FINDINGS, REQUIREMENTS, type FindingId, type Severity } from '../findings.ts';
import type { ScanReport } from '../report.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SCAN_ERROR_RULE = 'scan-error';

function level(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'critical' || s === 'high' ? 'error' : s === 'info' ? 'note' : 'warning';
}

/** GitHub code scanning reads a 0-10 security-severity. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function renderSarif(report: ScanReport): string {
  const ids = Object.keys(FINDINGS) as FindingId[];
  const rules = [
    ...ids.map((id) => ({
      id,
      name: id,
      shortDescription: { text: FINDINGS[id].title },
      helpUri: `https://github.com/certwarden/certwarden/blob/main/docs/scan.md#${id}`,
      defaultConfiguration: { level: level(FINDINGS[id].severity) },
      properties: { tags: ['security', 'tls', `ASVS-${FINDINGS[id].requirement}`, FINDINGS[id].requirement], 'security-severity': SECURITY_SEVERITY[FINDINGS[id].severity], requirement: FINDINGS[id].requirement, severity: FINDINGS[id].severity },
    })),
    { id: SCAN_ERROR_RULE, name: SCAN_ERROR_RULE, shortDescription: { text: 'The target could not be scanned: the requirement is not proven' }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'tls', ...REQUIREMENTS] } },
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.results.flatMap((r) => {
    const location = [{ logicalLocations: [{ name: r.target, fullyQualifiedName: `${r.serverName}:${r.port}`, kind: 'resource' }] }];
    return REQUIREMENTS.flatMap((req) => {
      const rr = r.requirements[req];
      const out = rr.findings.map((f) => ({
        ruleId: f.id as string,
        ruleIndex: index.get(f.id),
        level: level(f.severity),
        message: { text: `${r.target}: ${f.message}` },
        locations: location,
        properties: { target: r.target, requirement: req, severity: f.severity, check: f.check, status: rr.status },
      }));
      if (rr.status === 'error') {
        out.push({ ruleId: SCAN_ERROR_RULE, ruleIndex: index.get(SCAN_ERROR_RULE), level: 'error', message: { text: `${r.target}: ${req} could not be scanned: ${rr.reason ?? 'unknown reason'}` }, locations: location, properties: { target: r.target, requirement: req, severity: 'high', check: 'runner', status: rr.status } });
      }
      return out;
    });
  });
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'certwarden', version: report.tool.version, informationUri: 'https://github.com/certwarden/certwarden', rules } },
        invocations: [{ executionSuccessful: report.summary.errors === 0, endTimeUtc: report.at }],
        results,
        properties: { policyHash: report.policy.hash, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
