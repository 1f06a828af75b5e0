/**
 * `audit --live`: scan the TLS listeners the audited configuration declares
 * (live/listen.ts decides where, loopback only unless mapped; nginx.ts,
 * apache.ts, haproxy.ts, tomcat.ts, caddy.ts and envoy.ts derive the
 * listeners), attach each
 * scan's V9.2.1/V9.2.4 results to the server block's audit result, and add
 * a finding where the configuration and the live endpoint disagree. A scan
 * that could not observe something is never read as agreement: it is left
 * as the scan's own `error` on the live result, without a disagreement claim.
 */
import { runScan, type ScanOptions } from '../../scan/runner.ts';
import type { ScanTarget, ResolveOverride } from '../../scan/target.ts';
import type { TargetResult } from '../../scan/report.ts';
import type { StaplingDetails } from '../../scan/checks/stapling.ts';
import type { ClientAuthDetails } from '../../scan/checks/client-auth.ts';
import { AttemptReason } from '../../scan/failure.ts';
import type { Policy } from '../../policy/types.ts';
import { REQUIREMENTS } from '../../report/model.ts';
import { auditStatus, summarizeAudit, type AuditFinding, type AuditLiveResult, type AuditResult } from '../report.ts';
import type { AuditRun, LiveUnit } from '../run.ts';
import type { RuleSpec } from '../rules/rule.ts';
import type { DeclaredListener, LiveDeclaration } from './listen.ts';
import { nginxDeclaration } from './nginx.ts';
import { apacheDeclaration } from './apache.ts';
import { haproxyDeclaration } from './haproxy.ts';
import { tomcatDeclaration } from './tomcat.ts';
import { caddyDeclaration } from './caddy.ts';
import { envoyDeclaration } from './envoy.ts';
import { LIVE_DISAGREES_CLIENT_AUTH, LIVE_DISAGREES_STAPLING, LIVE_UNREACHABLE } from './rules.ts';

export interface LiveOptions {
  /** The audit's --policy: required, a scan judges trust against it. */
  policy: Policy;
  /** --live-resolve: the only way to scan a listener that is not on loopback. */
  resolve?: readonly ResolveOverride[];
  /** Scan limits and settings (defaults: runScan's). */
  scan?: Pick<ScanOptions, 'targetTimeoutMs' | 'settings' | 'concurrency'>;
}

interface Planned {
  result: AuditResult;
  listener: DeclaredListener;
  target?: ScanTarget;
}

/** Nothing answered: every check failed on connectivity before any handshake (no check completed). */
function unreachable(r: TargetResult): boolean {
  return r.attempts.length > 0 && r.attempts.every((a) => a.status === 'error' && a.reason === AttemptReason.CONNECTIVITY);
}

function liveRequirements(r: TargetResult): NonNullable<AuditLiveResult['requirements']> {
  const out = {} as NonNullable<AuditLiveResult['requirements']>;
  for (const q of REQUIREMENTS) {
    const req = r.requirements[q];
    out[q] = { status: req.status, findings: req.findings.map((f) => ({ id: f.id, severity: f.severity, message: f.message })), ...(req.reason ? { reason: req.reason } : {}) };
  }
  return out;
}

/** True when the scan saw a TLS version offered and no staple on any offered version (after its retries). */
function staplesNothing(r: TargetResult): boolean {
  const d = r.evidence.checks['stapling'] as StaplingDetails | undefined;
  const offered = d?.versions.filter((v) => v.offered) ?? [];
  return offered.length > 0 && offered.every((v) => !v.stapled);
}

/**
 * True when the live endpoint lets a client without a certificate in: it
 * sends no CertificateRequest, or (where the server refuses in the handshake)
 * completes a handshake without one. An http server of nginx completes that
 * handshake by design and refuses the request instead, so there only the
 * missing request counts.
 */
function acceptsWithoutClientCertificate(r: TargetResult, refusal: DeclaredListener['refusal']): boolean {
  const d = r.evidence.checks['client-auth'] as ClientAuthDetails | undefined;
  if (!d) return false;
  return d.requested === false || (refusal === 'handshake' && d.probes.some((p) => p.credential === 'none' && p.accepted));
}

