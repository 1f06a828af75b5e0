/**
 * A `trust` section (top level or a destination's, which inherits from the
 * top level key by key): CAs, self-signed certificates, pins, system store.
 */
import { DEFAULTS } from '../defaults.ts';
import { notSelfSigned, parseSelfSignedPin } from '../self-signed.ts';
import type { SelfSignedEntry, TrustSettings } from '../types.ts';
import { anchorsOf, readCas, readCertificateEntry } from './certificates.ts';
import { problem, warn, type Ctx } from './context.ts';
import { checkPins, checkPinsBesideCas, readPins } from './pins.ts';
import { cleanLocation, formatPath, type Json, type Obj, type PathSeg } from './source.ts';

/** A trust section as read, with what the later checks need. */
export interface TrustDraft {
  settings: TrustSettings;
  pinsPath: readonly PathSeg[];
  /** Some CA or pin entry failed: skip the checks that would only repeat that problem. */
  broken: boolean;
}

/** A trust section; each key absent here is taken from `base` (the top level, for a destination). */
export function readTrust(ctx: Ctx, obj: Obj | undefined, path: readonly PathSeg[], base: TrustDraft | undefined): TrustDraft {
  const problemsBefore = ctx.problems.length;
  const cas = obj && Array.isArray(obj.cas) ? readCas(ctx, obj.cas, [...path, 'cas']) : undefined;
  const pins = obj && Array.isArray(obj.pins) ? readPins(ctx, obj.pins, [...path, 'pins']) : undefined;
  const selfSigned = obj && Array.isArray(obj['self-signed']) ? readSelfSigned(ctx, obj['self-signed'], [...path, 'self-signed']) : undefined;
  const caSources = cas ?? base?.settings.caSources ?? [];
  const settings: TrustSettings = {
    anchors: cas ? anchorsOf(cas) : (base?.settings.anchors ?? []),
    caSources,
    selfSigned: selfSigned ?? base?.settings.selfSigned ?? [],
    pins: pins ?? base?.settings.pins ?? [],
    allowSinglePin: typeof obj?.['allow-single-pin'] === 'boolean' ? obj['allow-single-pin'] : (base?.settings.allowSinglePin ?? DEFAULTS.allowSinglePin),
    system: typeof obj?.system === 'boolean' ? obj.system : (base?.settings.system ?? DEFAULTS.system),
  };
  return {
    settings,
    pinsPath: pins ? [...path, 'pins'] : (base?.pinsPath ?? [...path, 'pins']),
    broken: ctx.problems.length > problemsBefore || (base?.broken ?? false),
  };
}

/** Whether the settings trust anything at all. */
export function hasAnchor(t: TrustSettings): boolean {
  return t.anchors.length > 0 || t.selfSigned.length > 0 || t.pins.length > 0 || t.system;
}

/** The top-level trust section's own checks: its pin rules, and that something is trusted at all. */
export function checkTopTrust(ctx: Ctx, top: TrustDraft, hasDestinations: boolean): void {
  if (!top.broken) checkPins(ctx, top.settings.pins, top.settings.allowSinglePin, top.pinsPath, '');
  if (!top.broken) checkPinsBesideCas(ctx, top.settings, top.pinsPath, '');
  if (!top.broken && !hasAnchor(top.settings) && !hasDestinations) {
    problem(ctx, ['trust'], `trust names no anchor, so nothing would be trusted: add trust.cas (CA files), trust.self-signed (specific self-signed certificates), trust.pins, or system: true`);
  }
}

/** `trust.self-signed` (see self-signed.ts): pins as written, files/inline PEM read and checked to be self-signed. */
function readSelfSigned(ctx: Ctx, list: Json[], path: readonly PathSeg[]): SelfSignedEntry[] {
  const out: SelfSignedEntry[] = [];
  list.forEach((entry, i) => {
    const p = [...path, i];
    const pin = parseSelfSignedPin(String(entry), cleanLocation(ctx.src.locate(p)));
    if (pin) {
      if (pin.ok) out.push(pin.value);
      else problem(ctx, p, `${formatPath(p)} ${pin.problem}`);
      return;
    }
    const read = readCertificateEntry(ctx, entry, p);
    if (!read) return;
    const what = read.kind === 'inline' ? 'the inline PEM' : `"${String(entry)}"`;
    const bad = notSelfSigned(read.certificates);
    if (bad.length > 0) {
      problem(ctx, p, `${formatPath(p)}: "${bad[0]!.subject}" in ${what} is not self-signed (issued by "${bad[0]!.issuer}"); trust.self-signed lists certificates that are their own anchors: put the CA that issued it in trust.cas`);
      return;
    }
    for (const c of read.certificates) {
      if (c.notAfter.getTime() < ctx.now.getTime()) warn(ctx, p, `${formatPath(p)}: self-signed certificate "${c.subject}" in ${what} expired on ${c.notAfter.toISOString()}; it can no longer be trusted`);
    }
    out.push({ kind: read.kind, source: read.source, certificates: read.certificates, location: read.location });
  });
  return out;
}
