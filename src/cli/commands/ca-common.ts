/**
 * What every `certwarden ca ...` command shares: the CA home (--dir or
 * CERTWARDEN_CA_DIR), the key passphrase (CERTWARDEN_CA_PASSPHRASE or
 * --passphrase-file; never a flag value, which would land in shell history
 * and `ps`), and writing issued certificates to PREFIX.* files.
 */
import { existsSync } from 'node:fs';
import { PostgresStore, isPostgresUrl, redactUrl } from '../../ca/postgres-store.ts';
import type { CaStore } from '../../ca/store.ts';
import { CertificateAuthority, looksLikeSerial, normaliseSerial, SERIAL_FORMS, type IssueResult } from '../../ca/ca.ts';
import { PASSPHRASE_ENV, resolvePassphrase } from './ca-passphrase.ts';
import { KEY_FILE_MODE, pathExists, PUBLIC_FILE_MODE, writeFileSafely } from '../../ca/safe-write.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../../errors.ts';
import { Certificate } from '../../x509/certificate.ts';
import { MAX_SMALL_FILE_BYTES, readFileBounded } from '../../util/bounded-read.ts';
import { escapeControl } from '../../util/terminal.ts';
import { optionalString, usageError, type OptionSpec, type ParsedArgs } from '../args.ts';
import type { Io } from '../output.ts';

export const CA_DIR_ENV = 'CERTWARDEN_CA_DIR';
export const CA_STORE_ENV = 'CERTWARDEN_CA_STORE';

export const CA_COMMON_OPTIONS: OptionSpec = {
  dir: { type: 'string' },
  store: { type: 'string' },
  'passphrase-file': { type: 'string' },
};

export const CA_COMMON_USAGE = `Common options:
  --dir DIR               CA home (default: $${CA_DIR_ENV}): keys and certificates, and ca.db
  --store URL             keep the CA in Postgres instead: records, certificates and the
                          encrypted keys (postgres://USER@HOST:PORT/DB; default: $${CA_STORE_ENV});
                          no --dir needed (one is read only for a CA initialised with its
                          keys in a directory)
  --passphrase-file FILE  CA key passphrase, 8 to 1024 bytes (default: $CERTWARDEN_CA_PASSPHRASE;
                          required; a file readable by group or others gets a warning)`;

export function caDir(args: ParsedArgs, io: Io): string {
  const dir = optionalString(args, 'dir') ?? io.env[CA_DIR_ENV];
  if (!dir) throw usageError(`--dir DIR is required (or set ${CA_DIR_ENV}, or keep the CA in Postgres with --store URL)`);
  return dir;
}

/** --dir or $CERTWARDEN_CA_DIR, or undefined: for a CA in a store, which needs no directory. */
export function optionalCaDir(args: ParsedArgs, io: Io): string | undefined {
  return optionalString(args, 'dir') ?? (io.env[CA_DIR_ENV] || undefined);
}

/** Warnings already printed in this process (commands resolve the passphrase more than once). */
const warned = new Set<string>();

export function passphrase(args: ParsedArgs, io: Io): string {
  return resolvePassphrase(io.env, optionalString(args, 'passphrase-file'), (message) => {
    if (warned.has(message)) return;
    warned.add(message);
    io.stderr.write(`certwarden: warning: ${message}\n`);
  });
}

/** The store named by --store or $CERTWARDEN_CA_STORE (a postgres:// URL), or undefined: the CA home's own SQLite file. */
export async function caStore(args: ParsedArgs, io: Io): Promise<CaStore | undefined> {
  const url = optionalString(args, 'store') ?? (io.env[CA_STORE_ENV] || undefined);
  if (url === undefined) return undefined;
  if (!isPostgresUrl(url)) throw usageError(`--store must be a postgres:// or postgresql:// URL (got "${escapeControl(redactUrl(url).slice(0, 200))}"); without it the CA home's ca.db is used`);
  return PostgresStore.connect(url);
}

export async function openCa(args: ParsedArgs, io: Io): Promise<CertificateAuthority> {
  const pass = passphrase(args, io);
  const store = await caStore(args, io);
  let dir: string | undefined;
  try {
    // With a store the directory is optional: the store keeps the CA (a CA initialised with its keys in a directory still names it).
    dir = store ? optionalCaDir(args, io) : caDir(args, io);
    return await CertificateAuthority.open(dir, pass, store ? { store } : {});
  } catch (err) {
    if (isCertwardenError(err) && !store && /keeps its records in another store/.test(err.message)) {
      throw new CertwardenError(ErrorCode.USAGE, `${err.message} (give --store URL or set ${CA_STORE_ENV})`, { cause: err });
    }
    throw withPassphraseHint(err);
  }
}

