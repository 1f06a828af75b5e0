/**
 * Per-destination resolution: which rule applies to a host (and port), and
 * the effective settings once the top level and that rule are merged.
 *
 * Precedence is "most specific wins", independent of the order rules are
 * written in (so appending a broad rule can never shadow a narrow one):
 *   1. an exact host beats any wildcard;
 *   2. among wildcards, the longer suffix (more labels) wins;
 *   3. for the same suffix, `*.suffix` beats `**.suffix`;
 *   4. at equal host specificity, a pattern with a port beats one without.
 * Duplicate patterns are rejected at load, so there are no ties; should two
 * rules still compare equal, the earlier one wins.
 *
 * Hosts compare case-insensitively, without a trailing dot, IDNs as punycode.
 * IP literals match only exact IP patterns, never wildcards.
 */
import { rootCertificates } from 'node:tls';
import { Certificate } from '../x509/certificate.ts';
import type { DestinationRule, DestinationSettings, HostPattern, Pin, Policy, ResolvedDestination } from './types.ts';
import { normalizeHost } from './values.ts';

/** A higher tuple is more specific; compared lexicographically. */
function specificity(p: HostPattern): [number, number, number, number] {
  const labels = p.host.split('.').length;
  const kindRank = p.kind === 'exact' ? 2 : p.kind === 'one-label' ? 1 : 0;
  return [p.kind === 'exact' ? 1 : 0, labels, kindRank, p.port === undefined ? 0 : 1];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Whether one pattern matches a normalised host. */
export function patternMatches(p: HostPattern, host: string, ip: boolean, port?: number): boolean {
  if (p.port !== undefined && p.port !== port) return false;
  if (p.kind === 'exact') return p.host === host;
  if (ip) return false;
  const suffix = `.${p.host}`;
  if (!host.endsWith(suffix)) return false;
  const prefix = host.slice(0, -suffix.length);
  if (prefix === '' || prefix.startsWith('.') || prefix.endsWith('.') || prefix.includes('..')) return false;
  return p.kind === 'any-depth' || !prefix.includes('.');
}

/** The rule that applies to `host[:port]` and the pattern that selected it, or undefined for the top level. */
export function matchDestination(policy: Policy, host: string, port?: number): { rule: DestinationRule; pattern: HostPattern } | undefined {
  const n = normalizeHost(host);
  let best: { rule: DestinationRule; pattern: HostPattern; score: number[] } | undefined;
  for (const rule of policy.destinations) {
    for (const pattern of rule.patterns) {
      if (!patternMatches(pattern, n.host, n.ip, port)) continue;
      const score = specificity(pattern);
      if (!best || compare(score, best.score) > 0) best = { rule, pattern, score };
    }
  }
  return best && { rule: best.rule, pattern: best.pattern };
}

let systemRoots: readonly Certificate[] | undefined;

/** The runtime's public roots (`tls.rootCertificates`), parsed once on first use. Unparseable ones are skipped. */
export function systemAnchors(): readonly Certificate[] {
  if (!systemRoots) {
    const out: Certificate[] = [];
    for (const pem of rootCertificates) {
      try {
        out.push(...Certificate.parseAll(pem));
      } catch {
        // A root our strict parser refuses cannot anchor a path we would accept anyway.
      }
    }
    systemRoots = Object.freeze(out);
  }
  return systemRoots;
}

/** Pins in force at `at`: expired ones dropped. */
export function activePins(pins: readonly Pin[], at: Date = new Date()): Pin[] {
  return pins.filter((p) => p.expires === undefined || p.expires.getTime() > at.getTime());
}

export interface ResolveOptions {
  /** Instant pin expiry is judged at (default: now). */
  at?: Date;
}

/**
 * The effective settings for a destination: the top level, overridden key by
 * key by the most specific matching rule.
 */
export function resolveDestination(policy: Policy, host: string, port?: number, options: ResolveOptions = {}): ResolvedDestination {
  const n = normalizeHost(host);
  const match = matchDestination(policy, host, port);
  const settings: DestinationSettings = match ? match.rule : policy;
  return resolveSettings(settings, n.host, port, match ? { name: match.rule.name, index: match.rule.index, pattern: match.pattern.source } : null, options);
}

/**
 * The effective settings for client certificates on an mTLS listener: the
 * `inbound` section, or with `listener` its entry in `inbound.listeners`.
 * Undefined when the policy has no `inbound` section or no such listener.
 */
export function resolveInbound(policy: Policy, options: ResolveOptions & { listener?: string } = {}): ResolvedDestination | undefined {
  if (!policy.inbound) return undefined;
  if (options.listener === undefined) return resolveSettings(policy.inbound, '', undefined, null, options);
  const listener = policy.inbound.listeners?.get(options.listener);
  return listener && resolveSettings(listener, '', undefined, null, options);
}

/** The names in `inbound.listeners` (for error messages). */
export function inboundListenerNames(policy: Policy): string[] {
  return [...(policy.inbound?.listeners?.keys() ?? [])];
}

function resolveSettings(s: DestinationSettings, host: string, port: number | undefined, rule: ResolvedDestination['rule'], options: ResolveOptions): ResolvedDestination {
  const pins = activePins(s.trust.pins, options.at);
  const configured = s.trust.anchors;
  const anchors = s.trust.system ? [...configured, ...systemAnchors().filter((c) => !configured.some((a) => a.fingerprint256 === c.fingerprint256))] : configured;
  const out: ResolvedDestination = {
    host,
    rule,
    anchors,
    configuredAnchors: configured,
    selfSigned: s.trust.selfSigned,
    system: s.trust.system,
    pins,
    pinState: s.trust.pins.length === 0 ? 'none' : pins.length === 0 ? 'all-expired' : 'active',
    revocation: s.revocation,
    purpose: s.purpose,
    clockSkewMs: s.clockSkewMs,
  };
  if (port !== undefined) out.port = port;
  return out;
}