function add(result: AuditResult, spec: RuleSpec, message: string, file: string, line: number): void {
  const f: AuditFinding = { id: spec.id, severity: spec.severity, message, file, line, fix: spec.fix };
  const req = result.requirements[spec.requirement];
  req.findings.push(f);
  const st = auditStatus(req.findings, 1);
  result.requirements[spec.requirement] = { status: st.status, findings: req.findings, ...(st.reason ? { reason: st.reason } : {}) };
}

function label(l: DeclaredListener): string {
  return `${l.declared.includes(':') ? `[${l.declared}]` : l.declared}:${l.port}`;
}

/** The dialect's derivation of what a unit declares. */
function declare(u: LiveUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (u.dialect === 'nginx') return nginxDeclaration(u.unit, overrides);
  if (u.dialect === 'apache') return apacheDeclaration(u.unit, overrides);
  if (u.dialect === 'haproxy') return haproxyDeclaration(u.unit, overrides);
  if (u.dialect === 'tomcat') return tomcatDeclaration(u.unit, overrides);
  if (u.dialect === 'caddy') return caddyDeclaration(u.unit, overrides);
  return envoyDeclaration(u.unit, overrides);
}

/** Scan the declared listeners of `run` and fold what they show into its report (returned; `run.report` is updated in place). */
export async function auditLive(run: AuditRun, o: LiveOptions): Promise<AuditRun['report']> {
  const plans: Planned[] = [];
  for (const [index, unit] of run.liveUnits) {
    const declaration = declare(unit, o.resolve ?? []);
    const result = run.report.results[index]!;
    if (!declaration) continue;
    result.live = [];
    for (const listener of declaration.listeners) {
      if ('skip' in listener.connect) {
        plans.push({ result, listener });
        continue;
      }
      const host = listener.serverName ?? listener.connect.address;
      plans.push({ result, listener, target: { input: `${host}:${listener.port}`, host, port: listener.port, address: listener.connect.address } });
    }
  }
  const targets = plans.flatMap((p) => (p.target ? [p.target] : []));
  const scanned = targets.length > 0 ? (await runScan({ policy: o.policy, targets, ...o.scan })).results : [];
  let next = 0;
  for (const p of plans) {
    const l = p.listener;
    const base = { listen: label(l), line: l.at.line, ...(l.serverName ? { serverName: l.serverName } : {}), port: l.port };
    if (!p.target) {
      p.result.live!.push({ ...base, address: null, status: 'na', reason: (l.connect as { skip: string }).skip });
      continue;
    }
    const r = scanned[next++]!;
    const where = `${p.target.input} (connected to ${p.target.address})`;
    if (unreachable(r)) {
      const why = r.attempts[0]?.message ?? 'no answer';
      p.result.live!.push({ ...base, address: p.target.address!, status: 'unreachable', reason: why });
      add(p.result, LIVE_UNREACHABLE, `listen ${label(l)} is declared but nothing answers at ${where}: ${why}`, l.at.file, l.at.line);
      continue;
    }
    p.result.live!.push({ ...base, address: r.address, status: 'scanned', requirements: liveRequirements(r) });
    const s = l.stapling;
    if (s && staplesNothing(r)) add(p.result, LIVE_DISAGREES_STAPLING, `${s.says} here, but ${where} stapled no OCSP response in any TLS version it offers after the scan's retries`, s.at.file, s.at.line);
    const v = l.clientAuthRequired;
    if (v && acceptsWithoutClientCertificate(r, l.refusal)) add(p.result, LIVE_DISAGREES_CLIENT_AUTH, `${v.says} here, but ${where} ${l.refusal === 'handshake' ? 'completes a handshake without a client certificate' : 'does not ask for a client certificate (no CertificateRequest): clients without one are served'}`, v.at.file, v.at.line);
  }
  run.report.summary = summarizeAudit(run.report.results, run.report.summary.files);
  return run.report;
}


