/** A single-file HTML report (inline CSS, no script, no external resource), scan's stylesheet plus the fix line. */

const CSS = `${BASE_CSS}${SECTION_CSS}
.fix{color:#5b6475}`;
import { REQUIREMENTS, REQUIREMENT_TITLES } from '../../report/model.ts';
import { BASE_CSS, SECTION_CSS, badge, htmlEscape, summaryRows } from '../../report/render/html.ts';
import type { AuditReport, AuditResult } from '../report.ts';

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
  const rows = summaryRows(s);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>certwarden audit: ${s.targets} result(s)</title><style>${CSS}</style></head>
<body><h1>certwarden audit</h1><div class="meta">${htmlEscape(report.at)} &middot; ${s.files} file(s)${report.policy.hash ? ` &middot; policy ${htmlEscape(report.policy.hash.slice(0, 16))}&hellip;` : ' &middot; no policy'}</div>
<table class="summary">${rows}</table>
${report.results.map(result).join('\n')}
</body></html>
`;
}
