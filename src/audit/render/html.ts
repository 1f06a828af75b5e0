/** A single-file HTML report (inline CSS, no script, no external resource), scan's stylesheet plus the fix line. */

const CSS = `${BASE_CSS}${SECTION_CSS}
.fix{color:#5b6475}`;
import { BASE_CSS, SECTION_CSS, htmlEscape, requirementTable, summaryRows } from '../../report/render/html.ts';
import type { AuditFinding, AuditReport, AuditResult } from '../report.ts';

function result(r: AuditResult): string {
  const finding = (f: AuditFinding): string => `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> <code>${htmlEscape(f.id)}</code> <code>${htmlEscape(`${f.file}:${f.line}`)}</code> ${htmlEscape(f.message)}<div class="fix">fix: ${htmlEscape(f.fix)}</div></div>`;
  return `<section class="target"><h2>${htmlEscape(r.target)}</h2><div class="meta">${htmlEscape(r.dialect)}</div>${requirementTable(r, finding, ['error']).join('')}</section>`;
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
