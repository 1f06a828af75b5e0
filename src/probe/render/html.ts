/**
 * A single-file HTML report (inline CSS, no script, no external resource),
 * styled like scan's: per client, the requirement verdicts and findings,
 * then the case table with the client's stderr tail (HTML-escaped).
 */
import { BASE_CSS, SECTION_CSS, badge, htmlEscape, requirementTable, summaryRows } from '../../report/render/html.ts';
import type { ProbeReport, ProbeResult } from '../report.ts';

/** Scan's stylesheet, plus the case verdicts' badges and the stderr block. */
const CSS = `${BASE_CSS}${SECTION_CSS}
.ok{background:#1f883d}.wrong{background:#cf222e}pre{font-size:.85em;word-break:break-all;white-space:pre-wrap;margin:0}`;

function client(r: ProbeResult): string {
  const parts = [`<section class="target"><h2><code>${htmlEscape(r.target)}</code></h2><div class="meta">${r.profile ? `profile ${htmlEscape(r.profile)} &middot; ` : ''}suites ${htmlEscape(r.suites.join(', '))}${r.pinning ? ' &middot; pinning' : ''} &middot; ${r.durationMs} ms</div>`];
  parts.push(...requirementTable(r, (f) => `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> <code>${htmlEscape(f.id)}</code></div>`));
  parts.push('<table><tr><th>case</th><th>requirement</th><th>expected</th><th>got</th><th>verdict</th><th>exit</th><th>ms</th><th>stderr (tail)</th></tr>');
  for (const c of r.cases) {
    const exit = c.exitStatus !== null ? String(c.exitStatus) : (c.signal ?? '');
    const note = c.reason ?? c.contradiction;
    parts.push(`<tr><td><code>${htmlEscape(c.id)}</code></td><td>${htmlEscape(c.requirement ?? 'control')}</td><td>${c.expected}</td><td>${c.got}</td><td>${badge(c.verdict)}</td><td>${htmlEscape(exit)}</td><td>${c.durationMs}</td><td>${note ? `<div class="sev-info">${htmlEscape(note)}</div>` : ''}<pre>${htmlEscape(c.stderrTail.trim().split('\n').slice(-3).join('\n'))}</pre></td></tr>`);
  }
  for (const n of r.notServable) parts.push(`<tr><td><code>${htmlEscape(n.id)}</code></td><td>${htmlEscape(n.requirement ?? 'control')}</td><td colspan="6" class="sev-info">not served: ${htmlEscape(n.reason)}</td></tr>`);
  parts.push('</table>');
  if (r.limbo) {
    const l = r.limbo;
    parts.push(`<h3>x509-limbo: <code>${htmlEscape(l.file)}</code></h3><div class="meta">${l.testcases} vectors, ${l.applied} run over the wire, ${l.skipped.length} skipped</div>`);
    parts.push('<table><tr><th>skipped</th><th>reason</th><th>why</th></tr>');
    for (const x of l.skippedByReason) parts.push(`<tr><td>${x.count}</td><td><code>${htmlEscape(x.reason)}</code></td><td>${htmlEscape(x.text)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function renderProbeHtml(report: ProbeReport): string {
  const s = report.summary;
  const rows = summaryRows(s);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>certwarden probe: ${s.targets} client(s)</title><style>${CSS}</style></head>
<body><h1>certwarden probe</h1>
<div class="meta">${htmlEscape(report.at)}</div>
<table class="summary">${rows}</table>
${report.results.map(client).join('\n')}
</body></html>
`;
}
