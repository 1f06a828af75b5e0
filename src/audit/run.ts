/**
 * The audit runner: load the configurations, cut them into units (server
 * blocks, virtual hosts, sections), run every rule of the unit's dialect and
 * the trust-store rules, and build the report with the fixes' line edits.
 * A file that cannot be parsed is a result with status `error`, never a pass.
 */
import { isAbsolute, join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Policy } from '../policy/types.ts';
import { TOOL_VERSION } from '../core/version.ts';
import { REQUIREMENTS, type Requirement } from '../report/model.ts';
import { includeProblems, type Directive } from './config/model.ts';
import type { Dialect } from './dialects.ts';
import { loadInputs, type LoadedConfig, type LoadResult } from './load.ts';
import { AUDIT_REPORT_VERSION, auditStatus, summarizeAudit, type AuditFinding, type AuditReport, type AuditResult } from './report.ts';
import { apacheTarget, apacheUnits, arg as apacheArg, lookup as apacheLookup, type ApacheUnit } from './rules/apache/unit.ts';
import { haproxyTarget, haproxyUnits, serverOption, tlsServers, verifyContexts, type HaproxyUnit } from './rules/haproxy/unit.ts';
import { lookup as nginxLookup, nginxTarget, nginxUnits, TLS_SCHEMES, type NginxUnit } from './rules/nginx/unit.ts';
import { APACHE_RULES, AWS_ELB_RULES, CADDY_RULES, CODE_RULES, ENVOY_RULES, HAPROXY_RULES, INCLUDE_MISSING, NGINX_RULES, TOMCAT_RULES, TRUST_RULES } from './rules/registry.ts';
import { codeUnit } from './rules/code/unit.ts';
import { collectExports, elbTarget, elbUnits } from './rules/aws-elb/unit.ts';
import { caddyUnit, clientAuths, clientMode, proxyTransports, type CaddyUnit } from './rules/caddy/unit.ts';
import { child as structuredChild } from './config/structured.ts';
import { envoyTarget, envoyUnits, validation, type EnvoyUnit } from './rules/envoy/unit.ts';
import { value as structuredValue } from './config/structured.ts';
import { clientVerification, hostAt, hostAttr, tomcatTarget, tomcatUnits, usesOpenSsl, type TomcatUnit } from './rules/tomcat/unit.ts';
import type { AuditContext, CaReference, Edit, Rule, RuleSpec } from './rules/rule.ts';
import { trustUnit } from './rules/trust/unit.ts';
import { TrustStoreReader } from './trust-store.ts';


export interface AuditOptions {
  paths: readonly string[];
  dialect?: Dialect;
  policy?: Policy;
  now?: Date;
}

export interface AuditRun {
  report: AuditReport;
  /** Every line edit the fixes propose, by reported file. */
  edits: Edit[];
  load: LoadResult;
  /** The nginx server block, Apache virtual host, HAProxy section, Tomcat SSLHostConfig, Caddy configuration or Envoy TLS context behind each result, by result index: what `--live` derives its listeners from (live/). */
  liveUnits: ReadonlyMap<number, LiveUnit>;
}

/** A unit `--live` can derive listeners from. */
export type LiveUnit =
  | { dialect: 'nginx'; unit: NginxUnit }
  | { dialect: 'apache'; unit: ApacheUnit }
  | { dialect: 'haproxy'; unit: HaproxyUnit }
  | { dialect: 'tomcat'; unit: TomcatUnit }
  | { dialect: 'caddy'; unit: CaddyUnit }
  | { dialect: 'envoy'; unit: EnvoyUnit };

interface UnitOutcome {
  target: string;
  file: string;
  line: number;
  dialect: Dialect;
  block?: Directive;
  findings: { spec: RuleSpec; finding: AuditFinding }[];
  applied: Record<Requirement, number>;
  live?: LiveUnit;
}

function resolvePath(config: LoadedConfig, value: string): string {
  return isAbsolute(value) ? value : join(config.baseDir, value);
}

function ref(config: LoadedConfig, role: CaReference['role'], at: Directive | undefined, value = at?.args[0]): CaReference[] {
  return at && value ? [{ role, value, path: resolvePath(config, value), at }] : [];
}

