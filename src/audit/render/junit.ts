/** JUnit XML: one testsuite per result, one testcase per requirement (as scan: fail → failure, error → error, na → skipped). */
import { REQUIREMENTS, REQUIREMENT_TITLES, failsRequirement } from '../../report/model.ts';
import { xmlEscape } from '../../report/render/junit.ts';
import type { AuditReport } from '../report.ts';

export function renderAuditJunit(report: AuditReport): string {
  const s = report.summary;
  const sum = (k: 'fail' | 'error' | 'na'): number => REQUIREMENTS.reduce((n, q) => n + s.requirements[q][k], 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="certwarden audit" tests="${s.targets * REQUIREMENTS.length}" failures="${sum('fail')}" errors="${sum('error')}" skipped="${sum('na')}" timestamp="${report.at}">`];
  for (const r of report.results) {
    const count = (k: string): number => REQUIREMENTS.filter((q) => r.requirements[q].status === k).length;
    lines.push(`  <testsuite name="${xmlEscape(r.target)}" tests="${REQUIREMENTS.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('na')}" timestamp="${report.at}">`);
    for (const q of REQUIREMENTS) {
      const rr = r.requirements[q];
      const detail = rr.findings.map((f) => `[${f.severity}] ${f.id} ${f.file}:${f.line}: ${f.message}\n  fix: ${f.fix}`).join('\n');
      lines.push(`    <testcase classname="${xmlEscape(r.target)}" name="${q} ${xmlEscape(REQUIREMENT_TITLES[q])}" file="${xmlEscape(r.file)}" line="${r.line}">`);
      if (rr.status === 'fail') {
        const first = rr.findings.find((f) => failsRequirement(f.severity));
        lines.push(`      <failure type="${xmlEscape(first?.id ?? 'fail')}" message="${xmlEscape(first ? `${first.file}:${first.line}: ${first.message}` : 'requirement failed')}">${xmlEscape(detail)}</failure>`);
      } else if (rr.status === 'error') lines.push(`      <error type="audit-error" message="${xmlEscape(rr.reason ?? 'the configuration could not be audited')}"/>`);
      else if (rr.status === 'na') lines.push(`      <skipped message="${xmlEscape(rr.reason ?? 'not applicable')}"/>`);
      if (detail) lines.push(`      <system-out>${xmlEscape(detail)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
