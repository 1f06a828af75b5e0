/**
 * JUnit XML: one testsuite per target, one testcase per requirement.
 * fail → <failure>, error → <error>, na → <skipped>, warn passes with the
 * findings in <system-out> (the shared layout, report/render/junit.ts).
 */
import { renderRequirementJunit, xmlEscape } from '../../report/render/junit.ts';
import type { ScanReport, TargetResult } from '../report.ts';
import type { Finding } from '../findings.ts';

export { xmlEscape };

export function renderJunit(report: ScanReport): string {
  return renderRequirementJunit<Finding, TargetResult>(report, {
    suiteName: 'certwarden scan',
    errorType: 'scan-error',
    errorMessage: 'the scan could not complete',
    suiteAttributes: (r) => ` time="${(r.durationMs / 1000).toFixed(3)}"`,
    detail: (x) => `[${x.severity}] ${x.id}: ${x.message}`,
    failureMessage: (x) => x.message,
  });
}
