/**
 * Silences: "do not page anyone about this for a while". A silence matches
 * events by target (exact, or a glob with `*` and `?`), optionally by event
 * id(s) and by requirement, between two times. A silenced event is recorded
 * like any other (history, dashboard, metrics) but gets no outbox row; when
 * the silence ends (or is expired early) while the condition is still open,
 * the newest held occurrence is queued then, once per condition. Validation
 * here is the only gate: the API and the CLI both build silences through
 * `validateSilence`, which throws typed errors.
 */
import { randomBytes } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { FINDINGS, REQUIREMENTS, type Requirement } from '../scan/findings.ts';
import { conditionKey } from './detect.ts';
import { EVENTS, EVENT_IDS, type EventId, type WatchEvent } from './events.ts';
import type { WatchStore } from './store.ts';

/** A target matcher is a label or a glob of one: labels are host:port, 512 characters is far beyond any. */
export const MAX_SILENCE_TARGET_CHARS = 512;
/** Why the alerts are silenced, for the next person on call: a paragraph, not a document. */
export const MAX_SILENCE_COMMENT_CHARS = 1024;
/** Who silenced it (a user name or an email address). */
export const MAX_SILENCE_CREATOR_CHARS = 128;
/** A silence longer than 90 days is a forgotten one: past that, fix the target or change the policy. */
export const MAX_SILENCE_DURATION_MS = 90 * 86_400_000;
/** Every event is matched against every silence not yet ended: 1,000 bounds that work and the table. */
export const MAX_OPEN_SILENCES = 1000;
/** A silence as JSON is under 2 KiB; 16 KiB bounds what a POST may send. */
export const MAX_SILENCE_BODY_BYTES = 16 * 1024;

export interface SilenceMatchers {
  /** A target label, or a glob of labels (`*` any run of characters, `?` one). */
  target: string;
  /** Event ids; empty: every event. */
  events: EventId[];
  /** Only events about this requirement (requirement-failed/-recovered of it, conditions from its findings). */
  requirement?: Requirement;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  /** Set when someone expired the silence before its end (endsAt then moves to that time). */
  expiredAt?: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export interface SilenceInput {
  target?: unknown;
  events?: unknown;
  requirement?: unknown;
  startsAt?: unknown;
  endsAt?: unknown;
  createdBy?: unknown;
  comment?: unknown;
}

const invalid = (message: string, field: string): CertwardenError => new CertwardenError(ErrorCode.WATCH_SILENCE, message, { details: { field } });

// C0 and C1 controls (and DEL): a silence's text is shown on terminals and pages; a line break or an escape sequence in it could forge output.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} is required (a non-empty string)`, field);
  if (value.length > max) throw invalid(`${field} is longer than ${max} characters`, field);
  if (CONTROL.test(value)) throw invalid(`${field} holds a control character (line breaks and escapes are refused)`, field);
  return value;
}

function time(value: unknown, field: string): number {
  const t = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw invalid(`${field} must be an ISO 8601 time such as 2026-12-02T14:00:00Z`, field);
  return t;
}

/**
 * Check and normalise a silence request (from the API's JSON body). `now`
 * is the service's clock: a silence must end after it. Throws
 * CW_ERR_WATCH_SILENCE naming the field.
 */
export function validateSilence(input: SilenceInput, now: number): Omit<Silence, 'id' | 'createdAt'> {
  const target = text(input.target, 'target', MAX_SILENCE_TARGET_CHARS);
  const rawEvents = input.events ?? [];
  if (!Array.isArray(rawEvents) || rawEvents.length > EVENT_IDS.length) throw invalid(`events must be a list of at most ${EVENT_IDS.length} event ids`, 'events');
  const events = [...new Set(rawEvents)].map((e) => {
    if (typeof e !== 'string' || !(e in EVENTS)) throw invalid(`unknown event "${String(e).slice(0, 64)}" (known: ${EVENT_IDS.join(', ')})`, 'events');
    return e as EventId;
  });
  let requirement: Requirement | undefined;
  if (input.requirement !== undefined && input.requirement !== null) {
    if (!REQUIREMENTS.includes(input.requirement as Requirement)) throw invalid(`requirement must be one of ${REQUIREMENTS.join(', ')}`, 'requirement');
    requirement = input.requirement as Requirement;
  }
  const startsAt = input.startsAt === undefined ? now : time(input.startsAt, 'startsAt');
  const endsAt = time(input.endsAt, 'endsAt');
  if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', 'endsAt');
  if (endsAt <= now) throw invalid('endsAt is in the past: the silence would never apply', 'endsAt');
  if (endsAt - startsAt > MAX_SILENCE_DURATION_MS) throw invalid(`a silence lasts at most ${MAX_SILENCE_DURATION_MS / 86_400_000} days`, 'endsAt');
  return {
    matchers: { target, events, ...(requirement ? { requirement } : {}) },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdBy: text(input.createdBy, 'createdBy', MAX_SILENCE_CREATOR_CHARS),
    comment: text(input.comment, 'comment', MAX_SILENCE_COMMENT_CHARS),
  };
}

/** A fresh silence id: 64 random bits, hex (short enough to type in `watch silence expire`). */
export function newSilenceId(): string {
  return randomBytes(8).toString('hex');
}

export function silenceState(s: Silence, now: number): SilenceState {
  if (Date.parse(s.endsAt) <= now) return 'expired';
  return Date.parse(s.startsAt) > now ? 'pending' : 'active';
}

