/**
 * The watch's events: declared once here, with their text and the fix, and
 * published in docs/watch.md (test/watch/events-published.test.ts keeps the
 * table in step). An event is a *transition*: a requirement that starts
 * failing, a certificate that changes, a condition (expiring, revoked, down)
 * that appears; a condition that lasts is repeated at the configured interval,
 * never on every scan.
 */
import type { Severity } from '../scan/findings.ts';

interface EventSpec {
  severity: Severity;
  /** One line: what happened. */
  title: string;
  /** What to do about it. */
  fix: string;
  /** Transition events fire once per change; conditions last and are repeated. */
  kind: 'transition' | 'condition';
}

const e = (kind: EventSpec['kind'], severity: Severity, title: string, fix: string): EventSpec => ({ kind, severity, title, fix });

export const EVENTS = {
  'requirement-failed': e('transition', 'high', 'A requirement (V9.2.1 or V9.2.4) started failing', 'Read the findings in the alert (ids are in docs/scan.md) and fix the server; `certwarden scan TARGET --policy P` shows the same verdict.'),
  'requirement-recovered': e('transition', 'info', 'A requirement that was failing passes again', 'Nothing to do.'),
  'certificate-changed': e('transition', 'info', 'The endpoint serves a different certificate; expected when it chains to the policy (and, with a CA inventory, was issued by it), otherwise critical', 'If unexpected: find who deployed it; compare its fingerprint with your CA (`certwarden ca list`) and replace it.'),
  'certificate-expiring': e('condition', 'medium', 'A certificate of the served chain is inside the policy\'s expiry window, or has expired', 'Renew it (`certwarden ca renew`) and deploy the new chain.'),
  'certificate-revoked': e('condition', 'critical', 'A revocation source (OCSP, CRL, staple) says a certificate of the served chain is revoked', 'Deploy a new certificate now; a revoked one is refused by every checking client.'),
  'served-revoked': e('condition', 'critical', 'The endpoint still serves a certificate the CA revoked (per the CA\'s inventory)', 'Replace the certificate on the server and reload it; a revoked key must not stay in service. For a compromised key: `certwarden incident key-compromise` (docs/incident-response.md).'),
  'served-unknown': e('condition', 'critical', 'The endpoint serves a certificate the organisation\'s CA never issued', 'Find out who issued it: `certwarden incident unexpected-certificate TARGET` keeps the evidence and lists the questions (docs/incident-response.md); replace it with one from your CA.'),
  'staple-expiring': e('condition', 'medium', 'The stapled OCSP response is close to its nextUpdate: the server missed a refresh', 'Check the server can reach the OCSP responder and refreshes its staple (nginx: resolver, ssl_stapling_verify).'),
  'staple-missing': e('condition', 'high', 'The endpoint does not staple an OCSP response (or violates Must-Staple)', 'Enable OCSP stapling (nginx ssl_stapling on, Apache SSLUseStapling on) and check it can reach the responder.'),
  'responder-down': e('condition', 'high', 'The OCSP responder or CRL of the chain could not be reached', 'Check the responder (`certwarden ca serve`) is up and reachable from clients; clients under hard-fail refuse the chain.'),
  'crl-stale': e('condition', 'medium', 'A CRL the chain relies on is close to its nextUpdate: the CA has not published a newer one', 'Check the CA publishes CRLs (`certwarden ca serve` re-signs at half-life; `certwarden ca crl`).'),
  'target-unreachable': e('condition', 'high', 'The endpoint could not be reached or gave no certificate', 'Check the service is up and reachable from the watch host; nothing about its certificate is known while it is down.'),
} as const satisfies Record<string, EventSpec>;

export type EventId = keyof typeof EVENTS;
export const EVENT_IDS = Object.keys(EVENTS) as EventId[];

/** One occurrence of an event on one target, as stored and sent. */
export interface WatchEvent {
  /** Stable id of this occurrence: the same event is never sent twice (outbox primary key). */
  key: string;
  event: EventId;
  severity: Severity;
  target: string;
  /** The scan's time (runScan's `at`), ISO 8601. */
  at: string;
  /** The condition's subject when a target can have several (a requirement, a certificate position). */
  subject?: string;
  message: string;
  evidence: Record<string, unknown>;
  fix: string;
  /** A condition repeated because it lasts (not its first alert). */
  repeat?: boolean;
}
