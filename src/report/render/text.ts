/** What the text renderers share: the status badge, severities' colours, the requirement block and the summary line. */
import type { Palette } from '../../core/io.ts';
import { escapeControl } from '../../util/terminal.ts';
import { REQUIREMENT_TITLES, REQUIREMENTS, type ReportFinding, type RequirementStatus, type Result, type Severity, type Summary } from '../model.ts';

export function statusBadge(status: RequirementStatus, p: Palette): string {
  const label = status.toUpperCase().padEnd(5);
  if (status === 'pass') return p.ok(label);
  if (status === 'fail' || status === 'error') return p.bad(label);
  if (status === 'warn') return p.warn(label);
  return p.dim(label);
}

/** A severity coloured by what it does to a requirement (fail, warn, nothing). */
export function severityText(s: Severity, p: Palette): string {
  return s === 'critical' || s === 'high' ? p.bad(s) : s === 'info' ? p.dim(s) : p.warn(s);
}

/** `V9.2.1: 1 pass, 0 fail, ... | V9.2.4: ...` */
export function summaryCounts(s: Summary): string {
  return REQUIREMENTS.map((q) => `${q}: ${s.requirements[q].pass} pass, ${s.requirements[q].fail} fail, ${s.requirements[q].warn} warn, ${s.requirements[q].na} na, ${s.requirements[q].error} error`).join(' | ');
}

/**
 * A result's requirement block: per requirement the badge, id and title,
 * then the lines the capability draws for each finding (scan: id and
 * message; audit: file:line and fix; probe: the finding id), then the reason
 * when the status is one of `reasonWhen`. Reasons are escaped here; the
 * finding lines are the caller's (each escapes what it did not write).
 */
export function requirementLines<F extends ReportFinding>(r: Result<F>, p: Palette, findingLines: (f: F) => string[], reasonWhen: readonly RequirementStatus[] = ['error', 'na']): string[] {
  const out: string[] = [];
  for (const q of REQUIREMENTS) {
    const rr = r.requirements[q];
    out.push(`  ${statusBadge(rr.status, p)} ${q} ${p.dim(REQUIREMENT_TITLES[q])}`);
    for (const f of rr.findings) out.push(...findingLines(f));
    if (reasonWhen.includes(rr.status) && rr.reason) out.push(`        ${p.dim(escapeControl(rr.reason))}`);
  }
  return out;
}
