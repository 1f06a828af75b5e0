/** What the JUnit renderers share: escaping, and the per-requirement layout scan and audit use. */
import { failsRequirement, REQUIREMENT_TITLES, REQUIREMENTS, type ReportFinding, type Result, type Summary } from '../model.ts';

/** XML text/attribute escaping; the control characters XML 1.0 forbids are dropped. */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** What a capability says about its results in JUnit: its name, and how a result and its findings read. */
export interface RequirementJunitHooks<F extends ReportFinding, R extends Result<F>> {
  /** `certwarden scan`, `certwarden audit`. */
  suiteName: string;
  /** The `<error type>` of a requirement that could not be judged, and its default message. */
  errorType: string;
  errorMessage: string;
  /** Extra attributes of a result's testsuite (time) and of its testcases (file, line). */
  suiteAttributes?: (r: R) => string;
  caseAttributes?: (r: R) => string;
  /** One finding as lines of <system-out>, and as the message of a <failure>. */
  detail: (f: F) => string;
  failureMessage: (f: F) => string;
}

/**
 * JUnit XML with one testsuite per result and one testcase per requirement:
 * fail → <failure>, error → <error>, na → <skipped>, warn passes with the
 * findings in <system-out> (scan and audit; the probe reports per case).
 */
export function renderRequirementJunit<F extends ReportFinding, R extends Result<F>>(report: { at: string; results: readonly R[]; summary: Summary }, hooks: RequirementJunitHooks<F, R>): string {
  const s = report.summary;
  const sum = (k: 'fail' | 'error' | 'na'): number => REQUIREMENTS.reduce((n, q) => n + s.requirements[q][k], 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${hooks.suiteName}" tests="${s.targets * REQUIREMENTS.length}" failures="${sum('fail')}" errors="${sum('error')}" skipped="${sum('na')}" timestamp="${report.at}">`];
  for (const r of report.results) {
    const count = (k: string): number => REQUIREMENTS.filter((q) => r.requirements[q].status === k).length;
    lines.push(`  <testsuite name="${xmlEscape(r.target)}" tests="${REQUIREMENTS.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('na')}"${hooks.suiteAttributes?.(r) ?? ''} timestamp="${report.at}">`);
    for (const q of REQUIREMENTS) {
      const rr = r.requirements[q];
      const detail = rr.findings.map(hooks.detail).join('\n');
      lines.push(`    <testcase classname="${xmlEscape(r.target)}" name="${q} ${xmlEscape(REQUIREMENT_TITLES[q])}"${hooks.caseAttributes?.(r) ?? ''}>`);
      if (rr.status === 'fail') {
        const first = rr.findings.find((x) => failsRequirement(x.severity));
        lines.push(`      <failure type="${xmlEscape(first?.id ?? 'fail')}" message="${xmlEscape(first ? hooks.failureMessage(first) : 'requirement failed')}">${xmlEscape(detail)}</failure>`);
      } else if (rr.status === 'error') {
        lines.push(`      <error type="${hooks.errorType}" message="${xmlEscape(rr.reason ?? hooks.errorMessage)}"/>`);
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
