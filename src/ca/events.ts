/**
 * What the CA does, as typed messages on `diagnostics_channel` (as undici
 * and src/tls/diagnostics.ts do): metrics, audit trails and tests subscribe
 * by name instead of parsing log lines. One channel per kind of event; the
 * names are stable (documented in docs/ca.md).
 *
 * Channels are looked up on first publish (no registration at import time);
 * publishing to a channel nobody subscribes to costs one property read. A
 * subscriber that throws does not undo the operation: the event is published
 * after the change is durable, and diagnostics_channel reports subscriber
 * errors on process 'uncaughtException' rather than to the publisher.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { CrlScope, CertificateProfileName } from './store.ts';
import type { RevocationReasonName } from '../core/revocation-vocabulary.ts';

/** Stable channel names. Subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const CA_CHANNELS = {
  /** A certificate was issued (committed to the store): {@link CaIssuedEvent}. */
  issued: 'certwarden:ca:issued',
  /** A certificate (or the issuing CA itself) was revoked (committed): {@link CaRevokedEvent}. */
  revoked: 'certwarden:ca:revoked',
  /** A CRL was signed with a new cRLNumber: {@link CaCrlPublishedEvent}. */
  crlPublished: 'certwarden:ca:crl-published',
  /** A new delegated OCSP responder certificate was issued: {@link CaResponderRotatedEvent}. */
  responderRotated: 'certwarden:ca:responder-rotated',
  /** Background work of `ca serve` gave way to another process's lock and will retry: {@link CaStoreBusyEvent}. */
  storeBusy: 'certwarden:ca:store-busy',
  /** `ca serve` took in changes made by other processes: {@link CaStoreChangedEvent}. */
  storeChanged: 'certwarden:ca:store-changed',
} as const;

export type CaChannelName = keyof typeof CA_CHANNELS;

export interface CaIssuedEvent {
  serial: string;
  profile: CertificateProfileName;
  sans: string[];
  notAfter: Date;
  /** The store's change sequence of the issuance. */
  seq: number;
}

export interface CaRevokedEvent {
  serial: string;
  reason: RevocationReasonName;
  revokedAt: Date;
  /** True when the issuing CA certificate itself was revoked by the root. */
  issuingCa: boolean;
}

export interface CaCrlPublishedEvent {
  scope: CrlScope;
  crlNumber: bigint;
  entries: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface CaResponderRotatedEvent {
  serial: string;
  notAfter: Date;
}

export interface CaStoreBusyEvent {
  /** What was deferred. */
  task: 'crl' | 'responder-rotation' | 'root-crl';
  store: string;
}

export interface CaStoreChangedEvent {
  records: number;
  seq: number;
}

export interface CaEventMessages {
  issued: CaIssuedEvent;
  revoked: CaRevokedEvent;
  crlPublished: CaCrlPublishedEvent;
  responderRotated: CaResponderRotatedEvent;
  storeBusy: CaStoreBusyEvent;
  storeChanged: CaStoreChangedEvent;
}

const channels = new Map<CaChannelName, diagnosticsChannel.Channel>();

/** Publish one CA event (after the change it reports is durable). */
export function publishCaEvent<K extends CaChannelName>(kind: K, message: CaEventMessages[K]): void {
  let ch = channels.get(kind);
  if (!ch) channels.set(kind, (ch = diagnosticsChannel.channel(CA_CHANNELS[kind])));
  if (ch.hasSubscribers) ch.publish(message);
}
