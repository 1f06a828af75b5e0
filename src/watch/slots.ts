/**
 * Scheduled scans as slots, for the Postgres store's job queue: slot `n` of a
 * target is due at `n * every + phase`, where the phase is derived from the
 * label (so a fleet added at once is spread over the interval, as jitter does
 * in-process). Slots are a pure function of the label, the interval and the
 * time: a restarted service, or a second one, names the same slot the same
 * way, and the job id derived from it lets pg-boss and the store refuse a
 * second copy (each scheduled scan recorded exactly once).
 */
import { createHash } from 'node:crypto';

export interface SlotTarget {
  label: string;
  everyMs: number;
}

/** The slot's identity: label, interval and number (a new interval names new slots). */
export interface Slot {
  /** The stored slot key, unique per scheduled scan. */
  key: string;
  n: number;
  /** When it is due (ms). */
  at: number;
}

/** Where in its interval a target's slots fall: stable per label, spread across labels. */
export function phaseOf(t: SlotTarget): number {
  return createHash('sha256').update(t.label).digest().readUIntBE(0, 6) % t.everyMs;
}

export function slotN(t: SlotTarget, n: number): Slot {
  return { key: `${t.everyMs}/${n}/${t.label}`, n, at: n * t.everyMs + phaseOf(t) };
}

/** The slot in progress at `now` (due at or before it). */
export function currentSlot(t: SlotTarget, now: number): Slot {
  return slotN(t, Math.floor((now - phaseOf(t)) / t.everyMs));
}

/**
 * A UUID (the form pg-boss job ids take) derived from the slot key: the same
 * slot always gets the same job id (RFC 9562 §5.8 version 8, name-based on SHA-256).
 */
export function jobIdOf(slotKey: string): string {
  const b = createHash('sha256').update(`certwarden-watch-slot\0${slotKey}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
