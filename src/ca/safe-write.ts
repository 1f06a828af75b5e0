/**
 * Writing files the CA produces (issued certificates, their private keys,
 * CRLs) into places a user named, without trusting what is already there.
 *
 * Every file is first written whole to a fresh temporary file beside its
 * target, created with O_CREAT|O_EXCL|O_NOFOLLOW and its final mode (0600 for
 * a private key), so no planted file or symlink is ever opened, truncated or
 * chmod'ed, and no reader ever sees a half-written key. The temporary file is
 * fsynced and then put in place:
 *  - without `overwrite`, with link(2), which fails if the target exists in
 *    any form (file, directory, dangling symlink) and never follows a symlink;
 *  - with `overwrite`, with rename(2), which replaces the directory entry (a
 *    symlink planted there is replaced, its target left untouched).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';

/** Owner read/write only: private keys. */
export const KEY_FILE_MODE = 0o600;
/** Certificates and CRLs are public. */
export const PUBLIC_FILE_MODE = 0o644;

export interface SafeWriteOptions {
  mode: number;
  /** Replace an existing file (--force); default: refuse. */
  overwrite?: boolean;
}

function ioError(path: string, cause: unknown): CertwardenError {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return new CertwardenError(ErrorCode.IO, `${path} already exists; refusing to overwrite it (replacing needs the force option)`, { cause, details: { path } });
  return new CertwardenError(ErrorCode.IO, `cannot write ${path}: ${code ?? (cause as Error).message}`, { cause, details: { path } });
}

/** Whether `name` is one of our temporary files (left behind only by a process that died mid-write). */
export function isSafeWriteTemp(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/** Whether anything (a file, a directory, a symlink, dangling or not) is at `path`. */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Write `data` to `path` atomically, created with `mode` from the start, never following a symlink. */
export function writeFileSafely(path: string, data: string | Uint8Array, o: SafeWriteOptions): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, o.mode);
  } catch (cause) {
    throw ioError(path, cause);
  }
  let placed = false;
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    if (o.overwrite) renameSync(tmp, path);
    else linkSync(tmp, path);
    placed = true;
  } catch (cause) {
    throw ioError(path, cause);
  } finally {
    if (fd >= 0) closeSync(fd);
    if (!placed || !o.overwrite) {
      try {
        unlinkSync(tmp);
      } catch {
        // already renamed, or never created
      }
    }
  }
}
