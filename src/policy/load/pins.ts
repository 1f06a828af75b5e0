/**
 * `pins` (RFC 7469 style SPKI pins): each parsed and checked for repeats, then
 * the rules on an effective pin set (a backup is required, expiry fails
 * closed), and the warning for pins that cannot be the key of any listed CA.
 */
import type { Pin, TrustSettings } from '../types.ts';
import { parseExpiry, parsePinValue } from '../values.ts';
import { problem, warn, type Ctx } from './context.ts';
import { cleanLocation, formatPath, type Json, type PathSeg } from './source.ts';

/**
 * The trap of the README's old example: `cas` plus `pins` of keys none of the
 * CAs carry reads like "trust these CAs and this self-signed server", but pins
 * restrict every chain, so every CA-issued host would fail with pin-mismatch.
 */
export function checkPinsBesideCas(ctx: Ctx, t: TrustSettings, pinsPath: readonly PathSeg[], context: string): void {
  if (t.pins.length === 0 || t.anchors.length === 0 || t.selfSigned.length > 0) return;
  const caKeys = new Set(t.anchors.map((a) => a.spkiSha256));
  if (t.pins.some((p) => caKeys.has(p.sha256))) return;
  warn(
    ctx,
    pinsPath,
    `${formatPath(pinsPath)}${context}: none of these pins is the key of a certificate in trust.cas, so only chains holding a pinned intermediate or leaf key are accepted. pins restrict every chain; to trust a self-signed certificate beside your CAs use trust.self-signed`,
  );
}

/** A `pins` list: each value parsed (bare or `{ pin, expires, note }`), repeats refused. */
export function readPins(ctx: Ctx, list: Json[], path: readonly PathSeg[]): Pin[] {
  const out: Pin[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const p = [...path, i];
    const obj = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? entry : undefined;
    const valuePath = obj ? [...p, 'pin'] : p;
    const raw = obj ? String(obj.pin) : String(entry);
    const parsed = parsePinValue(raw);
    if (!parsed.ok) {
      problem(ctx, valuePath, `${formatPath(valuePath)} ${parsed.problem}`);
      return;
    }
    const before = seen.get(parsed.value);
    if (before !== undefined) {
      problem(ctx, valuePath, `${formatPath(valuePath)} repeats ${formatPath([...path, before])}: a repeated pin is not a backup pin`);
      return;
    }
    seen.set(parsed.value, i);
    const pin: Pin = { value: raw, sha256: parsed.value, location: cleanLocation(ctx.src.locate(p)) };
    if (obj && typeof obj.expires === 'string') {
      const ex = parseExpiry(obj.expires);
      if (!ex.ok) {
        problem(ctx, [...p, 'expires'], `${formatPath([...p, 'expires'])} ${ex.problem}`);
        return;
      }
      pin.expires = ex.value;
    }
    if (obj && typeof obj.note === 'string') pin.note = obj.note;
    out.push(pin);
  });
  return out;
}

/** Pin rules on an effective pin set: a backup is required, and expiry fails closed. */
export function checkPins(ctx: Ctx, pins: readonly Pin[], allowSingle: boolean, pinsPath: readonly PathSeg[], context: string): void {
  if (pins.length === 0) return;
  if (pins.length === 1 && !allowSingle) {
    problem(
      ctx,
      pinsPath,
      `${formatPath(pinsPath)} has one pin${context}; add a backup pin (the SPKI of a key kept offline) or set allow-single-pin: true to accept the lock-out risk`,
    );
    return;
  }
  const now = ctx.now.getTime();
  const active = pins.filter((pin) => pin.expires === undefined || pin.expires.getTime() > now);
  for (const pin of pins) {
    if (pin.expires !== undefined && pin.expires.getTime() <= now) {
      warn(ctx, pathOf(pin, pinsPath, pins), `${pin.location.path} expired on ${pin.expires.toISOString()} and is ignored; remove it from the policy`);
    }
  }
  if (active.length === 0) {
    problem(
      ctx,
      pinsPath,
      `${formatPath(pinsPath)}: every pin has expired${context}, so no connection could succeed; add current pins (\`certwarden pin FILE\`), or remove "pins" to stop pinning`,
    );
  } else if (active.length === 1 && !allowSingle && pins.length > 1) {
    warn(ctx, pinsPath, `${formatPath(pinsPath)}: only one unexpired pin remains${context}; add a new backup pin before it expires or rotates`);
  }
}

function pathOf(pin: Pin, pinsPath: readonly PathSeg[], pins: readonly Pin[]): PathSeg[] {
  return [...pinsPath, pins.indexOf(pin)];
}
