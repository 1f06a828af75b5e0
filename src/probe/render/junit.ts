/**
 * JUnit XML for the probe: one testsuite per client, one testcase per case
 * (classname the requirement), so a CI page lists which case the client got
 * wrong. wrong → <failure>, error → <error>, a case the farm cannot serve →
 * <skipped>; the client's stderr tail goes to <system-err>.
 */
import { xmlEscape } from '../../report/render/junit.ts';
import type { ProbeReport } from '../report.ts';

export function renderProbeJunit(report: ProbeReport): string {
  const all = report.results.flatMap((r) => r.cases);
  const skippedOf = (r: (typeof report.results)[number]): number => r.notServable.length + (r.limbo?.skipped.length ?? 0);
  const skippedAll = report.results.reduce((n, r) => n + skippedOf(r), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="certwarden probe" tests="${all.length + skippedAll}" failures="${all.filter((c) => c.verdict === 'wrong').length}" errors="${all.filter((c) => c.verdict === 'error').length}" skipped="${skippedAll}" timestamp="${report.at}">`,
  ];
  for (const r of report.results) {
    const failures = r.cases.filter((c) => c.verdict === 'wrong').length;
    const errors = r.cases.filter((c) => c.verdict === 'error').length;
    lines.push(`  <testsuite name="${xmlEscape(r.target)}" tests="${r.cases.length + skippedOf(r)}" failures="${failures}" errors="${errors}" skipped="${skippedOf(r)}" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${report.at}">`);
    for (const c of r.cases) {
      lines.push(`    <testcase classname="${c.requirement ?? 'control'}" name="${xmlEscape(c.id)}: expected ${c.expected}" time="${(c.durationMs / 1000).toFixed(3)}">`);
      const exit = c.exitStatus !== null ? `exit ${c.exitStatus}` : `signal ${c.signal ?? 'none'}`;
      if (c.verdict === 'wrong') lines.push(`      <failure type="client-${c.expected === 'reject' ? 'accepts' : 'rejects'}-${xmlEscape(c.id)}" message="${xmlEscape(`expected ${c.expected}, got ${c.got} (${exit})${c.contradiction ? `: ${c.contradiction}` : ''}`)}"/>`);
      else if (c.verdict === 'error') lines.push(`      <error type="probe-error" message="${xmlEscape(c.reason ?? 'no verdict')}"/>`);
      if (c.stderrTail) lines.push(`      <system-err>${xmlEscape(c.stderrTail)}</system-err>`);
      lines.push('    </testcase>');
    }
    for (const n of r.notServable) lines.push(`    <testcase classname="${n.requirement ?? 'control'}" name="${xmlEscape(n.id)}"><skipped message="${xmlEscape(n.reason)}"/></testcase>`);
    // A limbo vector that cannot run over the wire: skipped, with its reason (never a pass).
    for (const s of r.limbo?.skipped ?? []) lines.push(`    <testcase classname="V9.2.1" name="${xmlEscape(s.id)}"><skipped message="${xmlEscape(`${s.reason}${s.detail ? `: ${s.detail}` : ''}`)}"/></testcase>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
