/**
 * Email alerts over SMTP (nodemailer, imported only when an email channel
 * exists). An email channel is one more kind of outbox sender: a failed
 * delivery stays in the outbox and is retried like a webhook's, and a
 * delivered row is never sent again.
 *
 * Certificate-derived text (the target label, subjects in the message) is
 * untrusted: the Subject is built from the event id and the target with every
 * control character escaped, so a CR/LF cannot end the header and start
 * another (header injection, RFC 5322 §2.2); the text body escapes them too,
 * so a certificate cannot forge a line of the alert.
 */
import type { Transporter } from 'nodemailer';
import { escapeControl } from '../util/terminal.ts';
import { EVENTS, type WatchEvent } from './events.ts';

/**
 * Each SMTP step (connect, greeting, each command's answer) must complete in
 * 30 s. RFC 5321 §4.5.3.2 lets an MTA wait minutes per command; an alert
 * sender that waits that long holds up the outbox, and the row is retried
 * anyway, so a slow relay is treated as down for this attempt.
 */
export const SMTP_TIMEOUT_MS = 30_000;
/** The Subject's target part: a label longer than this is cut (a header line stays short; RFC 5322 §2.1.1 recommends 78 characters). */
export const MAX_SUBJECT_TARGET_CHARS = 200;

export type StarttlsMode = 'required' | 'opportunistic';

export interface EmailSettings {
  to: string[];
  from: string;
  /** `smtp:` (plain, then STARTTLS) or `smtps:` (TLS from the first byte). */
  url: string;
  /** Meaningful for `smtp:` only: refuse to send without STARTTLS, or use it when offered. */
  starttls: StarttlsMode;
  user?: string;
  /** Absolute path of the file holding the SMTP password (read at start, never logged). */
  passwordFile?: string;
  /** Absolute path of a PEM bundle: the relay's certificate must chain to one of these instead of the system's CAs. */
  caFile?: string;
}

/** What the service reads from the channel's files at start. */
export interface EmailSecrets {
  password?: string;
  /** PEM certificates trusted for the relay (replacing the system's CAs). */
  ca?: string;
}

export interface EmailMessage {
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** The Subject: event and target, every control character escaped (never a raw CR or LF). */
export function emailSubject(event: WatchEvent): string {
  const target = escapeControl(event.target);
  const cut = target.length > MAX_SUBJECT_TARGET_CHARS ? `${target.slice(0, MAX_SUBJECT_TARGET_CHARS)}...` : target;
  return `[certwarden] ${event.severity.toUpperCase()} ${event.event} on ${cut}${event.repeat ? ' (still)' : ''}`;
}

/** The text body: like the webhook payload, it names the target, what happened, the evidence and the fix. */
export function emailText(event: WatchEvent): string {
  const lines = [
    `${escapeControl(event.message)}`,
    '',
    `Event:    ${event.event} (${event.severity})${event.repeat ? ', still open' : ''}`,
    `What:     ${EVENTS[event.event].title}`,
    `Target:   ${escapeControl(event.target)}`,
    `At:       ${event.at}`,
    ...(event.subject !== undefined ? [`Subject:  ${escapeControl(event.subject)}`] : []),
    '',
    'Evidence:',
    // JSON escapes every control character in strings, so evidence cannot forge lines either.
    JSON.stringify(event.evidence, null, 2),
    '',
    `Fix: ${event.fix}`,
    '',
    `Event id: ${event.key}`,
    '',
  ];
  return lines.join('\n');
}

export function emailMessage(event: WatchEvent): EmailMessage {
  return {
    subject: emailSubject(event),
    text: emailText(event),
    // A stable Message-ID per occurrence: a mail system can drop the rare duplicate (crash between the relay's 250 and the outbox commit).
    messageId: `<${event.key}@certwarden.invalid>`,
    headers: { 'X-Certwarden-Event-Id': event.key, 'X-Certwarden-Event': event.event },
  };
}

/** One email channel's transport, created (and nodemailer imported) on first use. */
export class EmailTransport {
  readonly #settings: EmailSettings;
  readonly #secrets: EmailSecrets;
  #transporter: Promise<Transporter> | undefined;

  constructor(settings: EmailSettings, secrets: EmailSecrets = {}) {
    this.#settings = settings;
    this.#secrets = secrets;
  }

  #transport(): Promise<Transporter> {
    this.#transporter ??= (async () => {
      const { default: nodemailer } = await import('nodemailer');
      const url = new URL(this.#settings.url);
      const implicitTls = url.protocol === 'smtps:';
      return nodemailer.createTransport({
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? (implicitTls ? 465 : 587) : Number(url.port),
        secure: implicitTls,
        // required: the transaction stops when STARTTLS is not offered or fails; nothing is sent in clear.
        requireTLS: !implicitTls && this.#settings.starttls === 'required',
        // The relay's certificate is always verified (nodemailer's default, kept explicit): against ca-file when given, else the system's CAs.
        tls: { rejectUnauthorized: true, ...(this.#secrets.ca !== undefined ? { ca: this.#secrets.ca } : {}) },
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
        dnsTimeout: SMTP_TIMEOUT_MS,
        ...(this.#settings.user !== undefined ? { auth: { user: this.#settings.user, pass: this.#secrets.password ?? '' } } : {}),
      });
    })();
    return this.#transporter;
  }

  /** Send one event; rejects when the relay refuses it (the caller keeps it in the outbox). */
  async send(event: WatchEvent): Promise<void> {
    const transport = await this.#transport();
    const m = emailMessage(event);
    const info = (await transport.sendMail({ from: this.#settings.from, to: this.#settings.to, subject: m.subject, text: m.text, messageId: m.messageId, headers: m.headers })) as { rejected?: unknown[] };
    // A relay that accepts the message for some recipients but refuses others: not delivered, retried.
    if (info.rejected && info.rejected.length > 0) throw new Error(`the relay refused ${info.rejected.length} recipient(s)`);
  }

  close(): void {
    void this.#transporter?.then((t) => t.close()).catch(() => {});
  }
}
