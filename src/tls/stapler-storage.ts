/**
 * Where a stapler keeps OCSP responses across restarts (certmagic's Storage
 * idea, reduced to what stapling needs). Contents are untrusted on load: the
 * stapler re-verifies every stored response before it staples it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';

export interface StapleStorage {
  /** The stored response for `name`, or undefined. */
  load(name: string): Promise<Uint8Array | undefined>;
  store(name: string, der: Uint8Array): Promise<void>;
}

/** Names are certificate fingerprints (hex): nothing a peer controls reaches a path. */
const SAFE_NAME = /^[0-9a-f]{64}$/;

function checkName(name: string): void {
  if (!SAFE_NAME.test(name)) throw new CertwardenError(ErrorCode.USAGE, `staple storage name must be a SHA-256 hex fingerprint (got ${JSON.stringify(name)})`);
}

/** One file per certificate: `<dir>/<sha256 of the certificate>.ocsp`, written atomically (temp file + rename). */
export class FileStapleStorage implements StapleStorage {
  readonly dir: string;

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir === '') throw new CertwardenError(ErrorCode.USAGE, 'FileStapleStorage needs a folder path');
    this.dir = dir;
  }

  async load(name: string): Promise<Uint8Array | undefined> {
    checkName(name);
    try {
      return await readFile(join(this.dir, `${name}.ocsp`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CertwardenError(ErrorCode.IO, `cannot read stored staple ${name}: ${(err as Error).message}`, { cause: err });
    }
  }

  async store(name: string, der: Uint8Array): Promise<void> {
    checkName(name);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const path = join(this.dir, `${name}.ocsp`);
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, der, { mode: 0o600 });
      await rename(tmp, path);
    } catch (err) {
      throw new CertwardenError(ErrorCode.IO, `cannot store staple ${name} in ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** In-memory storage (tests, or processes that refetch at start). */
export class MemoryStapleStorage implements StapleStorage {
  readonly #items = new Map<string, Uint8Array>();

  async load(name: string): Promise<Uint8Array | undefined> {
    return this.#items.get(name);
  }

  async store(name: string, der: Uint8Array): Promise<void> {
    this.#items.set(name, Uint8Array.from(der));
  }
}