/** `*` any run of characters, `?` exactly one; everything else literal. Without a wildcard: the exact label. */
export function targetMatches(pattern: string, label: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === label;
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(label);
}

/** The requirement an event is about, if any: its own (requirement-*), else the requirement of its findings. */
export function requirementsOf(e: WatchEvent): Set<Requirement> {
  const out = new Set<Requirement>();
  const own = e.evidence.requirement;
  if (typeof own === 'string' && REQUIREMENTS.includes(own as Requirement)) out.add(own as Requirement);
  const findings = e.evidence.findings;
  if (Array.isArray(findings)) {
    for (const f of findings) {
      const q = (f as { requirement?: string }).requirement ?? FINDINGS[(f as { id: string }).id as keyof typeof FINDINGS]?.requirement;
      if (q && REQUIREMENTS.includes(q as Requirement)) out.add(q as Requirement);
    }
  }
  return out;
}

export function silenceMatches(s: Silence, e: WatchEvent): boolean {
  const t = Date.parse(e.at);
  if (t < Date.parse(s.startsAt) || t >= Date.parse(s.endsAt)) return false;
  if (!targetMatches(s.matchers.target, e.target)) return false;
  if (s.matchers.events.length > 0 && !s.matchers.events.includes(e.event)) return false;
  if (s.matchers.requirement && !requirementsOf(e).has(s.matchers.requirement)) return false;
  return true;
}

/** Which events of a scan a silence holds back: event key → silence id (the first silence that matches). */
export function heldBy(silences: readonly Silence[], events: readonly WatchEvent[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const e of events) {
    const s = silences.find((x) => silenceMatches(x, e));
    if (s) held.set(e.key, s.id);
  }
  return held;
}

/**
 * What a held event is about while it is held: a condition's key, or for
 * requirement-failed the requirement (it lasts as long as the requirement
 * fails). Other transitions (certificate-changed, requirement-recovered) are
 * notices of a past change: a silence drops them from alerting for good.
 */
export function heldConditionKey(e: WatchEvent): string | undefined {
  if (EVENTS[e.event].kind === 'condition') return conditionKey(e.target, e.event, e.subject ?? '-');
  if (e.event === 'requirement-failed') return conditionKey(e.target, e.event, e.subject ?? '-');
  return undefined;
}

/** One held event, as the store keeps it. */
export interface HeldEvent {
  event: WatchEvent;
  silenceId: string;
}

/** What the target's state says now: is this held condition still there? */
export interface OpenView {
  /** The target's open condition keys. */
  open(target: string): Promise<ReadonlySet<string>> | ReadonlySet<string>;
  /** The last known status of a requirement on the target (last scan in which it was up). */
  status(target: string, requirement: Requirement): Promise<string | undefined> | string | undefined;
}

export interface ReleasePlan {
  /** Event keys to queue in the outbox now (the newest held occurrence of each condition still open). */
  send: string[];
  /** Held event keys whose silence ended: no longer held (sent above or dropped). */
  done: string[];
}

/**
 * Held events whose silence has ended at `now`: the newest occurrence of each
 * condition still open is sent (once), the rest dropped. An event another
 * silence still covers stays held.
 */
export async function planRelease(silences: readonly Silence[], held: readonly HeldEvent[], now: number, view: OpenView): Promise<ReleasePlan> {
  const byId = new Map(silences.map((s) => [s.id, s]));
  const active = silences.filter((s) => silenceState(s, now) !== 'expired');
  const groups = new Map<string, HeldEvent[]>();
  const plan: ReleasePlan = { send: [], done: [] };
  for (const h of held) {
    const s = byId.get(h.silenceId);
    if (s && silenceState(s, now) !== 'expired') continue;
    // Still covered by another silence, judged at the release time.
    if (active.some((x) => silenceMatches(x, { ...h.event, at: new Date(now).toISOString() }))) continue;
    plan.done.push(h.event.key);
    const key = heldConditionKey(h.event);
    if (key === undefined) continue;
    const group = groups.get(key) ?? [];
    group.push(h);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    const newest = group.reduce((a, b) => (Date.parse(b.event.at) > Date.parse(a.event.at) ? b : a));
    const e = newest.event;
    const stillOpen = e.event === 'requirement-failed' ? (await view.status(e.target, e.subject as Requirement)) === 'fail' : (await view.open(e.target)).has(key);
    if (stillOpen) plan.send.push(e.key);
  }
  return plan;
}

/** The store calls release needs (every WatchStore, SQLite or Postgres, has them). */
export type ReleaseStore = Pick<WatchStore, 'silences' | 'heldEvents' | 'openConditions' | 'lastUp' | 'releaseHeld'>;

/** Queue what ended silences held back and is still open; returns how many events this call queued (a concurrent pass that lost the race: 0). */
export async function releaseEndedSilences(store: ReleaseStore, now: number, channels: readonly string[]): Promise<number> {
  const held = await store.heldEvents();
  if (held.length === 0) return 0;
  const plan = await planRelease(await store.silences(), held, now, {
    open: async (target) => new Set((await store.openConditions(target)).map((c) => c.key)),
    status: async (target, q) => (await store.lastUp(target))?.statuses[q],
  });
  if (plan.done.length === 0) return 0;
  return store.releaseHeld(plan.send, plan.done, channels, now);
}
