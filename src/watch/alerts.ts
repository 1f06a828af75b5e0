/**
 * Alert delivery: every event is queued in the store's outbox (in the same
 * transaction as the scan that produced it) and delivered from there, so a
 * failed delivery is retried with backoff and never lost, and a restart does
 * not send an alert twice (a delivered row is marked so). Webhooks are POSTs
 * of JSON, signed with HMAC-SHA256 over the timestamp and the body
 * (Stripe-style `t=...,v1=...`), so a receiver can refuse forgeries and
 * replays; `format: slack` sends a Slack-compatible `{ "text": ... }`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookChannel } from './config.ts';
import type { EmailTransport } from './email.ts';
import { EVENTS, type WatchEvent } from './events.ts';
import type { OutboxItem, WatchStore } from './store.ts';
import { releaseEndedSilences } from './silences.ts';

export const SIGNATURE_HEADER = 'x-certwarden-signature';
export const EVENT_ID_HEADER = 'x-certwarden-event-id';
/** A receiver should refuse a signature older than this (replay window; Stripe uses the same 5 minutes). */
export const SIGNATURE_TOLERANCE_S = 300;
/** One delivery attempt: a webhook that has not answered in 10 s is down for this attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** First retry after 5 s, doubling per attempt, capped at 1 h: a receiver down for a day is retried hourly, never dropped. */
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_MS = 3_600_000;
/** A HMAC key is a short secret: 4 KiB is far more than any key needs. */
export const MAX_SECRET_BYTES = 4096;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 20));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signBody(secret: Buffer, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** For receivers (and the tests): whether a signature header is valid for the body, within the replay window. */
export function verifySignature(secret: Buffer, header: string | undefined, body: string, nowMs: number, toleranceS = SIGNATURE_TOLERANCE_S): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

/** Slack's mrkdwn reserves &, < and >. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function payloadOf(event: WatchEvent, format: WebhookChannel['format']): string {
  if (format === 'slack') {
    const title = EVENTS[event.event].title;
    return JSON.stringify({
      text: `[${event.severity.toUpperCase()}] ${event.event} on ${slackEscape(event.target)}${event.repeat ? ' (still)' : ''}\n${slackEscape(event.message)}\n${slackEscape(title)}\nFix: ${slackEscape(event.fix)}`,
    });
  }
  return JSON.stringify({ version: 1, ...event, title: EVENTS[event.event].title });
}

export interface DeliveryLog {
  (entry: Record<string, unknown>): void;
}

export interface WebhookSender {
  name: string;
  format: WebhookChannel['format'];
  url: string;
  secret?: Buffer;
}

/** An email channel: its transport (nodemailer is imported on first use). */
export interface EmailSender {
  name: string;
  email: EmailTransport;
}

export type Sender = WebhookSender | EmailSender;

/** Delivers due outbox rows; never throws (a failure is recorded on the row and retried later). */
export class AlertDeliverer {
  readonly #store: WatchStore;
  readonly #senders: Map<string, Sender>;
  readonly #log: DeliveryLog;
  readonly #now: () => number;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(store: WatchStore, senders: readonly Sender[], log: DeliveryLog, now: () => number = Date.now) {
    this.#store = store;
    this.#senders = new Map(senders.map((s) => [s.name, s]));
    this.#log = log;
    this.#now = now;
  }

  /** Deliver what is due; concurrent calls coalesce into one pass (plus one more if asked meanwhile). */
  deliverDue(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#releaseSilenced();
        for (const item of await this.#store.due(this.#now())) await this.#deliver(item);
      } while (this.#again);
    })()
      // A store that cannot be read or written (a networked one may be down) is logged; the rows wait for the next pass.
      .catch((err: unknown) => this.#log({ msg: 'watch_alert_store_failed', error: (err as Error).message }))
      .finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Resolves when the pass in flight (if any) is over; starts none (a stopping service must not wait on a dead receiver's whole backlog). */
  settled(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  /** Silences that ended: what they held and is still open is queued now (once); a failure is logged and retried on the next pass. */
  async #releaseSilenced(): Promise<void> {
    try {
      const n = await releaseEndedSilences(this.#store, this.#now(), [...this.#senders.keys()]);
      if (n > 0) this.#log({ msg: 'watch_silence_released', events: n });
    } catch (err) {
      this.#log({ msg: 'watch_silence_release_failed', error: (err as Error).message });
    }
  }

  async #sent(item: OutboxItem): Promise<void> {
    await this.#store.markDelivered(item, this.#now());
    this.#log({ msg: 'watch_alert_sent', channel: item.channel, event: item.event.event, target: item.event.target, key: item.eventKey });
  }

  /** Close the email transports (webhooks hold nothing open). */
  close(): void {
    for (const s of this.#senders.values()) if ('email' in s) s.email.close();
  }

  async #deliver(item: OutboxItem): Promise<void> {
    const sender = this.#senders.get(item.channel);
    const fail = async (why: string): Promise<void> => {
      const next = this.#now() + retryDelayMs(item.attempts);
      await this.#store.markFailed(item, next, why);
      this.#log({ msg: 'watch_alert_failed', channel: item.channel, event: item.event.event, target: item.event.target, attempt: item.attempts + 1, error: why, retryAt: new Date(next).toISOString() });
    };
    // A channel removed from the configuration keeps its undelivered rows; they wait for it to come back.
    if (!sender) return fail('channel no longer configured');
    if ('email' in sender) {
      try {
        await sender.email.send(item.event);
      } catch (err) {
        return fail(smtpError(err));
      }
      return this.#sent(item);
    }
    const body = payloadOf(item.event, sender.format);
    const headers: Record<string, string> = { 'content-type': 'application/json', [EVENT_ID_HEADER]: item.eventKey, 'x-certwarden-event': item.event.event };
    if (sender.secret) headers[SIGNATURE_HEADER] = signBody(sender.secret, body, this.#now());
    let status: number;
    try {
      const res = await fetch(sender.url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      await res.body?.cancel();
      status = res.status;
    } catch (err) {
      return fail((err as Error).name === 'TimeoutError' ? `no answer in ${DELIVERY_TIMEOUT_MS} ms` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message));
    }
    // Outside the try: a store that cannot mark a delivered row must not count it as a failed delivery.
    if (status >= 200 && status < 300) await this.#sent(item);
    else await fail(`HTTP ${status}`);
  }
}

/** An SMTP failure for the log and the outbox row: the relay's reply code and line or the socket error, never credentials. */
function smtpError(err: unknown): string {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  if (e.responseCode !== undefined) return `SMTP ${e.responseCode}: ${(e.response ?? '').slice(0, 200)}`;
  return e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? String(err));
}
