/**
 * Where a CA keeps its named artefacts: the CA certificates (`chain.pem`,
 * `root.pem`, `issuing.pem`), its keys encrypted at rest (encrypted-key-store.ts),
 * the delegated OCSP responder certificate and, with SQLite, the root's CRL.
 * A directory (the CA home, {@link DirFiles}) or the Postgres store (its
 * `files` table, postgres-store.ts), so `ca serve` on another machine needs
 * nothing but the store URL and the passphrase.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { PRIVATE_FILE_MODE } from './keys.ts';
import { PUBLIC_FILE_MODE, writeFileSafely } from './safe-write.ts';

export interface CaFileWrite {
  /** A private key (encrypted or not): 0600 on disk. */
  secret?: boolean;
  /** Replace an existing artefact; default: refuse (CW_ERR_IO). */
  overwrite?: boolean;
}

export interface CaFiles {
  /** Where the artefacts are, for messages (a directory, or a store URL without its password). */
  readonly description: string;
  /** The artefact `name`, or undefined when there is none. A name that exists but cannot be read is an error. */
  read(name: string): Promise<Buffer | undefined>;
  /** Store `data` as `name`, whole or not at all. */
  write(name: string, data: string | Uint8Array, o?: CaFileWrite): Promise<void>;
}

/** The CA home directory: one file per artefact, written atomically and never through a symlink (safe-write.ts). */
export class DirFiles implements CaFiles {
  readonly dir: string;
  readonly description: string;

  constructor(dir: string) {
    this.dir = dir;
    this.description = dir;
  }

  async read(name: string): Promise<Buffer | undefined> {
    const path = join(this.dir, name);
    if (!existsSync(path)) return undefined;
    return readFileBounded(path, { what: `the CA file ${name}` });
  }

  async write(name: string, data: string | Uint8Array, o: CaFileWrite = {}): Promise<void> {
    writeFileSafely(join(this.dir, name), data, { mode: o.secret ? PRIVATE_FILE_MODE : PUBLIC_FILE_MODE, overwrite: o.overwrite === true });
  }
}

/** Read `name`, which must exist. */
export async function readRequired(files: CaFiles, name: string, what: string): Promise<Buffer> {
  const data = await files.read(name);
  if (data === undefined) throw new CertwardenError(ErrorCode.IO, `${files.description} holds no ${what} (${name})`, { details: { name } });
  return data;
}

// Compile-time proof that DirFiles satisfies the contract.
const _filesContract: (dir: string) => CaFiles = (dir) => new DirFiles(dir);
void _filesContract;
