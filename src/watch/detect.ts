/**
 * From two scans of a target to events: transitions (a requirement starts or
 * stops failing, the certificate changes) and conditions (expiring, revoked,
 * down...), deduplicated through the open-condition state the store keeps,
 * and repeated only every `repeatMs` while they last. Pure: time is the
 * scan's `at`, never the system clock.
 */
import { createHash } from 'node:crypto';
import { REQUIREMENTS } from '../scan/findings.ts';
import { EVENTS, type EventId, type WatchEvent } from './events.ts';
import type { Snapshot } from './snapshot.ts';

/** What the CA inventory knows of a certificate (inventory.ts). */
export interface InventoryEntry {
  serial: string;
  revokedAt?: string;
  reason?: string;
}

export interface InventoryView {
  /** Look a served certificate up by the SHA-256 of its DER (hex). */
  lookup(sha256: string): InventoryEntry | undefined;
}

/** A condition still open on a target: when it started and when it was last alerted. */
export interface OpenCondition {
  key: string;
  event: EventId;
  subject: string;
  since: string;
  lastSentAt: string;
}

interface Condition {
  event: EventId;
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
}

const FINDINGS_OF: Partial<Record<EventId, readonly string[]>> = {
  'certificate-expiring': ['certificate-expiring', 'certificate-expiring-soon', 'certificate-expired'],
  'certificate-revoked': ['revoked', 'staple-revoked', 'staple-contradicts-responder'],
  'staple-expiring': ['staple-expiring'],
  'staple-missing': ['staple-missing', 'must-staple-violated'],
  'responder-down': ['revocation-unavailable', 'revocation-soft-failed'],
  'crl-stale': ['crl-expiring'],
};

export function conditionKey(target: string, event: EventId, subject: string): string {
  return `${event}|${subject}|${target}`;
}

function occurrenceKey(target: string, event: EventId, subject: string, at: string): string {
  return createHash('sha256').update(`${target}\n${event}\n${subject}\n${at}`).digest('hex').slice(0, 32);
}

/** The conditions a scan shows. A target that is down shows only `target-unreachable`. */
export function conditionsOf(s: Snapshot, inventory: InventoryView | undefined): Condition[] {
  if (!s.up) return [{ event: 'target-unreachable', subject: '-', message: `${s.target} is unreachable: ${s.downReason ?? 'no certificate was served'}`, evidence: { reason: s.downReason } }];
  const out: Condition[] = [];
  const leaf = s.chain[0];
  const leafId = leaf?.sha256 ?? '-';
  for (const [event, ids] of Object.entries(FINDINGS_OF) as Array<[EventId, readonly string[]]>) {
    const hits = s.findings.filter((f) => ids.includes(f.id));
    if (hits.length === 0) continue;
    out.push({
      event,
      subject: leafId,
      message: `${s.target}: ${hits.map((f) => f.message).join('; ')}`,
      evidence: { findings: hits.map((f) => ({ id: f.id, severity: f.severity, message: f.message })), ...(event === 'certificate-expiring' ? { chain: s.chain.map((c) => ({ position: c.position, subject: c.subject, notAfter: c.notAfter })) } : {}), ...(event === 'staple-expiring' && s.stapleNextUpdate ? { stapleNextUpdate: s.stapleNextUpdate } : {}) },
    });
  }
  if (inventory && leaf) {
    for (const c of s.chain) {
      const known = inventory.lookup(c.sha256);
      if (known?.revokedAt) out.push({ event: 'served-revoked', subject: known.serial, message: `${s.target} serves certificate ${known.serial} (${c.subject}), which the CA revoked at ${known.revokedAt} (${known.reason ?? 'unspecified'})`, evidence: { position: c.position, serial: known.serial, sha256: c.sha256, revokedAt: known.revokedAt, reason: known.reason } });
    }
    if (!inventory.lookup(leaf.sha256)) out.push({ event: 'served-unknown', subject: leaf.sha256, message: `${s.target} serves a certificate the CA never issued: ${leaf.subject}, SHA-256 ${leaf.sha256}`, evidence: { sha256: leaf.sha256, subject: leaf.subject, notAfter: leaf.notAfter } });
  }
  return out;
}

