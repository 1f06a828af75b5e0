/**
 * A single-file HTML report: inline CSS, no script, no external resource
 * (it must open from an air-gapped evidence folder). Per target: the
 * verdicts, the findings, the served chain and each staple's validity window.
 */
import { REQUIREMENTS, REQUIREMENT_TITLES } from '../findings.ts';
import type { ScanReport, TargetResult } from '../report.ts';
import type { TrustChainDetails } from '../checks/trust-chain.ts';
import type { StaplingDetails } from '../checks/stapling.ts';

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0}.meta{color:#5b6475;margin-bottom:1.5rem}
.target{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:4px;padding:0 .4rem;font-weight:600;font-size:.8rem;color:#fff}
.pass{background:#1f883d}.fail{background:#cf222e}.error{background:#8250df}.warn{background:#bf8700}.na{background:#6e7781}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:.25rem .5rem;vertical-align:top}
th{font-weight:600;color:#5b6475;font-size:.85rem}code{font-size:.85em;word-break:break-all}.sev-critical,.sev-high{color:#cf222e;font-weight:600}
.sev-medium,.sev-low{color:#9a6700}.sev-info{color:#6e7781}.summary td{border:none;padding:.1rem .75rem .1rem 0}`;

function badge(status: string): string {
  return `<span class="badge ${htmlEscape(status)}">${htmlEscape(status.toUpperCase())}</span>`;
}

function target(r: TargetResult): string {
  const chain = r.evidence.checks['trust-chain'] as TrustChainDetails | undefined;
  const stapling = r.evidence.checks.stapling as StaplingDetails | undefined;
  const parts = [`<section class="target"><h2>${htmlEscape(r.target)}</h2><div class="meta">${htmlEscape(`${r.serverName}:${r.port}`)}${r.address ? ` &middot; ${htmlEscape(r.address)}` : ''}${r.starttls ? ` &middot; STARTTLS ${htmlEscape(r.starttls)}` : ''}</div>`];
  parts.push('<table><tr><th>requirement</th><th>verdict</th><th>findings</th></tr>');
  for (const q of REQUIREMENTS) {
    const rr = r.requirements[q];
    const items = rr.findings.map((f) => `<div><span class="sev-${f.severity}">${htmlEscape(f.severity)}</span> <code>${htmlEscape(f.id)}</code> ${htmlEscape(f.message)}</div>`).join('');
    const why = rr.reason && (rr.status === 'error' || rr.status === 'na') ? `<div class="sev-info">${htmlEscape(rr.reason)}</div>` : '';
    parts.push(`<tr><td><b>${q}</b><br><small>${htmlEscape(REQUIREMENT_TITLES[q])}</small></td><td>${badge(rr.status)}</td><td>${items}${why}</td></tr>`);
  }
  parts.push('</table>');
  if (chain) {
    parts.push('<table><tr><th>#</th><th>served certificate</th><th>issuer</th><th>valid</th><th>SHA-256</th></tr>');
    chain.served.forEach((c, i) => parts.push(`<tr><td>${i}</td><td>${htmlEscape(c.subject)}</td><td>${htmlEscape(c.issuer)}</td><td>${htmlEscape(c.notBefore)}<br>${htmlEscape(c.notAfter)}</td><td><code>${htmlEscape(c.sha256)}</code></td></tr>`));
    parts.push('</table>');
  }
  if (stapling && stapling.versions.length > 0) {
    parts.push('<table><tr><th>TLS</th><th>staple</th><th>status</th><th>thisUpdate</th><th>nextUpdate</th><th>signer</th></tr>');
    for (const v of stapling.versions) {
      parts.push(`<tr><td>${htmlEscape(v.version)}</td><td>${!v.offered ? 'version not offered' : v.stapled ? 'stapled' : `none (${v.attempts} handshakes)`}</td><td>${htmlEscape(v.status ?? '')}</td><td>${htmlEscape(v.thisUpdate ?? '')}</td><td>${htmlEscape(v.nextUpdate ?? '')}</td><td>${htmlEscape(v.signer ?? '')}</td></tr>`);
    }
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function renderHtml(report: ScanReport): string {
  const s = report.summary;
  const rows = REQUIREMENTS.map((q) => `<tr><td><b>${q}</b></td>${(['pass', 'fail', 'warn', 'na', 'error'] as const).map((k) => `<td>${badge(k)} ${s.requirements[q][k]}</td>`).join('')}</tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>certwarden scan: ${s.targets} target(s)</title><style>${CSS}</style></head>
<body><h1>certwarden scan</h1>
<div class="meta">${htmlEscape(report.at)} &middot; policy ${htmlEscape(report.policy.hash.slice(0, 16))}&hellip;${report.replay ? ` &middot; replayed from ${htmlEscape(report.replay.dir)}` : ''}</div>
<table class="summary">${rows}</table>
${report.results.map(target).join('\n')}
</body></html>
`;
}
