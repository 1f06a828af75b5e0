/**
 * A single-file HTML report (inline CSS, no script, no external resource),
 * styled like scan's: per client, the requirement verdicts and findings,
 * then the case table with the client's stderr tail (HTML-escaped).
 */
import { REQUIREMENTS, REQUIREMENT_TITLES } from '../../scan/findings.ts';
import { htmlEscape } from '../../scan/render/html.ts';
import type { ProbeReport, ProbeResult } from '../report.ts';

// Scan's stylesheet is private to src/scan/render/html.ts; this is the same palette.
const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0}.meta{color:#5b6475;margin-bottom:1.5rem}
.target{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:4px;padding:0 .4rem;font-weight:600;font-size:.8rem;color:#fff}
.pass,.ok{background:#1f883d}.fail,.wrong{background:#cf222e}.error{background:#8250df}.warn{background:#bf8700}.na{background:#6e7781}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:.25rem .5rem;vertical-align:top}
th{font-weight:600;color:#5b6475;font-size:.85rem}code,pre{font-size:.85em;word-break:break-all;white-space:pre-wrap;margin:0}.sev-critical,.sev-high{color:#cf222e;font-weight:600}
.sev-medium,.sev-low{color:#9a6700}.sev-info{color:#6e7781}.summary td{border:none;padding:.1rem .75rem .1rem 0}`;

function badge(status: string): string {
  return `<span class="badge ${htmlEscape(status)}">${htmlEscape(status.toUpperCase())}</span>`;
}

function client(r: ProbeResult): string {
  const parts = [`<section class="target"><h2><code>${htmlEscape(r.target)}</code></h2><div class="meta">${r.profile ? `profile ${htmlEscape(r.profile)} &middot; ` : ''}suites ${htmlEscape(r.suites.join(', '))}${r.pinning ? ' &middot; pinning' : ''} &middot; ${r.durationMs} ms</div>`];
  parts.push('<table><tr><th>requirement</th><th>verdict</th><th>findings</th></tr>');
  for (const q of REQUIREMENTS) {
    const rr = r.requirements[q];
    const items = rr.findings.map((f) => `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> <code>${htmlEscape(f.id)}</code></div>`).join('');
    const why = rr.reason && (rr.status === 'error' || rr.status === 'na') ? `<div class="sev-info">${htmlEscape(rr.reason)}</div>` : '';
    parts.push(`<tr><td><b>${q}</b><br><small>${htmlEscape(REQUIREMENT_TITLES[q])}</small></td><td>${badge(rr.status)}</td><td>${items}${why}</td></tr>`);
  }
  parts.push('</table>');
  parts.push('<table><tr><th>case</th><th>requirement</th><th>expected</th><th>got</th><th>verdict</th><th>exit</th><th>ms</th><th>stderr (tail)</th></tr>');
  for (const c of r.cases) {
    const exit = c.exitStatus !== null ? String(c.exitStatus) : (c.signal ?? '');
    const note = c.reason ?? c.contradiction;
    parts.push(`<tr><td><code>${htmlEscape(c.id)}</code></td><td>${htmlEscape(c.requirement ?? 'control')}</td><td>${c.expected}</td><td>${c.got}</td><td>${badge(c.verdict)}</td><td>${htmlEscape(exit)}</td><td>${c.durationMs}</td><td>${note ? `<div class="sev-info">${htmlEscape(note)}</div>` : ''}<pre>${htmlEscape(c.stderrTail.trim().split('\n').slice(-3).join('\n'))}</pre></td></tr>`);
  }
  for (const n of r.notServable) parts.push(`<tr><td><code>${htmlEscape(n.id)}</code></td><td>${htmlEscape(n.requirement ?? 'control')}</td><td colspan="6" class="sev-info">not served: ${htmlEscape(n.reason)}</td></tr>`);
  parts.push('</table></section>');
  return parts.join('\n');
}

export function renderProbeHtml(report: ProbeReport): string {
  const s = report.summary;
  const rows = REQUIREMENTS.map((q) => `<tr><td><b>${q}</b></td>${(['pass', 'fail', 'warn', 'na', 'error'] as const).map((k) => `<td>${badge(k)} ${s.requirements[q][k]}</td>`).join('')}</tr>`).join('');
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
