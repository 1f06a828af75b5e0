/**
 * JUnit XML: one testsuite per target, one testcase per requirement.
 * fail → <failure>, error → <error>, na → <skipped>, warn passes with the
 * findings in <system-out>.
 */
import { REQUIREMENTS, REQUIREMENT_TITLES, failsRequirement } from '../../report/model.ts';
import { xmlEscape } from '../../report/render/junit.ts';
import type { ScanReport } from '../report.ts';

export { xmlEscape };

export function renderJunit(report: ScanReport): string {
  const s = report.summary;
  const total = s.targets * REQUIREMENTS.length;
  const failures = REQUIREMENTS.reduce((n, q) => n + s.requirements[q].fail, 0);
  const errors = REQUIREMENTS.reduce((n, q) => n + s.requirements[q].error, 0);
  const skipped = REQUIREMENTS.reduce((n, q) => n + s.requirements[q].na, 0);
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="certwarden scan" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}" timestamp="${report.at}">`];
  for (const r of report.results) {
    const f = REQUIREMENTS.filter((q) => r.requirements[q].status === 'fail').length;
    const e = REQUIREMENTS.filter((q) => r.requirements[q].status === 'error').length;
    const k = REQUIREMENTS.filter((q) => r.requirements[q].status === 'na').length;
    lines.push(`  <testsuite name="${xmlEscape(r.target)}" tests="${REQUIREMENTS.length}" failures="${f}" errors="${e}" skipped="${k}" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${report.at}">`);
    for (const q of REQUIREMENTS) {
      const rr = r.requirements[q];
      const detail = rr.findings.map((x) => `[${x.severity}] ${x.id}: ${x.message}`).join('\n');
      lines.push(`    <testcase classname="${xmlEscape(r.target)}" name="${q} ${xmlEscape(REQUIREMENT_TITLES[q])}">`);
      if (rr.status === 'fail') {
        const first = rr.findings.find((x) => failsRequirement(x.severity));
        lines.push(`      <failure type="${xmlEscape(first?.id ?? 'fail')}" message="${xmlEscape(first?.message ?? 'requirement failed')}">${xmlEscape(detail)}</failure>`);
      } else if (rr.status === 'error') {
        lines.push(`      <error type="scan-error" message="${xmlEscape(rr.reason ?? 'the scan could not complete')}"/>`);
      } else if (rr.status === 'na') {
        lines.push(`      <skipped message="${xmlEscape(rr.reason ?? 'not applicable')}"/>`);
      }
      if (detail) lines.push(`      <system-out>${xmlEscape(detail)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
