/** A single-file HTML report (inline CSS, no script, no external resource), styled like scan's. */
import { REQUIREMENTS, REQUIREMENT_TITLES } from '../../scan/findings.ts';
import { htmlEscape } from '../../scan/render/html.ts';
import type { AuditReport, AuditResult } from '../report.ts';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.05rem;margin:0}
.meta{color:#5b6475;margin-bottom:1.5rem}.target{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:4px;padding:0 .4rem;font-weight:600;font-size:.8rem;color:#fff}
.pass{background:#1f883d}.fail{background:#cf222e}.error{background:#8250df}.warn{background:#bf8700}.na{background:#6e7781}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:.25rem .5rem;vertical-align:top}
code{font-size:.85em;word-break:break-all}.sev-critical,.sev-high{color:#cf222e;font-weight:600}.sev-medium,.sev-low{color:#9a6700}.fix{color:#5b6475}`;

const badge = (s: string): string => `<span class="badge ${htmlEscape(s)}">${htmlEscape(s.toUpperCase())}</span>`;

function result(r: AuditResult): string {
  const rows = REQUIREMENTS.map((q) => {
    const rr = r.requirements[q];
    const items = rr.findings.map((f) => `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> <code>${htmlEscape(f.id)}</code> <code>${htmlEscape(`${f.file}:${f.line}`)}</code> ${htmlEscape(f.message)}<div class="fix">fix: ${htmlEscape(f.fix)}</div></div>`).join('');
    const why = rr.status === 'error' && rr.reason ? `<div>${htmlEscape(rr.reason)}</div>` : '';
    return `<tr><td><b>${q}</b><br><small>${htmlEscape(REQUIREMENT_TITLES[q])}</small></td><td>${badge(rr.status)}</td><td>${items}${why}</td></tr>`;
  });
  return `<section class="target"><h2>${htmlEscape(r.target)}</h2><div class="meta">${htmlEscape(r.dialect)}</div><table><tr><th>requirement</th><th>verdict</th><th>findings</th></tr>${rows.join('')}</table></section>`;
}

export function renderAuditHtml(report: AuditReport): string {
  const s = report.summary;
  const rows = REQUIREMENTS.map((q) => `<tr><td><b>${q}</b></td>${(['pass', 'fail', 'warn', 'na', 'error'] as const).map((k) => `<td>${badge(k)} ${s.requirements[q][k]}</td>`).join('')}</tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>certwarden audit: ${s.targets} result(s)</title><style>${CSS}</style></head>
<body><h1>certwarden audit</h1><div class="meta">${htmlEscape(report.at)} &middot; ${s.files} file(s)${report.policy.hash ? ` &middot; policy ${htmlEscape(report.policy.hash.slice(0, 16))}&hellip;` : ' &middot; no policy'}</div>
<table>${rows}</table>
${report.results.map(result).join('\n')}
</body></html>
`;
}
