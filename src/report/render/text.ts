/** What the text renderers share: the status badge, severities' colours and the summary line. */
import type { Palette } from '../../core/io.ts';
import { REQUIREMENTS, type RequirementStatus, type Severity, type Summary } from '../model.ts';

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
