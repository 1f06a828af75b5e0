/**
 * CaStore on PostgreSQL (node-postgres), so that any number of `ca serve`
 * and `ca issue`/`ca revoke` processes, on any number of machines, share one
 * CA's records, change sequence and cRLNumbers.
 *
 * Guarantees, in Postgres terms:
 *  - durability: every session runs with synchronous_commit=on, so a COMMIT
 *    returns after the WAL is flushed (whatever the server's default), and a
 *    caller acknowledges only after the COMMIT;
 *  - serials: the serial is the table's PRIMARY KEY, reserved in its own
 *    transaction before the CA key signs (a unique violation is
 *    CW_ERR_SERIAL_TAKEN and the CA draws another);
 *  - order: every change and every cRLNumber is an UPDATE ... RETURNING on a
 *    counter row, whose row lock is held until COMMIT, so numbers are handed
 *    out and committed in the same order (a reader of `seq > last` never
 *    skips a change committed late, and cRLNumbers never go backwards);
 *  - push: a change sends NOTIFY (delivered at COMMIT) on CHANGE_CHANNEL;
 *    `subscribe` LISTENs on a dedicated connection (reconnecting), and the
 *    store watcher keeps polling as the fallback.
 *
 * Everything lives in the schema `certwarden_ca`, versioned by
 * MIGRATIONS and its `schema_migrations` table (see migrate()).
 */
import type { Client, Pool, PoolClient, PoolConfig } from 'pg';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { DEFAULT_CRL_MAX_BYTES } from '../crl/fetch.ts';
import { MAX_SMALL_FILE_BYTES } from '../util/bounded-read.ts';
import type { CaFiles, CaFileWrite } from './ca-files.ts';
import { sanMatcher } from './san-glob.ts';
import { recordFromRow, type CaStore, type CertificateRow, type CrlScope, type CrlSigning, type IssuedRecord, type ListFilter, type RevocationInput, type RevokedEntry, type SharedCrls, type StoredCrl } from './store.ts';
import { redactUrl } from '../util/redact-url.ts';
import { inTransaction, migrateSchema, openMigratedPool, type PgMigration, type PgSchema } from '../util/pg.ts';

/** The Postgres schema holding the CA's tables (its own, so a database shared with other applications is fine). */
export const PG_SCHEMA = 'certwarden_ca';
/** NOTIFY channel of committed changes (payload: the change sequence). */
export const CHANGE_CHANNEL = 'certwarden_ca_changes';
/** How long a write waits for another transaction's row lock before CW_ERR_STORE_BUSY (as SQLite's busy timeout). */
export const PG_LOCK_TIMEOUT_MS = 10_000;
/**
 * The same inside `withoutWaiting`: background work of `ca serve` gives up
 * quickly and retries at its next check. (Not 0: for Postgres 0 means "wait
 * forever". Waiting does not block the event loop here, it only delays that one task.)
 */
export const PG_NO_WAIT_LOCK_TIMEOUT_MS = 100;
/** No single statement of the CA runs longer (the largest is the CRL's read of every revoked row). */
export const PG_STATEMENT_TIMEOUT_MS = 60_000;
/** Connecting to the server (a dead host must not hang a CLI command). */
export const PG_CONNECT_TIMEOUT_MS = 10_000;
/** Connections per process: the CA's work is a few short transactions at a time. */
export const PG_POOL_SIZE = 4;
/** After the LISTEN connection is lost, try again this often (polling covers the gap). */
export const PG_LISTEN_RETRY_MS = 1_000;

/** The largest CRL read back from the crls table: what certwarden's own CRL fetch accepts, so a served CRL is one it can take. */
export const PG_MAX_CRL_BYTES = DEFAULT_CRL_MAX_BYTES;
/** The largest artefact read back from the files table (as for a CA file on disk: a certificate chain is a few KiB). */
export const PG_MAX_FILE_BYTES = MAX_SMALL_FILE_BYTES;

