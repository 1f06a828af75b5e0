/**
 * The CA's storage contract, asynchronous so that a networked database can
 * implement it: SQLite (sqlite-store.ts, embedded, synchronous inside) and
 * Postgres (postgres-store.ts, shared by processes on several machines)
 * (certmagic's `Storage` pattern: the interface lives with its concern,
 * implementations prove they satisfy it at compile time).
 *
 * Durability rules every implementation must keep:
 *  - a serial, once reserved, is never handed out again, even when the
 *    process dies before the certificate is signed (reserve → sign → commit);
 *  - `commitIssued` and `revoke` return only after the change is durable
 *    (for SQLite: WAL with synchronous=FULL), so a caller may acknowledge
 *    the operation as soon as they return;
 *  - every issue and revocation bumps a change sequence, so another process
 *    serving OCSP from the same store can notice changes by polling it
 *    (and, where the backend can push, sooner: `subscribe`);
 *  - cRLNumbers per scope only ever grow, whichever process asks.
 */
import type { RevocationReasonName } from '../core/revocation-vocabulary.ts';
import type { CaFiles } from './ca-files.ts';

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

/** A revoked certificate as a CRL lists it. */
export type RevokedEntry = Pick<IssuedRecord, 'serial' | 'revokedAt' | 'reason' | 'invalidityDate'>;

/** A CRL as a shared store keeps it for every server (SharedCrls). */
export interface StoredCrl {
  der: Buffer;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  /** The highest change sequence of a revocation this CRL was signed after (it lists every revocation up to it). */
  coversSeq: number;
}

/** What `SharedCrls.publish` signs: the CRL for the number the store allocated. */
export type CrlSigning = (crlNumber: bigint) => Promise<Omit<StoredCrl, 'number' | 'coversSeq'>>;

/**
 * CRLs as one artefact shared by every server on the store (Postgres): signed
 * by one process at a time, kept with their number, served by all, so every
 * server answers the same bytes and cRLNumbers never go backwards between
 * two servers (RFC 5280 §5.2.3).
 */
export interface SharedCrls {
  /** The latest CRL of `scope`, or undefined when there is none, or none numbered above `above`. */
  latest(scope: CrlScope, above?: bigint): Promise<StoredCrl | undefined>;
  /**
   * Under the scope's signing lock (another signer: CW_ERR_STORE_BUSY, after
   * the lock timeout), ask `due(latest, lastRevocationSeq)` with what the
   * store holds now; when due, allocate the next cRLNumber, sign with
   * `sign`, and keep the result, all in one transaction (a signer killed
   * midway leaves nothing behind: no number used, the old CRL kept). Returns
   * the CRL kept afterwards and whether this call signed it.
   */
  publish(scope: CrlScope, due: (latest: StoredCrl | undefined, lastRevocationSeq: number) => boolean, sign: CrlSigning): Promise<{ crl: StoredCrl; signed: boolean }>;
}

export interface CaStore {
  /** What this store is, for logs and messages (a path, or a URL without its password). */
  readonly description: string;
  /**
   * The CA's artefacts (certificates, encrypted keys, the responder
   * certificate), when this store keeps them too (Postgres), so a process
   * needs no CA home directory. Absent: they are files in the CA home (SQLite).
   */
  readonly files?: CaFiles;
  /** CRLs shared by every server on this store (Postgres). Absent: each process signs its own (SQLite, one machine). */
  readonly sharedCrls?: SharedCrls;
  /** Read a configuration value (JSON text) stored with the CA. */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Reserve a fresh serial durably: fails (typed error) if it was ever used. */
  reserveSerial(serial: string): Promise<void>;
  /** Turn a reservation into an issued certificate, durably. */
  commitIssued(record: Omit<IssuedRecord, 'seq' | 'revokedAt' | 'reason' | 'invalidityDate'>): Promise<number>;
  /** Mark an issued certificate revoked, durably; returns the change sequence. */
  revoke(input: RevocationInput): Promise<number>;
  get(serial: string): Promise<IssuedRecord | undefined>;
  /** Whether the serial was ever reserved (issued or not). */
  isReserved(serial: string): Promise<boolean>;
  list(filter?: ListFilter): Promise<IssuedRecord[]>;
  /** Revoked certificates, for CRLs. */
  revoked(): Promise<RevokedEntry[]>;
  /** Records changed after `seq` (issued or revoked), in sequence order. */
  changedSince(seq: number): Promise<IssuedRecord[]>;
  /** The current change sequence (cheap: polled by responders in other processes). */
  changeSeq(): Promise<number>;
  /**
   * Allocate the next cRLNumber (RFC 5280 §5.2.3: monotonically increasing), durably.
   * Numbers are per CRL issuer: `issuing` (the default) for the CA's CRL, `root` for the root's CRL.
   */
  nextCrlNumber(scope?: CrlScope): Promise<bigint>;
  /**
   * Run `work` with writes that fail at once with CW_ERR_STORE_BUSY when
   * another process holds the write lock, instead of waiting for it: for
   * background work of a server that must never stall its request path.
   */
  withoutWaiting<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Call `onChange` soon after another process changes the store or
   * publishes a shared CRL (Postgres: LISTEN/NOTIFY), on top of polling;
   * returns the unsubscribe function.
   * Absent when the backend cannot push (SQLite: polling alone).
   */
  subscribe?(onChange: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A row of the `certificates` table as either SQL backend returns it (same column names in both schemas). */
export type CertificateRow = Record<string, unknown>;

/** The record a `certificates` row describes; one mapping for SQLite and Postgres, so the stores cannot drift. */
export function recordFromRow(r: CertificateRow): IssuedRecord {
  const rec: IssuedRecord = {
    serial: r.serial as string,
    der: Buffer.from(r.der as Uint8Array),
    subject: r.subject as string,
    sans: JSON.parse(r.sans as string) as string[],
    profile: r.profile as CertificateProfileName,
    notBefore: new Date(Number(r.not_before)),
    notAfter: new Date(Number(r.not_after)),
    issuedAt: new Date(Number(r.issued_at)),
    seq: Number(r.seq),
  };
  if (r.revoked_at !== null && r.revoked_at !== undefined) {
    rec.revokedAt = new Date(Number(r.revoked_at));
    rec.reason = r.reason as RevocationReasonName;
    if (r.invalidity_date !== null && r.invalidity_date !== undefined) rec.invalidityDate = new Date(Number(r.invalidity_date));
  }
  return rec;
}