export interface Detection {
  events: WatchEvent[];
  /** The open conditions after this scan (replaces the target's previous set). */
  open: OpenCondition[];
}

function event(id: EventId, s: Snapshot, subject: string, message: string, evidence: Record<string, unknown>, extra: Partial<WatchEvent> = {}): WatchEvent {
  return { key: occurrenceKey(s.target, id, subject, s.at), event: id, severity: EVENTS[id].severity, target: s.target, at: s.at, ...(subject !== '-' ? { subject } : {}), message, evidence, fix: EVENTS[id].fix, ...extra };
}

/**
 * @param lastUp the previous scan in which the target was up (transitions are
 *   judged against it, so an outage in between does not re-announce a failure)
 */
export function detect(current: Snapshot, lastUp: Snapshot | undefined, open: readonly OpenCondition[], inventory: InventoryView | undefined, repeatMs: number): Detection {
  const events: WatchEvent[] = [];
  const at = Date.parse(current.at);
  if (current.up) {
    for (const q of REQUIREMENTS) {
      const was = lastUp?.statuses[q];
      const now = current.statuses[q];
      const findings = current.findings.filter((f) => f.requirement === q && (f.severity !== 'info'));
      if (now === 'fail' && was !== 'fail') events.push(event('requirement-failed', current, q, `${current.target}: ${q} fails: ${findings.map((f) => f.id).join(', ')}`, { requirement: q, previous: was ?? null, findings }));
      if (was === 'fail' && (now === 'pass' || now === 'warn' || now === 'na')) events.push(event('requirement-recovered', current, q, `${current.target}: ${q} ${now === 'pass' ? 'passes' : `is ${now}`} again`, { requirement: q, status: now }));
    }
    const before = lastUp?.chain[0];
    const after = current.chain[0];
    if (before && after && before.sha256 !== after.sha256) {
      const issued = inventory ? inventory.lookup(after.sha256) : undefined;
      const expected = current.trusted && (!inventory || (issued !== undefined && !issued.revokedAt));
      const why = !current.trusted ? 'it does not chain to the policy' : inventory && !issued ? 'the CA never issued it' : issued?.revokedAt ? 'the CA revoked it' : 'it chains to the policy' + (inventory ? ' and was issued by the CA' : '');
      events.push(
        event('certificate-changed', current, after.sha256, `${current.target} now serves ${after.subject} (SHA-256 ${after.sha256}, until ${after.notAfter}): ${expected ? 'expected' : 'UNEXPECTED'}, ${why}`, { expected, previous: { sha256: before.sha256, subject: before.subject, notAfter: before.notAfter }, current: { sha256: after.sha256, subject: after.subject, notAfter: after.notAfter, ...(issued ? { serial: issued.serial } : {}) } }, { severity: expected ? 'info' : 'critical' }),
      );
    }
  }
  const previous = new Map(open.map((c) => [c.key, c]));
  const next: OpenCondition[] = [];
  const seen = new Set<string>();
  for (const c of conditionsOf(current, inventory)) {
    const key = conditionKey(current.target, c.event, c.subject);
    if (seen.has(key)) continue;
    seen.add(key);
    const was = previous.get(key);
    if (!was) {
      events.push(event(c.event, current, c.subject, c.message, c.evidence));
      next.push({ key, event: c.event, subject: c.subject, since: current.at, lastSentAt: current.at });
    } else if (at - Date.parse(was.lastSentAt) >= repeatMs) {
      events.push(event(c.event, current, c.subject, c.message, { ...c.evidence, since: was.since }, { repeat: true }));
      next.push({ ...was, lastSentAt: current.at });
    } else next.push(was);
  }
  // While a target is down nothing is known of its certificate: its other conditions stay open, unannounced.
  if (!current.up) for (const c of open) if (c.event !== 'target-unreachable' && !seen.has(c.key)) next.push(c);
  return { events, open: next };
}
