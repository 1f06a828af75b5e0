/**
 * Observability for the enforcement layer: `diagnostics_channel` channels
 * (as undici does) and plain counters.
 *
 * Channels are looked up lazily (no registration at import time). Publishing
 * to a channel nobody subscribes to costs one property read.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TrustVerdict } from '../trust/evaluate.ts';

/** Stable channel names. Subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const CHANNELS = {
  /** One message per verdict on a connection: {@link VerdictMessage}. */
  verdict: 'certwarden:verdict',
  /** Stapler activity: {@link StapleMessage}. */
  staple: 'certwarden:staple',
} as const;

export type VerdictSource = 'evaluated' | 'cache';

export interface VerdictMessage {
  direction: 'outbound' | 'inbound';
  host: string;
  port?: number;
  /** SHA-256 fingerprint of the peer's leaf, when it sent one. */
  leaf?: string;
  /** Whether the TLS session was resumed (no certificate or staple was exchanged). */
  resumed: boolean;
  /** `cache`: admitted by a still-valid earlier verdict for the same peer. */
  source: VerdictSource;
  trusted: boolean;
  softFailed: boolean;
  reasons: TrustVerdict['reasons'];
  validUntil?: Date;
}

export type StapleEventKind = 'fetched' | 'loaded' | 'refresh-failed' | 'expired' | 'revoked' | 'rejected-response' | 'persist-failed';

export interface StapleMessage {
  kind: StapleEventKind;
  /** SHA-256 fingerprint of the certificate the staple is for. */
  certificate: string;
  subject: string;
  status?: string;
  nextUpdate?: Date;
  reasons?: ReadonlyArray<{ code: string; message: string }>;
  /** When the next refresh is scheduled. */
  nextRefresh?: Date;
}

let verdictChannel: diagnosticsChannel.Channel | undefined;
let stapleChannel: diagnosticsChannel.Channel | undefined;

export function publishVerdict(message: VerdictMessage): void {
  verdictChannel ??= diagnosticsChannel.channel(CHANNELS.verdict);
  if (verdictChannel.hasSubscribers) verdictChannel.publish(message);
}

export function publishStaple(message: StapleMessage): void {
  stapleChannel ??= diagnosticsChannel.channel(CHANNELS.staple);
  if (stapleChannel.hasSubscribers) stapleChannel.publish(message);
}

/** Counters of one agent, dispatcher or listener. Read a copy with `stats()`. */
export interface EnforcementStats {
  /** Verdicts reached (evaluated or from cache). */
  verdicts: number;
  trusted: number;
  rejected: number;
  /** Connections admitted under soft-fail with unreachable revocation sources. */
  softFailed: number;
  /** Verdicts served from the verdict cache (resumed sessions, repeat clients). */
  verdictCacheHits: number;
  /** Revocation answers taken from the OCSP/CRL caches instead of the network. */
  revocationCacheHits: number;
  /** Handshakes that resumed a session. */
  resumed: number;
  /** Connections whose handshake or socket failed before a verdict. */
  connectErrors: number;
}

export function emptyStats(): EnforcementStats {
  return { verdicts: 0, trusted: 0, rejected: 0, softFailed: 0, verdictCacheHits: 0, revocationCacheHits: 0, resumed: 0, connectErrors: 0 };
}

/** Counters of a stapler. */
export interface StaplerStats {
  /** Responses fetched from a responder and accepted. */
  refreshes: number;
  /** Fetches that failed (unreachable, HTTP error, invalid response). */
  responderFailures: number;
  /** Responses refused because they did not verify. */
  rejectedResponses: number;
  /** OCSPRequest events answered with a staple. */
  stapled: number;
  /** OCSPRequest events answered without one. */
  unstapled: number;
  /** Handshakes aborted because a Must-Staple certificate had no staple. */
  mustStapleAborts: number;
}

export function emptyStaplerStats(): StaplerStats {
  return { refreshes: 0, responderFailures: 0, rejectedResponses: 0, stapled: 0, unstapled: 0, mustStapleAborts: 0 };
}
