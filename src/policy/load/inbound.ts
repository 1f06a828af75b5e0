/**
 * `inbound`: who may connect to our servers (mTLS), with per-listener
 * settings merged over it. Listener anchors replace the inbound ones.
 */
import { DEFAULTS } from '../defaults.ts';
import type { CaSource, InboundSettings, Purpose, RevocationSettings, TrustSettings } from '../types.ts';
import { anchorsOf, readCas } from './certificates.ts';
import { readClockSkew } from './clock-skew.ts';
import type { Ctx } from './context.ts';
import { readRevocation } from './revocation.ts';
import type { Json, Obj } from './source.ts';

/** Inbound trust is client CAs only: no self-signed entries, pins or system store. */
function clientCaTrust(cas: readonly CaSource[]): TrustSettings {
  return { anchors: anchorsOf(cas), caSources: cas, selfSigned: [], pins: [], allowSinglePin: false, system: false };
}

/** The inbound section, or undefined when the policy has none. */
export function readInbound(ctx: Ctx, rawInbound: Obj | undefined, revocation: RevocationSettings, clockSkewMs: number): InboundSettings | undefined {
  if (!rawInbound) return undefined;
  const cas = readCas(ctx, rawInbound['client-cas'] as Json[], ['inbound', 'client-cas']);
  const base: InboundSettings = {
    trust: clientCaTrust(cas),
    revocation: readRevocation(ctx, rawInbound.revocation as Obj | undefined, ['inbound', 'revocation'], revocation, true),
    purpose: (rawInbound.purpose as Purpose | undefined) ?? DEFAULTS.inboundPurpose,
    clockSkewMs: readClockSkew(ctx, rawInbound, ['inbound']) ?? clockSkewMs,
  };
  const rawListeners = rawInbound.listeners as Obj | undefined;
  if (!rawListeners) return base;
  const listeners = new Map<string, InboundSettings>();
  for (const [name, raw] of Object.entries(rawListeners)) {
    const l = raw as Obj;
    const path = ['inbound', 'listeners', name];
    const lcas = Array.isArray(l['client-cas']) ? readCas(ctx, l['client-cas'] as Json[], [...path, 'client-cas']) : undefined;
    listeners.set(name, {
      // Listener anchors replace the inbound ones: a listener narrows who may connect, it never widens it by accident.
      trust: lcas ? clientCaTrust(lcas) : base.trust,
      revocation: l.revocation ? readRevocation(ctx, l.revocation as Obj, [...path, 'revocation'], base.revocation, true) : base.revocation,
      purpose: (l.purpose as Purpose | undefined) ?? base.purpose,
      clockSkewMs: readClockSkew(ctx, l, path) ?? base.clockSkewMs,
    });
  }
  return { ...base, listeners };
}
