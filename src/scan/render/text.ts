/**
 * Text output for people: one block per target, colour only when the palette
 * says so (TTY, NO_COLOR honoured). Every value that is not the renderer's
 * own text (targets, addresses, finding messages quoting a certificate's
 * names or a server's answer, reasons, paths) goes through escapeControl: a
 * hostile CN with a newline must not forge a line, an ESC must not reach the
 * terminal.
 */
import type { Palette } from '../../core/io.ts';
import { escapeControl as safe } from '../../util/terminal.ts';
import { requirementLines, severityText, summaryCounts } from '../../report/render/text.ts';
import type { ScanReport } from '../report.ts';

export function renderText(report: ScanReport, p: Palette, options: { showInfo?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of report.results) {
    const where = r.address && r.address !== r.serverName ? ` ${p.dim(`(${safe(r.address)})`)}` : '';
    out.push(`${p.bold(safe(r.target))}${where}${r.starttls ? p.dim(` starttls=${safe(r.starttls)}`) : ''}`);
    out.push(...requirementLines(r, p, (f) => (f.severity === 'info' && !options.showInfo ? [] : [`        ${severityText(f.severity, p)} ${safe(f.id)}: ${safe(f.message)}`])));
  }
  const s = report.summary;
  const line = summaryCounts(s);
  out.push('', `${s.targets} target(s). ${line}`);
  if (report.replay) out.push(p.dim(`replayed from ${safe(report.replay.dir)} at ${safe(report.at)}${report.replay.policyMatches ? '' : ' (policy differs from the recorded one)'}`));
  return `${out.join('\n')}\n`;
}