function nginxRefs(u: NginxUnit): CaReference[] {
  const verify = nginxLookup(u.scopes, 'ssl_verify_client');
  const client = verify !== undefined && verify.args[0] !== 'off';
  const out = [...ref(u.config, 'client', client ? nginxLookup(u.scopes, 'ssl_client_certificate') : undefined), ...ref(u.config, client ? 'client' : 'stapling', u.tls || client ? nginxLookup(u.scopes, 'ssl_trusted_certificate') : undefined)];
  for (const p of u.passes) if (p.scheme && TLS_SCHEMES.has(p.scheme)) out.push(...ref(u.config, 'upstream', nginxLookup(p.scopes, `${p.module}_ssl_trusted_certificate`)));
  return dedupe(out);
}

function apacheRefs(u: ApacheUnit): CaReference[] {
  const verify = apacheArg(apacheLookup(u, 'sslverifyclient'));
  const out: CaReference[] = [];
  if (verify !== undefined && verify !== 'none') out.push(...ref(u.config, 'client', apacheLookup(u, 'sslcacertificatefile')), ...ref(u.config, 'client', apacheLookup(u, 'sslcacertificatepath')));
  if (apacheArg(apacheLookup(u, 'sslproxyengine')) === 'on') out.push(...ref(u.config, 'upstream', apacheLookup(u, 'sslproxycacertificatefile')), ...ref(u.config, 'upstream', apacheLookup(u, 'sslproxycacertificatepath')));
  return out;
}

function haproxyRefs(u: HaproxyUnit): CaReference[] {
  const out: CaReference[] = [];
  for (const c of verifyContexts(u)) if (c.verify !== 'none') out.push(...ref(u.config, 'client', c.where['ca-file'], c.caFile));
  for (const s of tlsServers(u)) if (serverOption(s, 'verify') !== 'none') out.push(...ref(u.config, 'upstream', s.server, serverOption(s, 'ca-file')));
  return dedupe(out);
}

function tomcatRefs(u: TomcatUnit): CaReference[] {
  if (u.kind !== 'host') return [];
  const v = clientVerification(u);
  if (v === 'none' || v === 'optionalNoCA') return [];
  const at = hostAt(u);
  const store = hostAttr(u, 'truststoreFile');
  const type = hostAttr(u, 'truststoreType');
  const password = hostAttr(u, 'truststorePassword', 'truststorePass');
  // Tomcat resolves relative file paths against CATALINA_BASE: the folder above conf/.
  const base = (v: string): string => (isAbsolute(v) ? v : join(u.config.baseDir, '..', v));
  const out: CaReference[] = [];
  // JSSE ignores caCertificateFile/Path (only the OpenSSL implementation reads them): there they are not the client trust store.
  if (usesOpenSsl(u)) for (const v of [hostAttr(u, 'caCertificateFile'), hostAttr(u, 'caCertificatePath')]) if (v) out.push({ role: 'client', value: v, path: base(v), at });
  if (store) out.push({ role: 'client', value: store, path: base(store), at, keystore: { ...(type ? { type } : {}), ...(password !== undefined ? { password } : {}) } });
  return out;
}

function caddyRefs(u: CaddyUnit): CaReference[] {
  const files = (d: Directive | undefined): string[] => (d?.children ?? []).map((c) => c.args[0]).filter((v): v is string => v !== undefined && v !== '');
  const out: CaReference[] = [];
  for (const c of clientAuths(u)) if (!['request', 'require'].includes(clientMode(c))) for (const f of files(structuredChild(c, 'trusted_ca_certs_pem_files'))) out.push(...ref(u.config, 'client', c, f));
  for (const t of proxyTransports(u)) for (const f of files(structuredChild(t, 'root_ca_pem_files'))) out.push(...ref(u.config, 'upstream', t, f));
  return out;
}

function envoyRefs(u: EnvoyUnit): CaReference[] {
  const v = validation(u)?.static;
  const file = structuredValue(v, 'trusted_ca.filename');
  return ref(u.config, u.side === 'downstream' ? 'client' : 'upstream', v, file);
}

