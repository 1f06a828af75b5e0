/**
 * What the HTML renderers share: escaping, the stylesheet (one palette for
 * every report; a capability appends only the rules of its own sections), the
 * badge, the per-requirement count table and a result's requirement table. Reports are single files: inline
 * CSS, no script, no external resource.
 */
import { REQUIREMENT_STATUSES, REQUIREMENT_TITLES, REQUIREMENTS, type ReportFinding, type RequirementStatus, type Result, type Summary } from '../model.ts';

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const BASE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}.meta{color:#5b6475;margin-bottom:1rem}
.verdict{font-size:1.1rem;margin:0 0 1rem}.verdict .badge{font-size:1rem;padding:.1rem .6rem}
details.target{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:.5rem 1rem;margin:0 0 .5rem}
details.target>summary{cursor:pointer;font-weight:600}details.target>summary .ids{font-weight:400;color:#5b6475;font-size:.85rem}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:4px;padding:0 .4rem;font-weight:600;font-size:.8rem;color:#fff}
.pass{background:#1f883d}.fail{background:#cf222e}.error{background:#8250df}.warn{background:#bf8700}.na{background:#6e7781}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:.25rem .5rem;vertical-align:top}
th{font-weight:600;color:#5b6475;font-size:.85rem}code{font-size:.85em;word-break:break-all}.sev-critical,.sev-high{color:#cf222e;font-weight:600}
.sev-medium,.sev-low{color:#9a6700}.sev-info{color:#6e7781}.summary td{border:none;padding:.1rem .75rem .1rem 0}`;

/** Rules for a result drawn as a `<section class="target">` with an `<h2>` (audit, probe). */
export const SECTION_CSS = `
h2{font-size:1.1rem;margin:0}section.target{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}`;

export function badge(status: string): string {
  return `<span class="badge ${htmlEscape(status)}">${htmlEscape(status.toUpperCase())}</span>`;
}

/** One row per requirement: a badge and the count of results per status. */
export function summaryRows(s: Summary): string {
  return REQUIREMENTS.map((q) => `<tr><td><b>${q}</b></td>${REQUIREMENT_STATUSES.map((k) => `<td>${badge(k)} ${s.requirements[q][k]}</td>`).join('')}</tr>`).join('');
}

/**
 * A result's requirement table, as lines: per requirement its title, badge,
 * the capability's HTML for each finding (scan: linked id and message;
 * audit: file:line and fix; probe: the finding id) and the reason when the
 * status is one of `reasonWhen`.
 */
export function requirementTable<F extends ReportFinding>(r: Result<F>, findingHtml: (f: F) => string, reasonWhen: readonly RequirementStatus[] = ['error', 'na']): string[] {
  const rows = REQUIREMENTS.map((q) => {
    const rr = r.requirements[q];
    const why = rr.reason && reasonWhen.includes(rr.status) ? `<div class="sev-info">${htmlEscape(rr.reason)}</div>` : '';
    return `<tr><td><b>${q}</b><br><small>${htmlEscape(REQUIREMENT_TITLES[q])}</small></td><td>${badge(rr.status)}</td><td>${rr.findings.map(findingHtml).join('')}${why}</td></tr>`;
  });
  return ['<table><tr><th>requirement</th><th>verdict</th><th>findings</th></tr>', ...rows, '</table>'];
}
