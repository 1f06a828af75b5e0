/**
 * `destinations`: per-host rules, each matching host patterns (a host has one
 * rule) and overriding the top-level settings key by key.
 */
import type { DestinationRule, HostPattern, Purpose, RevocationSettings } from '../types.ts';
import { parseHostPattern } from '../values.ts';
import { readClockSkew } from './clock-skew.ts';
import { problem, type Ctx } from './context.ts';
import { checkPins, checkPinsBesideCas } from './pins.ts';
import { readRevocation } from './revocation.ts';
import { cleanLocation, formatPath, type Obj, type PathSeg } from './source.ts';
import { hasAnchor, readTrust, type TrustDraft } from './trust.ts';

/** The top-level settings a destination rule inherits. */
export interface TopLevel {
  trust: TrustDraft;
  revocation: RevocationSettings;
  purpose: Purpose;
  clockSkewMs: number;
}

/** Dotted keys a destination rule sets, for evidence. */
function overrideKeys(rule: Obj): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'match' || k === 'name') continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (v2 !== null && typeof v2 === 'object' && !Array.isArray(v2)) for (const k3 of Object.keys(v2)) out.push(`${k}.${k2}.${k3}`);
        else out.push(`${k}.${k2}`);
      }
    } else out.push(k);
  }
  return out;
}

/** The rules in order; a pattern already owned by an earlier rule is a problem. */
export function readDestinations(ctx: Ctx, rawRules: readonly Obj[], top: TopLevel): DestinationRule[] {
  const patternOwners = new Map<string, PathSeg[]>();
  return rawRules.map((rule, index) => readRule(ctx, rule, index, top, patternOwners));
}

function readRule(ctx: Ctx, rule: Obj, index: number, top: TopLevel, patternOwners: Map<string, PathSeg[]>): DestinationRule {
  const path: PathSeg[] = ['destinations', index];
  const matchList = typeof rule.match === 'string' ? [rule.match] : (rule.match as string[]);
  const patterns: HostPattern[] = [];
  matchList.forEach((m, j) => {
    const mPath = typeof rule.match === 'string' ? [...path, 'match'] : [...path, 'match', j];
    const parsed = parseHostPattern(m);
    if (!parsed.ok) {
      problem(ctx, mPath, `${formatPath(mPath)} ${parsed.problem}`);
      return;
    }
    const key = `${parsed.value.kind}|${parsed.value.host}|${parsed.value.port ?? ''}`;
    const owner = patternOwners.get(key);
    if (owner) {
      problem(ctx, mPath, `${formatPath(mPath)}: pattern ${JSON.stringify(m)} already appears at ${formatPath(owner)}; a host must have one rule`);
      return;
    }
    patternOwners.set(key, mPath);
    patterns.push(parsed.value);
  });
  const trust = readTrust(ctx, rule.trust as Obj | undefined, [...path, 'trust'], top.trust);
  const ruleRevocation = readRevocation(ctx, rule.revocation as Obj | undefined, [...path, 'revocation'], top.revocation, false);
  const name = typeof rule.name === 'string' ? rule.name : (matchList[0] ?? `destinations[${index}]`);
  if (!trust.broken) checkPins(ctx, trust.settings.pins, trust.settings.allowSinglePin, trust.pinsPath, ` (for destination "${name}")`);
  const ownTrust = (rule.trust ?? {}) as Obj;
  if (!trust.broken && ('pins' in ownTrust || 'cas' in ownTrust)) checkPinsBesideCas(ctx, trust.settings, trust.pinsPath, ` (for destination "${name}")`);
  if (!trust.broken && !hasAnchor(trust.settings)) {
    problem(ctx, path, `${formatPath(path)} ("${name}") trusts nothing: give it trust.cas, trust.self-signed, trust.pins or trust.system: true (the top-level trust section names no anchor)`);
  }
  return {
    name,
    index,
    patterns,
    overrides: overrideKeys(rule),
    location: cleanLocation(ctx.src.locate(path)),
    trust: trust.settings,
    revocation: ruleRevocation,
    purpose: (rule.purpose as Purpose | undefined) ?? top.purpose,
    clockSkewMs: readClockSkew(ctx, rule, path) ?? top.clockSkewMs,
  };
}