/** The library says "wrong passphrase"; the CLI says where the passphrase came from. */
export function withPassphraseHint(err: unknown): unknown {
  if (isCertwardenError(err) && err.details.reason === 'passphrase-wrong') {
    return new CertwardenError(ErrorCode.PASSPHRASE, `${err.message} (check ${PASSPHRASE_ENV} or --passphrase-file)`, { cause: err, details: err.details });
  }
  return err;
}

/** A user-named input file of the CA commands (CSR, certificate, imported CA): bounded, regular files only. */
export function readCaInput(path: string, what: string): Buffer {
  return readFileBounded(path, { what, maxBytes: MAX_SMALL_FILE_BYTES });
}

/**
 * A serial (see SERIAL_FORMS; an argument that reads as one is a serial, so
 * name a file "./deadbeef" to mean the file) or the path of a certificate file.
 */
export async function serialOrCertificate(arg: string | undefined): Promise<string | Certificate> {
  if (arg === undefined) throw usageError(`a SERIAL or certificate FILE argument is required (SERIAL: ${SERIAL_FORMS})`);
  if (looksLikeSerial(arg)) return normaliseSerial(arg);
  if (!existsSync(arg)) throw usageError(`"${escapeControl(arg.slice(0, 200))}" is neither a serial number (${SERIAL_FORMS}) nor an existing certificate file`);
  return Certificate.parse(readCaInput(arg, 'certificate'));
}

export function parseDays(args: ParsedArgs): number | undefined {
  const v = optionalString(args, 'days');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usageError(`--days must be a whole number (got "${v}")`);
  return Number(v);
}

/** The files `writeIssued` writes for PREFIX (the key only when the CA generated it). */
export function issuedFiles(prefix: string, withKey: boolean): string[] {
  return [`${prefix}.pem`, `${prefix}.chain.pem`, ...(withKey ? [`${prefix}.key`] : [])];
}

/**
 * Refuse before issuing when an output file exists (and --force was not
 * given): nothing is signed for files that would then not be written.
 */
export function assertOutputsFree(prefix: string, withKey: boolean, force: boolean): void {
  if (force) return;
  const taken = issuedFiles(prefix, withKey).filter(pathExists);
  if (taken.length > 0) throw new CertwardenError(ErrorCode.IO, `${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''}; refusing to overwrite (use --force to replace)`, { details: { paths: taken } });
}

/**
 * PREFIX.pem (certificate), PREFIX.chain.pem (certificate + issuing CA: what
 * TLS servers send), PREFIX.key (0600 from creation, when generated). Each is
 * written atomically and never through a symlink (safe-write.ts); an existing
 * file is replaced only with `force`.
 */
export function writeIssued(prefix: string, r: IssueResult, force = false): string[] {
  const [pem, chain, key] = issuedFiles(prefix, r.privateKey !== undefined) as [string, string, string | undefined];
  const overwrite = force;
  try {
    writeFileSafely(pem, r.certificate.toPem(), { mode: PUBLIC_FILE_MODE, overwrite });
    writeFileSafely(chain, [r.certificate, ...r.chain.slice(0, -1)].map((c) => c.toPem()).join(''), { mode: PUBLIC_FILE_MODE, overwrite });
    if (r.privateKey && key) writeFileSafely(key, r.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: KEY_FILE_MODE, overwrite });
  } catch (err) {
    // The issuance is committed (it was checked before signing that the files were free; something appeared since).
    const serial = r.certificate.serialHex;
    const advice = r.privateKey ? `its key is lost: revoke it (certwarden ca revoke ${serial} --reason cessationOfOperation) and issue again` : `renew it to get the files (certwarden ca renew ${serial} --out PREFIX)`;
    throw new CertwardenError(ErrorCode.IO, `certificate ${serial} was issued, but ${(err as Error).message}; ${advice}`, { cause: err, details: { serial } });
  }
  return key ? [pem, chain, key] : [pem, chain];
}

export function describeIssued(r: IssueResult, files: string[]): Record<string, unknown> {
  return {
    serial: r.certificate.serialHex,
    subject: r.certificate.subject,
    sans: r.record.sans,
    notBefore: r.certificate.notBefore,
    notAfter: r.certificate.notAfter,
    mustStaple: r.certificate.mustStaple,
    files,
  };
}
