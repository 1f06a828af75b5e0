/**
 * SARIF 2.1.0 for the audit: one rule per audit rule id (tags carry the ASVS
 * requirement), one result per finding with a physical location on the
 * configuration line and a partialFingerprint that survives unrelated edits
 * (rule, file and the line's text, not its number). A file that could not be
 * parsed is an `audit-error` result, so an error is never silently green.
 */
import { createHash } from 'node:crypto';
import { REQUIREMENTS, type Requirement } from '../../report/model.ts';
import { renderSarifRun, SECURITY_SEVERITY, sarifLevel as level, type SarifRule } from '../../report/render/sarif.ts';
import type { AuditReport } from '../report.ts';
import { ALL_RULES } from '../rules/registry.ts';

const AUDIT_ERROR_RULE = 'audit-error';

/** Lines of each reported file, for fingerprints (optional: without them the line number is used). */
export type LineSource = (file: string) => string[] | undefined;

function fingerprint(id: string, file: string, line: number, lines: LineSource | undefined): string {
  const text = lines?.(file)?.[line - 1]?.trim() ?? `#${line}`;
  return createHash('sha256').update(`${id}\u0000${file}\u0000${text}`).digest('hex').slice(0, 32);
}

function uri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function renderAuditSarif(report: AuditReport, lines?: LineSource): string {
  const rules: SarifRule[] = [
    ...ALL_RULES.map((r) => ({
      id: r.id,
      name: r.id,
      shortDescription: { text: r.title },
      fullDescription: { text: `${r.title}. Fix: ${r.fix}` },
      help: { text: r.fix },
      helpUri: r.source,
      defaultConfiguration: { level: level(r.severity) },
      properties: { tags: ['security', 'tls', r.dialect, `ASVS-${r.requirement}`, r.requirement], 'security-severity': SECURITY_SEVERITY[r.severity], requirement: r.requirement, severity: r.severity, dialect: r.dialect },
    })),
    { id: AUDIT_ERROR_RULE, name: AUDIT_ERROR_RULE, shortDescription: { text: 'A configuration could not be audited: the requirement is not proven' }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'tls', ...REQUIREMENTS] } },
  ];
  type Result = AuditReport['results'][number];
  return renderSarifRun<Result, Result['requirements'][Requirement]['findings'][number]>({
    driver: { name: 'certwarden-audit', version: report.tool.version, informationUri: 'https://github.com/certwarden/certwarden/blob/main/docs/audit.md' },
    rules,
    results: report.results,
    finding: (r, q, f, status) => ({
      ruleId: f.id,
      level: level(f.severity),
      message: { text: `${f.message}. Fix: ${f.fix}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: f.line } }, logicalLocations: [{ name: r.target, kind: 'resource' }] }],
      partialFingerprints: { 'certwardenAudit/v1': fingerprint(f.id, f.file, f.line, lines) },
      properties: { target: r.target, requirement: q, severity: f.severity, status },
    }),
    error: (r, q, reason, status) => ({
      ruleId: AUDIT_ERROR_RULE,
      level: 'error',
      message: { text: `${q} could not be audited: ${reason}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: uri(r.file) }, region: { startLine: r.line } }, logicalLocations: [{ name: r.target, kind: 'resource' }] }],
      partialFingerprints: { 'certwardenAudit/v1': fingerprint(AUDIT_ERROR_RULE, r.file, r.line, undefined) },
      properties: { target: r.target, requirement: q, severity: 'high', status },
    }),
    executionSuccessful: report.summary.errors === 0,
    endTimeUtc: report.at,
    properties: { policyHash: report.policy.hash ?? null, summary: report.summary },
  });
}
