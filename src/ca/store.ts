/**
 * The CA's storage contract. SQLite implements it today (sqlite-store.ts); a
 * Postgres backend can implement the same interface later (certmagic's
 * `Storage` pattern: the interface lives with its concern, implementations
 * prove they satisfy it at compile time).
 *
 * Durability rules every implementation must keep:
 *  - a serial, once reserved, is never handed out again, even when the
 *    process dies before the certificate is signed (reserve → sign → commit);
 *  - `commitIssued` and `revoke` return only after the change is durable
 *    (for SQLite: WAL with synchronous=FULL), so a caller may acknowledge
 *    the operation as soon as they return;
 *  - every issue and revocation bumps a change sequence, so another process
 *    serving OCSP from the same store can notice changes by polling it.
 */
import type { RevocationReasonName } from '../core/revocation-vocabulary.ts';

/** Whose CRL a cRLNumber is for. */
export type CrlScope = 'issuing' | 'root';

export type CertificateProfileName = 'server' | 'client' | 'ocsp-responder';

/** A certificate the CA issued, as stored. */
export interface IssuedRecord {
  /** Canonical lowercase hex (as Certificate.serialHex). */
  serial: string;
  der: Buffer;
  subject: string;
  sans: string[];
  profile: CertificateProfileName;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  revokedAt?: Date;
  reason?: RevocationReasonName;
  invalidityDate?: Date;
  /** Change sequence of the last change to this record (issue or revocation). */
  seq: number;
}

export interface RevocationInput {
  serial: string;
  at: Date;
  reason: RevocationReasonName;
  invalidityDate?: Date;
}

export interface ListFilter {
  status?: 'valid' | 'revoked' | 'expired';
  /** Substring or glob ("*.example.com") matched against the SANs. */
  san?: string;
  at?: Date;
}

export interface CaStore {
  /** Read a configuration value (JSON text) stored with the CA. */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** Reserve a fresh serial durably: fails (typed error) if it was ever used. */
  reserveSerial(serial: string): void;
  /** Turn a reservation into an issued certificate, durably. */
  commitIssued(record: Omit<IssuedRecord, 'seq' | 'revokedAt' | 'reason' | 'invalidityDate'>): number;
  /** Mark an issued certificate revoked, durably; returns the change sequence. */
  revoke(input: RevocationInput): number;
  get(serial: string): IssuedRecord | undefined;
  /** Whether the serial was ever reserved (issued or not). */
  isReserved(serial: string): boolean;
  list(filter?: ListFilter): IssuedRecord[];
  /** Revoked certificates, for CRLs. */
  revoked(): Iterable<Pick<IssuedRecord, 'serial' | 'revokedAt' | 'reason' | 'invalidityDate'>>;
  /** Records changed after `seq` (issued or revoked), in sequence order. */
  changedSince(seq: number): IssuedRecord[];
  /** The current change sequence (cheap: polled by responders in other processes). */
  changeSeq(): number;
  /**
   * Allocate the next cRLNumber (RFC 5280 §5.2.3: monotonically increasing), durably.
   * Numbers are per CRL issuer: `issuing` (the default) for the CA's CRL, `root` for the root's CRL.
   */
  nextCrlNumber(scope?: CrlScope): bigint;
  /**
   * Run `work` with writes that fail at once with CW_ERR_STORE_BUSY when
   * another process holds the write lock, instead of waiting for it: for
   * background work of a server that must never stall its request path.
   */
  withoutWaiting<T>(work: () => T): T;
  close(): void;
}