/** Postgres error codes (SQLSTATE, Appendix A of the PostgreSQL manual). */
const PG_UNIQUE_VIOLATION = '23505';
const PG_LOCK_NOT_AVAILABLE = '55P03';

/** Schema migrations, in order: a version is applied once, in a transaction, and recorded in schema_migrations. */
export const MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'meta, counters, certificates',
    sql: `
CREATE TABLE ${PG_SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE ${PG_SCHEMA}.counters (name text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO ${PG_SCHEMA}.counters VALUES ('change_seq', 0), ('crl_number', 0), ('root_crl_number', 0);
CREATE TABLE ${PG_SCHEMA}.certificates (
  serial text PRIMARY KEY,                    -- canonical hex; the PK is the "never reused" guarantee
  state text NOT NULL CHECK (state IN ('reserved', 'issued')),
  reserved_at bigint NOT NULL,
  der bytea, subject text, sans text, profile text,
  not_before bigint, not_after bigint, issued_at bigint,
  revoked_at bigint, reason text, invalidity_date bigint,
  seq bigint NOT NULL DEFAULT 0
);
CREATE INDEX certificates_seq ON ${PG_SCHEMA}.certificates (seq);
CREATE INDEX certificates_revoked ON ${PG_SCHEMA}.certificates (revoked_at) WHERE revoked_at IS NOT NULL;
`,
  },
  {
    version: 2,
    description: 'files: the CA certificates, encrypted keys, responder certificate',
    sql: `
CREATE TABLE ${PG_SCHEMA}.files (
  name text PRIMARY KEY,                      -- chain.pem, issuing.key, responder.pem, ... (ca-files.ts)
  data bytea NOT NULL,
  secret boolean NOT NULL,                    -- a private key: always encrypted PKCS#8 (checked before writing)
  updated_at bigint NOT NULL
);
`,
  },
  {
    version: 3,
    description: 'crls: the latest CRL per scope, shared by every server',
    sql: `
CREATE TABLE ${PG_SCHEMA}.crls (
  scope text PRIMARY KEY CHECK (scope IN ('issuing', 'root')),
  crl_number bigint NOT NULL,
  der bytea NOT NULL,
  this_update bigint NOT NULL,
  next_update bigint NOT NULL,
  entries integer NOT NULL,
  covers_seq bigint NOT NULL                  -- the last revocation (change sequence) this CRL lists
);
`,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
/** pg_advisory_xact_lock key serialising migrations of concurrent first starts ("cwca" in ASCII). */
const MIGRATION_LOCK_KEY = 0x63776361;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

/** The URL without its password, for messages and logs (one redaction for every store: util/redact-url.ts). */
export { redactUrl };

type Queryable = Pick<PoolClient, 'query'>;

function storeError(what: string, description: string, cause: unknown): CertwardenError {
  if (cause instanceof CertwardenError) return cause;
  const code = (cause as { code?: string }).code;
  if (code === PG_LOCK_NOT_AVAILABLE) return new CertwardenError(ErrorCode.STORE_BUSY, `the CA store ${description} is locked by another process's transaction`, { cause });
  return new CertwardenError(ErrorCode.STORE, `the CA store ${description}: cannot ${what}: ${(cause as Error).message}`, { cause });
}

/** The CA's schema: its migrations, lock and name in messages (util/pg.ts runs them). */
const CA_SCHEMA: PgSchema = { schema: PG_SCHEMA, migrations: MIGRATIONS, lockKey: MIGRATION_LOCK_KEY, what: 'the CA store' };

/**
 * Bring the schema to SCHEMA_VERSION: fresh database → every migration; up to
 * date → nothing; a version newer than this code knows → CW_ERR_STORE (an
 * older certwarden must not write a schema it does not understand).
 */
export function migrate(client: Queryable, description = 'postgres'): Promise<{ from: number; to: number }> {
  return migrateSchema(client, CA_SCHEMA, description);
}

/** A PEM private key that is not encrypted: never written to the database. */
function isPlaintextKey(data: string | Uint8Array): boolean {
  const text = Buffer.from(data).toString('latin1');
  return !text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(text);
}

/** Counter row whose lock is each scope's CRL signing lock (and its cRLNumber). */
const CRL_COUNTER = { issuing: 'crl_number', root: 'root_crl_number' } as const;

function storedCrlFromRow(r: CertificateRow): StoredCrl {
  return {
    der: Buffer.from(r.der as Uint8Array),
    number: BigInt(r.crl_number as string),
    thisUpdate: new Date(Number(r.this_update)),
    nextUpdate: new Date(Number(r.next_update)),
    entries: Number(r.entries),
    coversSeq: Number(r.covers_seq),
  };
}

export class PostgresStore implements CaStore {
  readonly description: string;
  /** CRLs signed by one server at a time and served by all (the crls table). */
  readonly sharedCrls: SharedCrls;
  /** The CA's artefacts in the `files` table: a `ca serve` anywhere needs only the URL and the passphrase. */
  readonly files: CaFiles;
  readonly #pool: Pool;
  readonly #config: PoolConfig;
  readonly #newClient: (c: PoolConfig) => Client;
  #noWait = 0;
  #closed = false;

  private constructor(description: string, pool: Pool, config: PoolConfig, newClient: (c: PoolConfig) => Client) {
    this.description = description;
    this.#pool = pool;
    this.#config = config;
    this.#newClient = newClient;
    this.files = {
      description,
      read: (name) => this.#readFile(name),
      write: (name, data, o) => this.#writeFile(name, data, o),
    };
    this.sharedCrls = {
      latest: (scope, above) => this.#latestCrl(scope, above),
      publish: (scope, due, sign) => this.#publishCrl(scope, due, sign),
    };
  }

  async #latestCrl(scope: CrlScope, above?: bigint): Promise<StoredCrl | undefined> {
    const rows = await this.#query(
      `read the ${scope} CRL`,
      `SELECT crl_number, octet_length(der) AS size, CASE WHEN octet_length(der) <= $3 THEN der END AS der, this_update, next_update, entries, covers_seq FROM ${PG_SCHEMA}.crls WHERE scope = $1 AND crl_number > $2`,
      [scope, (above ?? -1n).toString(), PG_MAX_CRL_BYTES],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.der === null) throw new CertwardenError(ErrorCode.STORE, `the CA store ${this.description}: the ${scope} CRL is ${String(row.size)} bytes, over the ${PG_MAX_CRL_BYTES}-byte limit`);
    return storedCrlFromRow(row);
  }

  async #publishCrl(scope: CrlScope, due: (latest: StoredCrl | undefined, lastRevocationSeq: number) => boolean, sign: CrlSigning): Promise<{ crl: StoredCrl; signed: boolean }> {
    return this.#tx(`publish the ${scope} CRL`, async (c) => {
      // The counter row's lock is the signing lock: one signer per scope at a time, in every process.
      const counter = await c.query(`SELECT value FROM ${PG_SCHEMA}.counters WHERE name = $1 FOR UPDATE`, [CRL_COUNTER[scope]]);
      const { rows } = await c.query(`SELECT * FROM ${PG_SCHEMA}.crls WHERE scope = $1`, [scope]);
      const latest = rows[0] ? storedCrlFromRow(rows[0] as CertificateRow) : undefined;
      const lastRevocation = await c.query(`SELECT coalesce(max(seq), 0) AS seq FROM ${PG_SCHEMA}.certificates WHERE revoked_at IS NOT NULL`);
      const coversSeq = Number((lastRevocation.rows[0] as CertificateRow).seq);
      if (latest && !due(latest, coversSeq)) return { crl: latest, signed: false };
      const number = BigInt((counter.rows[0] as CertificateRow).value as string) + 1n;
      await c.query(`UPDATE ${PG_SCHEMA}.counters SET value = $2 WHERE name = $1`, [CRL_COUNTER[scope], number.toString()]);
      const signed = await sign(number);
      const crl: StoredCrl = { ...signed, number, coversSeq };
      await c.query(
        `INSERT INTO ${PG_SCHEMA}.crls (scope, crl_number, der, this_update, next_update, entries, covers_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (scope) DO UPDATE SET crl_number = excluded.crl_number, der = excluded.der, this_update = excluded.this_update, next_update = excluded.next_update, entries = excluded.entries, covers_seq = excluded.covers_seq`,
        [scope, number.toString(), crl.der, crl.thisUpdate.getTime(), crl.nextUpdate.getTime(), crl.entries, coversSeq],
      );
      // Delivered at COMMIT: every server fetches the new CRL at once.
      await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `crl:${scope}:${number}`]);
      return { crl, signed: true };
    });
  }

  async #readFile(name: string): Promise<Buffer | undefined> {
    const rows = await this.#query(`read ${name}`, `SELECT octet_length(data) AS size, CASE WHEN octet_length(data) <= $2 THEN data END AS data FROM ${PG_SCHEMA}.files WHERE name = $1`, [name, PG_MAX_FILE_BYTES]);
    const row = rows[0];
    if (!row) return undefined;
    if (row.data === null) throw new CertwardenError(ErrorCode.STORE, `the CA store ${this.description}: ${name} is ${String(row.size)} bytes, over the ${PG_MAX_FILE_BYTES}-byte limit`, { details: { name, reason: 'too-large' } });
    return Buffer.from(row.data as Uint8Array);
  }

  async #writeFile(name: string, data: string | Uint8Array, o: CaFileWrite = {}): Promise<void> {
    // The key store encrypts before it writes; a plaintext key reaching this point is a bug, and it must not land in the database.
    if (o.secret && isPlaintextKey(data)) throw new CertwardenError(ErrorCode.INTERNAL, `refusing to store ${name} in ${this.description}: private keys are kept encrypted only`);
    const sql = o.overwrite
      ? `INSERT INTO ${PG_SCHEMA}.files (name, data, secret, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET data = excluded.data, secret = excluded.secret, updated_at = excluded.updated_at`
      : `INSERT INTO ${PG_SCHEMA}.files (name, data, secret, updated_at) VALUES ($1, $2, $3, $4)`;
    try {
      await this.#tx(`store ${name}`, (c) => c.query(sql, [name, Buffer.from(data), o.secret === true, Date.now()]));
    } catch (err) {
      if (((err as CertwardenError).cause as { code?: string } | undefined)?.code === PG_UNIQUE_VIOLATION) {
        throw new CertwardenError(ErrorCode.IO, `${name} already exists in ${this.description}; refusing to overwrite it`, { cause: err, details: { name } });
      }
      throw err;
    }
  }

  /** Connect to `url`, apply pending migrations (refusing a newer schema), and return the store. */
  static async connect(url: string, o: { poolSize?: number } = {}): Promise<PostgresStore> {
    const description = redactUrl(url);
    try {
      const settings = { max: o.poolSize ?? PG_POOL_SIZE, connectTimeoutMs: PG_CONNECT_TIMEOUT_MS, statementTimeoutMs: PG_STATEMENT_TIMEOUT_MS, applicationName: 'certwarden-ca' };
      const { pool, config, pg } = await openMigratedPool(url, settings, CA_SCHEMA, description);
      return new PostgresStore(description, pool, config, (c) => new pg.Client(c));
    } catch (err) {
      throw storeError('open it', description, err);
    }
  }

  async #query(what: string, sql: string, params: unknown[] = []): Promise<CertificateRow[]> {
    try {
      return (await this.#pool.query(sql, params)).rows as CertificateRow[];
    } catch (err) {
      throw storeError(what, this.description, err);
    }
  }

  async #tx<T>(what: string, work: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.#pool, this.#noWait > 0 ? PG_NO_WAIT_LOCK_TIMEOUT_MS : PG_LOCK_TIMEOUT_MS, work);
    } catch (err) {
      throw storeError(what, this.description, err);
    }
  }

  async #bump(c: Queryable, counter: 'change_seq' | 'crl_number' | 'root_crl_number'): Promise<number> {
    const { rows } = await c.query(`UPDATE ${PG_SCHEMA}.counters SET value = value + 1 WHERE name = $1 RETURNING value`, [counter]);
    return Number((rows[0] as CertificateRow).value);
  }

  async #changed(c: Queryable): Promise<number> {
    const seq = await this.#bump(c, 'change_seq');
    // Delivered at COMMIT, only if it commits.
    await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, String(seq)]);
    return seq;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.#query('read its configuration', `SELECT value FROM ${PG_SCHEMA}.meta WHERE key = $1`, [key]);
    return rows[0]?.value as string | undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#tx('write its configuration', (c) => c.query(`INSERT INTO ${PG_SCHEMA}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]));
  }

  async reserveSerial(serial: string): Promise<void> {
    try {
      await this.#tx('reserve a serial', (c) => c.query(`INSERT INTO ${PG_SCHEMA}.certificates (serial, state, reserved_at) VALUES ($1, 'reserved', $2)`, [serial, Date.now()]));
    } catch (err) {
      if ((err as CertwardenError).cause && ((err as CertwardenError).cause as { code?: string }).code === PG_UNIQUE_VIOLATION) {
        throw new CertwardenError(ErrorCode.SERIAL_TAKEN, `serial ${serial} was already used; refusing to reuse it`, { cause: err });
      }
      throw err;
    }
  }

  async commitIssued(r: Omit<IssuedRecord, 'seq' | 'revokedAt' | 'reason' | 'invalidityDate'>): Promise<number> {
    return this.#tx('record an issued certificate', async (c) => {
      const seq = await this.#changed(c);
      const res = await c.query(
        `UPDATE ${PG_SCHEMA}.certificates SET state = 'issued', der = $1, subject = $2, sans = $3, profile = $4, not_before = $5, not_after = $6, issued_at = $7, seq = $8 WHERE serial = $9 AND state = 'reserved'`,
        [r.der, r.subject, JSON.stringify(r.sans), r.profile, r.notBefore.getTime(), r.notAfter.getTime(), r.issuedAt.getTime(), seq, r.serial],
      );
      if (res.rowCount !== 1) throw new CertwardenError(ErrorCode.INTERNAL, `serial ${r.serial} was not reserved (or already issued)`);
      return seq;
    });
  }

  async revoke(input: RevocationInput): Promise<number> {
    return this.#tx('record a revocation', async (c) => {
      const { rows } = await c.query(`SELECT state, revoked_at FROM ${PG_SCHEMA}.certificates WHERE serial = $1 FOR UPDATE`, [input.serial]);
      const row = rows[0] as CertificateRow | undefined;
      if (!row || row.state !== 'issued') throw new CertwardenError(ErrorCode.USAGE, `no certificate with serial ${input.serial} was issued by this CA`);
      if (row.revoked_at !== null) throw new CertwardenError(ErrorCode.STATE, `certificate ${input.serial} is already revoked`);
      const seq = await this.#changed(c);
      await c.query(`UPDATE ${PG_SCHEMA}.certificates SET revoked_at = $1, reason = $2, invalidity_date = $3, seq = $4 WHERE serial = $5`, [
        input.at.getTime(),
        input.reason,
        input.invalidityDate ? input.invalidityDate.getTime() : null,
        seq,
        input.serial,
      ]);
      return seq;
    });
  }

  async get(serial: string): Promise<IssuedRecord | undefined> {
    const rows = await this.#query('read a certificate', `SELECT * FROM ${PG_SCHEMA}.certificates WHERE serial = $1 AND state = 'issued'`, [serial]);
    return rows[0] ? recordFromRow(rows[0]) : undefined;
  }

  async isReserved(serial: string): Promise<boolean> {
    return (await this.#query('read a serial', `SELECT 1 FROM ${PG_SCHEMA}.certificates WHERE serial = $1`, [serial])).length > 0;
  }

  async list(filter: ListFilter = {}): Promise<IssuedRecord[]> {
    const at = (filter.at ?? new Date()).getTime();
    let sql = `SELECT * FROM ${PG_SCHEMA}.certificates WHERE state = 'issued'`;
    const params: unknown[] = [];
    if (filter.status === 'revoked') sql += ' AND revoked_at IS NOT NULL';
    else if (filter.status === 'valid') (params.push(at), (sql += ' AND revoked_at IS NULL AND not_after >= $1'));
    else if (filter.status === 'expired') (params.push(at), (sql += ' AND revoked_at IS NULL AND not_after < $1'));
    sql += ' ORDER BY issued_at, serial';
    let out = (await this.#query('list certificates', sql, params)).map(recordFromRow);
    if (filter.san !== undefined) {
      const match = sanMatcher(filter.san);
      out = out.filter((r) => r.sans.some(match));
    }
    return out;
  }

  async revoked(): Promise<RevokedEntry[]> {
    const rows = await this.#query('read revocations', `SELECT serial, revoked_at, reason, invalidity_date FROM ${PG_SCHEMA}.certificates WHERE revoked_at IS NOT NULL`);
    return rows.map((r) => ({
      serial: r.serial as string,
      revokedAt: new Date(Number(r.revoked_at)),
      reason: r.reason as RevocationReasonName,
      ...(r.invalidity_date !== null ? { invalidityDate: new Date(Number(r.invalidity_date)) } : {}),
    }));
  }

  async changedSince(seq: number): Promise<IssuedRecord[]> {
    return (await this.#query('read changes', `SELECT * FROM ${PG_SCHEMA}.certificates WHERE state = 'issued' AND seq > $1 ORDER BY seq`, [seq])).map(recordFromRow);
  }

  async changeSeq(): Promise<number> {
    return Number((await this.#query('read the change sequence', `SELECT value FROM ${PG_SCHEMA}.counters WHERE name = 'change_seq'`))[0]!.value);
  }

  async nextCrlNumber(scope: CrlScope = 'issuing'): Promise<bigint> {
    return BigInt(await this.#tx('allocate a cRLNumber', (c) => this.#bump(c, scope === 'root' ? 'root_crl_number' : 'crl_number')));
  }

  async withoutWaiting<T>(work: () => Promise<T>): Promise<T> {
    this.#noWait++;
    try {
      return await work();
    } finally {
      this.#noWait--;
    }
  }

  /** LISTEN on a connection of its own (a pooled one would be handed to other queries); reconnects after a loss. */
  async subscribe(onChange: () => void): Promise<() => Promise<void>> {
    let client: Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = this.#newClient({ ...this.#config, statement_timeout: 0 });
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      c.on('notification', (n) => {
        if (n.channel === CHANGE_CHANNEL) onChange();
      });
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (stopped) return void (await c.end().catch(() => {}));
      client = c;
      // Changes committed while no one listened: look once (the poll would too).
      onChange();
    };
    const lost = (c: Client): void => {
      if (client !== c || stopped) return;
      client = undefined;
      c.end().catch(() => {});
      schedule();
    };
    const schedule = (): void => {
      retry = setTimeout(() => {
        retry = undefined;
        if (!stopped) connect().catch(() => schedule());
      }, PG_LISTEN_RETRY_MS);
      retry.unref();
    };
    await connect().catch((err: unknown) => {
      throw storeError('listen for changes', this.description, err);
    });
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

// Compile-time proof that PostgresStore satisfies the storage contract.
const _storeContract: (url: string) => Promise<CaStore> = (url) => PostgresStore.connect(url);
void _storeContract;
