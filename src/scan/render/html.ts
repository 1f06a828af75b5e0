/**
 * A single-file HTML report: inline CSS, no script, no external resource
 * (it must open from an air-gapped evidence folder; the CSP forbids any
 * fetch). The only links are to the finding's row in docs/scan.md, which the
 * reader follows by choice.
 *
 * Built to stay usable with hundreds of targets: an overall verdict and the
 * counts first, then the targets worst first (fail, error, warn, pass, na),
 * each a collapsible `<details>` whose summary line carries its verdicts and
 * finding ids; only failing targets of a small report start open. Every
 * string from a certificate, a server or a policy goes through htmlEscape.
 */
import { REQUIREMENTS, SEVERITY_RANK, STATUS_RANK, resultStatus, type RequirementStatus } from '../../report/model.ts';
import { BASE_CSS, badge, htmlEscape, requirementTable, summaryRows } from '../../report/render/html.ts';
import type { Finding } from '../findings.ts';
import type { ScanReport, TargetResult } from '../report.ts';
import { CHECKS, type RegisteredCheck } from '../registry.ts';

/** Where a finding id's explanation lives (the same anchors as the SARIF rules' helpUri). */
export const FINDING_DOCS_URL = 'https://github.com/certwarden/certwarden/blob/main/docs/scan.md';
export { htmlEscape };

/** Up to this many targets, failing ones start expanded; beyond it everything starts collapsed so the page stays scannable. */
export const OPEN_FAILURES_UP_TO_TARGETS = 50;

/** A target's worst requirement status. */
export function targetStatus(r: TargetResult): RequirementStatus {
  return resultStatus(r);
}

/** The report's verdict: the worst target's status (`na` when nothing applied anywhere). */
export function overallStatus(report: ScanReport): RequirementStatus {
  return report.results.map(targetStatus).reduce((a, b) => (STATUS_RANK[b] < STATUS_RANK[a] ? b : a), report.results.length ? ('na' as RequirementStatus) : 'error');
}

function findingLink(id: string): string {
  return `<a href="${FINDING_DOCS_URL}#${htmlEscape(id)}" rel="noreferrer"><code>${htmlEscape(id)}</code></a>`;
}

function findingLine(f: Finding): string {
  return `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> ${findingLink(f.id)} ${htmlEscape(f.message)}</div>`;
}

/** A check's own HTML section; the details are the check's own (the runner stores each check's details under its id). */
function sectionOf(check: RegisteredCheck, details: unknown): string[] {
  const html = check.html as ((d: unknown, escape: (s: string) => string) => string) | undefined;
  const section = html?.call(check, details, htmlEscape);
  return section ? [section] : [];
}

function target(r: TargetResult, open: boolean): string {
  const status = targetStatus(r);
  const actionable = [...new Set(REQUIREMENTS.flatMap((q) => r.requirements[q].findings.filter((f) => f.severity !== 'info').map((f) => f.id)))];
  const verdicts = REQUIREMENTS.map((q) => `${q} ${badge(r.requirements[q].status)}`).join(' ');
  const parts = [
    `<details class="target" data-status="${status}"${open ? ' open' : ''}><summary>${badge(status)} ${htmlEscape(r.target)} &middot; ${verdicts}${actionable.length ? ` <span class="ids">${actionable.map(htmlEscape).join(', ')}</span>` : ''}</summary>`,
    `<div class="meta">${htmlEscape(`${r.serverName}:${r.port}`)}${r.address ? ` &middot; ${htmlEscape(r.address)}` : ''}${r.starttls ? ` &middot; STARTTLS ${htmlEscape(r.starttls)}` : ''}</div>`,
  ];
  // Worst finding first in each cell (a stable sort keeps the checks' order within a severity).
  const bySeverity = { ...r, requirements: Object.fromEntries(REQUIREMENTS.map((q) => [q, { ...r.requirements[q], findings: [...r.requirements[q].findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]) }])) as TargetResult['requirements'] };
  parts.push(...requirementTable(bySeverity, findingLine));
  // Each check may add a section for its details (Check.html), in registry order.
  for (const check of CHECKS) {
    const details = r.evidence.checks[check.id];
    if (details !== undefined && check.html) parts.push(...sectionOf(check, details));
  }
  parts.push('</details>');
  return parts.join('\n');
}

export function renderHtml(report: ScanReport): string {
  const s = report.summary;
  const overall = overallStatus(report);
  const rows = summaryRows(s);
  // Stable sort: worst first, the given order within a status.
  const ordered = report.results.map((r, i) => ({ r, i, rank: STATUS_RANK[targetStatus(r)] })).sort((a, b) => a.rank - b.rank || a.i - b.i);
  const openFailures = report.results.length <= OPEN_FAILURES_UP_TO_TARGETS;
  const verdictText = `${s.failed} of ${s.targets} target(s) failed, ${s.errors} could not be scanned completely`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>certwarden scan: ${htmlEscape(overall.toUpperCase())}, ${s.targets} target(s)</title><style>${BASE_CSS}</style></head>
<body><h1>certwarden scan</h1>
<div class="meta">${htmlEscape(report.at)} &middot; policy ${htmlEscape(report.policy.hash.slice(0, 16))}&hellip;${report.replay ? ` &middot; replayed from ${htmlEscape(report.replay.dir)}` : ''}</div>
<p class="verdict" id="verdict">${badge(overall)} ${htmlEscape(verdictText)}</p>
<table class="summary">${rows}</table>
${ordered.map(({ r }) => target(r, openFailures && (targetStatus(r) === 'fail' || targetStatus(r) === 'error'))).join('\n')}
</body></html>
`;
}
