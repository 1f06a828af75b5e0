/**
 * SARIF 2.1.0 (OASIS), shaped for code-scanning platforms:
 *  - one rule per finding id (properties.tags carry the ASVS requirement,
 *    `security-severity` the 0-10 score GitHub reads), plus `scan-error`;
 *  - results only for what needs action: findings that fail or warn a
 *    requirement (severity low and above) and requirements that could not be
 *    scanned (`scan-error`, so an error is never silently green). Info
 *    findings and passes stay in the JSON report;
 *  - every result has a physical location: the --targets line that named the
 *    target, else the policy's destination rule (or the policy file), relative
 *    to %SRCROOT% (the working directory) when inside it; a target with no
 *    file gets its endpoint as the artifact URI, `tls://host:port`
 *    (docs/scan.md#sarif);
 *  - `partialFingerprints.certwardenFinding/v1` identifies a finding across
 *    runs (target, rule, certificate index or TLS versions; never the
 *    message, which carries times), so platforms track it instead of opening
 *    a new alert per scan.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REQUIREMENTS } from '../../report/model.ts';
import { renderSarifRun, SARIF_SCHEMA, SECURITY_SEVERITY, sarifLevel as level, type SarifRule } from '../../report/render/sarif.ts';
import { FINDINGS, type Finding, type FindingId } from '../findings.ts';
import type { ScanReport, TargetResult } from '../report.ts';
import { endpointLabel } from '../target.ts';

export { SARIF_SCHEMA };
const SCAN_ERROR_RULE = 'scan-error';
/** The key of our fingerprint; the version suffix changes if its inputs ever do. */
export const FINGERPRINT_KEY = 'certwardenFinding/v1';
const SRCROOT = 'SRCROOT';

interface RenderOptions {
  /** Base of relative artifact URIs (default: the working directory). */
  srcRoot?: string;
}

function artifactLocation(r: TargetResult, srcRoot: string): { uri: string; uriBaseId?: string } {
  if (!r.location) return { uri: `tls://${endpointLabel(r.serverName, r.port)}` };
  const rel = relative(srcRoot, r.location.file);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  return { uri: pathToFileURL(r.location.file).href };
}

function physical(r: TargetResult, srcRoot: string): object {
  return {
    physicalLocation: { artifactLocation: artifactLocation(r, srcRoot), ...(r.location?.line ? { region: { startLine: r.location.line } } : {}) },
    logicalLocations: [{ name: r.target, fullyQualifiedName: endpointLabel(r.serverName, r.port), kind: 'resource' }],
  };
}

function fingerprint(r: TargetResult, ruleId: string, requirement: string, f?: Finding): string {
  const d = f?.details ?? {};
  const which = [d.index, Array.isArray(d.versions) ? d.versions.join('+') : undefined].filter((x) => x !== undefined).join('/');
  return createHash('sha256').update([r.target, endpointLabel(r.serverName, r.port), requirement, ruleId, f?.check ?? '', which].join('\0')).digest('hex');
}

export function renderSarif(report: ScanReport, options: RenderOptions = {}): string {
  const srcRoot = options.srcRoot ?? process.cwd();
  const ids = Object.keys(FINDINGS) as FindingId[];
  const rules: SarifRule[] = [
    ...ids.map((id) => ({
      id,
      name: id,
      shortDescription: { text: FINDINGS[id].title },
      helpUri: `https://github.com/certwarden/certwarden/blob/main/docs/scan.md#${id}`,
      defaultConfiguration: { level: level(FINDINGS[id].severity) },
      properties: { tags: ['security', 'tls', `ASVS-${FINDINGS[id].requirement}`, FINDINGS[id].requirement], 'security-severity': SECURITY_SEVERITY[FINDINGS[id].severity], requirement: FINDINGS[id].requirement, severity: FINDINGS[id].severity },
    })),
    { id: SCAN_ERROR_RULE, name: SCAN_ERROR_RULE, shortDescription: { text: 'The target could not be scanned: the requirement is not proven' }, helpUri: 'https://github.com/certwarden/certwarden/blob/main/docs/scan.md#verdicts', defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'tls', ...REQUIREMENTS], 'security-severity': SECURITY_SEVERITY.high } },
  ];
  return renderSarifRun<TargetResult, Finding>({
    driver: { name: 'certwarden', version: report.tool.version, informationUri: 'https://github.com/certwarden/certwarden' },
    rules,
    results: report.results,
    // Info findings stay in the JSON report: SARIF carries what needs action.
    finding: (r, req, f, status) =>
      f.severity === 'info'
        ? undefined
        : {
            ruleId: f.id as string,
            level: level(f.severity),
            message: { text: `${r.target}: ${f.message}` },
            locations: [physical(r, srcRoot)],
            partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(r, f.id, req, f) },
            properties: { target: r.target, requirement: req, severity: f.severity, check: f.check, status },
          },
    error: (r, req, reason, status) => ({
      ruleId: SCAN_ERROR_RULE,
      level: 'error',
      message: { text: `${r.target}: ${req} could not be scanned: ${reason}` },
      locations: [physical(r, srcRoot)],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(r, SCAN_ERROR_RULE, req) },
      properties: { target: r.target, requirement: req, severity: 'high', check: 'runner', status },
    }),
    runExtras: { originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(srcRoot.endsWith(sep) ? srcRoot : `${srcRoot}${sep}`).href } } },
    executionSuccessful: report.summary.errors === 0,
    endTimeUtc: report.at,
    properties: { policyHash: report.policy.hash, summary: report.summary },
  });
}
