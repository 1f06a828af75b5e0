/**
 * Pins an incident makes stale: every SPKI pin of a policy (top level, each
 * destination rule, inbound and its listeners) that names a key the incident
 * retires. A pin of a compromised key must go, and the replacement key's pin
 * must be added before the new certificate is deployed, or every pinned
 * client refuses the endpoint (RFC 7469 §4.3: keep a backup pin).
 */
import type { InboundSettings, Pin, Policy } from '../policy/types.ts';

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
