/**
 * What the scanner saw on the wire, in a serialisable shape: the live source
 * records every observation, the evidence folder stores them, and the replay
 * source answers from them, so checks run the same code live and offline.
 */
import type { AttemptReason } from './failure.ts';

/** Bytes are base64 in the serialised form. */
export interface FlightObservation {
  supported: boolean;
  alert?: number;
  certificates: string[];
  staple?: string;
  certificateRequested: boolean;
  acceptableCaNames: string[];
}

export interface HandshakeObservation {
  ok: boolean;
  protocol?: string;
  chain: string[];
  staple?: string;
  error?: string;
  /** Client-auth probes: whether the server went on with the connection after the handshake. */
  after?: { accepted: boolean; detail: string };
}

/** A unit of work's outcome: a value, or why it could not complete. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: AttemptReason; message: string };

/** Work keys: `flight`, `flight:1` (staple retry), `handshake:TLSv1.3:0` (version, attempt), `probe:TLSv1.3:expired`. */
export type ObservationLog = Record<string, Outcome<FlightObservation | HandshakeObservation>>;

/** The key of TLS 1.2 first flight number `attempt` (0, `flight`, is the one every check shares; the others are staple retries). */
export const flightKey = (attempt = 0): string => (attempt === 0 ? 'flight' : `flight:${attempt}`);
/** The key of handshake number `attempt` on `version` (attempts > 0 are staple retries). */
export const handshakeKey = (version: string, attempt = 0): string => `handshake:${version}:${attempt}`;

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