function dedupe(refs: CaReference[]): CaReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.role}\u0000${r.at.file}\u0000${r.at.line}\u0000${r.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function runRules<U>(rules: readonly Rule<U>[], unit: U, ctx: AuditContext, out: UnitOutcome): void {
  for (const rule of rules) {
    const outcome = rule.check(unit, ctx);
    if (outcome === 'na') continue;
    out.applied[rule.requirement]++;
    for (const hit of outcome) out.findings.push({ spec: rule, finding: { id: rule.id, severity: rule.severity, message: hit.message, file: hit.file, line: hit.line, fix: rule.fix, ...(hit.edits ? { edits: hit.edits } : {}) } as AuditFinding });
  }
}

/** Run the audit over `paths`. Throws only for usage and I/O errors on the PATHs themselves. */
export function runAudit(options: AuditOptions): AuditRun {
  if (options.paths.length === 0) throw new CertwardenError(ErrorCode.USAGE, 'give at least one PATH (a configuration file or folder)');
  const load = loadInputs(options.paths, options.dialect ? { dialect: options.dialect } : {});
  const policy = options.policy;
  const fixCa = policy && [...(policy.inbound?.trust.caSources ?? []), ...policy.trust.caSources].find((s) => s.kind === 'file')?.source;
  const ctx: AuditContext = { ...(policy ? { policy } : {}), ...(fixCa ? { fixCa } : {}), resolvePath };
  const reader = new TrustStoreReader(policy);
  const lineCache = new Map<string, string[]>();
  const lines = (file: string): string[] | undefined => {
    let l = lineCache.get(file);
    if (!l) {
      const text = load.texts.get(file);
      if (text === undefined) return undefined;
      l = text.split('\n');
      lineCache.set(file, l);
    }
    return l;
  };
  const outcomes: UnitOutcome[] = [];
  // AWS exports are joined by ARN across the files of one audit (listeners, trust stores, revocations).
  const elbExports = collectExports(load.configs.filter((c) => c.dialect === 'aws-elb'));
  for (const config of load.configs) {
    const start = outcomes.length;
    const fresh = (target: string, at: Directive | undefined): UnitOutcome => ({ target, file: at?.file ?? config.file.display, line: at?.line ?? 1, dialect: config.dialect, ...(at ? { block: at } : {}), findings: [], applied: { 'V9.2.1': 0, 'V9.2.4': 0 } });
    if (config.dialect === 'nginx') {
      for (const u of nginxUnits(config, lines)) {
        const o: UnitOutcome = { ...fresh(nginxTarget(u), u.server), live: { dialect: 'nginx', unit: u } };
        runRules(NGINX_RULES, u, ctx, o);
        runRules(TRUST_RULES, trustUnit(nginxRefs(u), reader, policy), ctx, o);
        outcomes.push(o);
      }
    } else if (config.dialect === 'apache') {
      for (const u of apacheUnits(config, lines)) {
        const o: UnitOutcome = { ...fresh(apacheTarget(u), u.vhost), live: { dialect: 'apache', unit: u } };
        runRules(APACHE_RULES, u, ctx, o);
        runRules(TRUST_RULES, trustUnit(apacheRefs(u), reader, policy), ctx, o);
        outcomes.push(o);
      }
    } else if (config.dialect === 'aws-elb') {
      const units = elbUnits(config, elbExports);
      for (const u of units) {
        const o = fresh(elbTarget(u), u.listener);
        runRules(AWS_ELB_RULES, u, ctx, o);
        outcomes.push(o);
      }
      if (units.length === 0) outcomes.push(fresh(config.file.display, undefined));
    } else if (config.dialect === 'caddy') {
      const u = caddyUnit(config);
      const o: UnitOutcome = { ...fresh(config.file.display, undefined), live: { dialect: 'caddy', unit: u } };
      runRules(CADDY_RULES, u, ctx, o);
      runRules(TRUST_RULES, trustUnit(caddyRefs(u), reader, policy), ctx, o);
      outcomes.push(o);
    } else if (config.dialect === 'envoy') {
      const units = envoyUnits(config);
      for (const u of units) {
        const o: UnitOutcome = { ...fresh(envoyTarget(u), u.context), live: { dialect: 'envoy', unit: u } };
        runRules(ENVOY_RULES, u, ctx, o);
        runRules(TRUST_RULES, trustUnit(envoyRefs(u), reader, policy), ctx, o);
        outcomes.push(o);
      }
      if (units.length === 0) outcomes.push(fresh(config.file.display, undefined));
    } else if (config.dialect === 'code') {
      const o = fresh(config.file.display, undefined);
      runRules(CODE_RULES, codeUnit(config), ctx, o);
      outcomes.push(o);
    } else if (config.dialect === 'tomcat') {
      const units = tomcatUnits(config);
      for (const u of units) {
        const o: UnitOutcome = { ...fresh(tomcatTarget(u), u.kind === 'host' ? (u.host ?? u.connector) : undefined), live: { dialect: 'tomcat', unit: u } };
        runRules(TOMCAT_RULES, u, ctx, o);
        runRules(TRUST_RULES, trustUnit(tomcatRefs(u), reader, policy), ctx, o);
        outcomes.push(o);
      }
      if (units.length === 0) outcomes.push(fresh(config.file.display, undefined));
    } else {
      const units = haproxyUnits(config, lines);
      for (const u of units) {
        const o: UnitOutcome = { ...fresh(haproxyTarget(u), u.section), live: { dialect: 'haproxy', unit: u } };
        runRules(HAPROXY_RULES, u, ctx, o);
        runRules(TRUST_RULES, trustUnit(haproxyRefs(u), reader, policy), ctx, o);
        outcomes.push(o);
      }
      if (units.length === 0) outcomes.push(fresh(config.file.display, undefined));
    }
    attachIncludeProblems(config, outcomes.slice(start));
  }
  const edits: Edit[] = [];
  const results: AuditResult[] = outcomes.map((o) => {
    const requirements = {} as AuditResult['requirements'];
    for (const q of REQUIREMENTS) {
      const findings = o.findings.filter((f) => f.spec.requirement === q).map((f) => {
        const { edits: e, ...plain } = f.finding as AuditFinding & { edits?: Edit[] };
        if (e) edits.push(...e);
        return plain;
      });
      const st = auditStatus(findings, o.applied[q]);
      requirements[q] = { status: st.status, findings, ...(st.reason ? { reason: st.reason } : {}) };
    }
    return { target: o.target, file: o.file, line: o.line, dialect: o.dialect, requirements };
  });
  for (const f of load.failures) {
    const line = typeof f.error.details.line === 'number' ? f.error.details.line : 1;
    const reason = `${f.error.code}: ${f.error.message}`;
    results.push({ target: f.file, file: f.file, line, dialect: f.dialect ?? 'unknown', requirements: { 'V9.2.1': { status: 'error', findings: [], reason }, 'V9.2.4': { status: 'error', findings: [], reason } } });
  }
  const report: AuditReport = {
    version: AUDIT_REPORT_VERSION,
    tool: { name: 'certwarden', version: TOOL_VERSION },
    at: (options.now ?? new Date()).toISOString(),
    policy: policy ? { ...(policy.file ? { file: policy.file } : {}), hash: policy.hash } : {},
    results,
    summary: summarizeAudit(results, load.filesRead),
  };
  const byResult = new Map<number, LiveUnit>();
  outcomes.forEach((o, i) => o.live && byResult.set(i, o.live));
  return { report, edits, load, liveUnits: byResult };
}

/** An include that could not be followed is reported on the units it belongs to (all of them, when it sits outside every unit). */
function attachIncludeProblems(config: LoadedConfig, units: UnitOutcome[]): void {
  const all = includeProblems(config.file.directives);
  if (all.length === 0) return;
  const inBlock = new Map<UnitOutcome, Directive[]>();
  const owned = new Set<Directive>();
  for (const u of units) {
    const mine = u.block ? includeProblems([u.block]) : [];
    inBlock.set(u, mine);
    for (const d of mine) owned.add(d);
  }
  const shared = all.filter((d) => !owned.has(d));
  for (const u of units) {
    for (const d of [...(inBlock.get(u) ?? []), ...shared]) {
      u.applied[INCLUDE_MISSING.requirement]++;
      u.findings.push({ spec: INCLUDE_MISSING, finding: { id: INCLUDE_MISSING.id, severity: INCLUDE_MISSING.severity, message: `${d.name} ${d.args[0] ?? ''}: ${d.includeProblem}`, file: d.file, line: d.line, fix: INCLUDE_MISSING.fix } });
    }
  }
}
