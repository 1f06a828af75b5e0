/**
 * Text output for people: one block per result, findings with their file:line
 * and fix. Every value that came from a configuration goes through
 * escapeControl: a crafted server_name must not forge output lines.
 */
import type { Palette } from '../../core/io.ts';
import { requirementLines, severityText, summaryCounts } from '../../report/render/text.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { AuditFinding, AuditLiveResult, AuditReport } from '../report.ts';

/** One line per declared listener (--live): where it was scanned and the scan's status per requirement, or why not. */
function liveLine(l: AuditLiveResult, p: Palette): string {
  const where = `live ${escapeControl(l.listen)}${l.serverName ? ` (SNI ${escapeControl(l.serverName)})` : ''}`;
  if (!l.requirements) return `    ${p.dim(where)}: ${l.status}${l.reason ? ` - ${escapeControl(l.reason)}` : ''}`;
  const statuses = Object.entries(l.requirements).map(([q, v]) => `${q} ${v.status}`).join(', ');
  return `    ${p.dim(where)} via ${escapeControl(l.address ?? '')}: ${statuses}`;
}

export function renderAuditText(report: AuditReport, p: Palette, options: { showFix?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of report.results) {
    out.push(`${p.bold(escapeControl(r.target))} ${p.dim(`[${r.dialect}]`)}`);
    const lines = (f: AuditFinding): string[] => [
      `        ${severityText(f.severity, p)} ${f.id} ${p.dim(`${escapeControl(f.file)}:${f.line}`)}: ${escapeControl(f.message)}`,
      ...(options.showFix !== false ? [`          ${p.dim(`fix: ${f.fix}`)}`] : []),
    ];
    out.push(...requirementLines(r, p, lines, ['error']));
    for (const l of r.live ?? []) out.push(liveLine(l, p));
  }
  const s = report.summary;
  const line = summaryCounts(s);
  out.push('', `${s.targets} result(s) from ${s.files} file(s). ${line}`);
  return `${out.join('\n')}\n`;
}
