/** JUnit XML: one testsuite per result, one testcase per requirement (scan's layout, report/render/junit.ts), with the file and line of each result. */
import { renderRequirementJunit, xmlEscape } from '../../report/render/junit.ts';
import type { AuditFinding, AuditReport, AuditResult } from '../report.ts';

export function renderAuditJunit(report: AuditReport): string {
  return renderRequirementJunit<AuditFinding, AuditResult>(report, {
    suiteName: 'certwarden audit',
    errorType: 'audit-error',
    errorMessage: 'the configuration could not be audited',
    caseAttributes: (r) => ` file="${xmlEscape(r.file)}" line="${r.line}"`,
    detail: (f) => `[${f.severity}] ${f.id} ${f.file}:${f.line}: ${f.message}\n  fix: ${f.fix}`,
    failureMessage: (f) => `${f.file}:${f.line}: ${f.message}`,
  });
}
