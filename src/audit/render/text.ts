/**
 * Text output for people: one block per result, findings with their file:line
 * and fix. Every value that came from a configuration goes through
 * escapeControl: a crafted server_name must not forge output lines.
 */
import type { Palette } from '../../core/io.ts';
import { REQUIREMENTS, REQUIREMENT_TITLES } from '../../report/model.ts';
import { severityText, statusBadge as badge, summaryCounts } from '../../report/render/text.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { AuditReport } from '../report.ts';

export function renderAuditText(report: AuditReport, p: Palette, options: { showFix?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of report.results) {
    out.push(`${p.bold(escapeControl(r.target))} ${p.dim(`[${r.dialect}]`)}`);
    for (const q of REQUIREMENTS) {
      const rr = r.requirements[q];
      out.push(`  ${badge(rr.status, p)} ${q} ${p.dim(REQUIREMENT_TITLES[q])}`);
      for (const f of rr.findings) {
        const sev = severityText(f.severity, p);
        out.push(`        ${sev} ${f.id} ${p.dim(`${escapeControl(f.file)}:${f.line}`)}: ${escapeControl(f.message)}`);
        if (options.showFix !== false) out.push(`          ${p.dim(`fix: ${f.fix}`)}`);
      }
      if (rr.status === 'error' && rr.reason) out.push(`        ${p.dim(escapeControl(rr.reason))}`);
    }
  }
  const s = report.summary;
  const line = summaryCounts(s);
  out.push('', `${s.targets} result(s) from ${s.files} file(s). ${line}`);
  return `${out.join('\n')}\n`;
}
