/**
 * Pins an incident makes stale: every SPKI pin of a policy (top level, each
 * destination rule, inbound and its listeners) that names a key the incident
 * retires. A pin of a compromised key must go, and the replacement key's pin
 * must be added before the new certificate is deployed, or every pinned
 * client refuses the endpoint (RFC 7469 §4.3: keep a backup pin).
 */
import type { CaSource, InboundSettings, Pin, Policy } from '../policy/types.ts';

export interface StalePin {
  /** As written: `sha256/<base64>`. */
  pin: string;
  /** Where in the policy: `file:line` when known, else the dotted path. */
  where: string;
  /** Which rule it belongs to: `trust`, `destinations[NAME]`, `inbound`, `inbound.listeners[NAME]`. */
  scope: string;
  /** What the pinned key was (e.g. "the compromised key of 3f2a..."). */
  names: string;
}

function whereOf(p: Pin): string {
  const l = p.location;
  if (l.file !== undefined && l.line !== undefined) return `${l.file}:${l.line}`;
  return l.file !== undefined ? `${l.file} ${l.path}` : l.path;
}

function* policyPins(policy: Policy): Generator<{ scope: string; pin: Pin }> {
  for (const pin of policy.trust.pins) yield { scope: 'trust', pin };
  for (const rule of policy.destinations) for (const pin of rule.trust.pins) if (rule.overrides.includes('trust.pins')) yield { scope: `destinations[${rule.name}]`, pin };
  const inbound = (scope: string, s: InboundSettings): Array<{ scope: string; pin: Pin }> => s.trust.pins.map((pin) => ({ scope, pin }));
  if (policy.inbound) {
    yield* inbound('inbound', policy.inbound);
    for (const [name, s] of policy.inbound.listeners ?? []) yield* inbound(`inbound.listeners[${name}]`, s);
  }
}

/**
 * The pins naming any of `keys` (base64 SHA-256 of the SubjectPublicKeyInfo,
 * as Certificate.spkiSha256), each listed once per place it is written.
 */
export function stalePins(policy: Policy, keys: ReadonlyMap<string, string>): StalePin[] {
  const out: StalePin[] = [];
  const seen = new Set<string>();
  for (const { scope, pin } of policyPins(policy)) {
    const names = keys.get(pin.sha256);
    if (names === undefined) continue;
    const where = whereOf(pin);
    const key = `${where}|${pin.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pin: pin.value, where, scope, names });
  }
  return out;
}

export interface StaleAnchor {
  /** The `trust.cas` / `client-cas` entry as written (absolute path, or `inline`). */
  source: string;
  where: string;
  scope: string;
  names: string;
}

function* anchorSources(policy: Policy): Generator<{ scope: string; source: CaSource }> {
  for (const source of policy.trust.caSources) yield { scope: 'trust.cas', source };
  for (const rule of policy.destinations) if (rule.overrides.includes('trust.cas')) for (const source of rule.trust.caSources) yield { scope: `destinations[${rule.name}].trust.cas`, source };
  if (policy.inbound) {
    for (const source of policy.inbound.trust.caSources) yield { scope: 'inbound.client-cas', source };
    for (const [name, s] of policy.inbound.listeners ?? []) for (const source of s.trust.caSources) yield { scope: `inbound.listeners[${name}].client-cas`, source };
  }
}

/**
 * The policy's anchor entries (`trust.cas`, a destination's, `client-cas`)
 * holding any of `certificates` (lowercase hex SHA-256 of the DER): what must
 * be replaced in the policy when those CAs are retired.
 */
export function staleAnchors(policy: Policy, certificates: ReadonlyMap<string, string>): StaleAnchor[] {
  const out: StaleAnchor[] = [];
  const seen = new Set<string>();
  for (const { scope, source } of anchorSources(policy)) {
    const hit = source.certificates.map((c) => certificates.get(c.fingerprint256)).find((n) => n !== undefined);
    if (hit === undefined) continue;
    const l = source.location;
    const where = l.file !== undefined && l.line !== undefined ? `${l.file}:${l.line}` : l.path;
    const key = `${where}|${source.source}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ source: source.source, where, scope, names: hit });
  }
  return out;
}
