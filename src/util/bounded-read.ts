/**
 * Reading files a user named, with a size cap and only from regular files.
 *
 * `readFileSync('/dev/zero')` grows without end, and a FIFO or a character
 * device can block forever; a policy, a trust store, a passphrase file or a CSR
 * is never any of those. Every read of a user-named file goes through here, so
 * the cap is checked while reading (never after the whole file is in memory)
 * and anything that is not a regular file is refused with a clear message.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { CertwardenError, ErrorCode } from '../errors.ts';

/** The default cap for small inputs (policies, PEM bundles, CSRs, keys): far above any real one. */
export const MAX_SMALL_FILE_BYTES = 4 * 1024 * 1024;

export interface BoundedReadOptions {
  /** Largest accepted size in bytes (default {@link MAX_SMALL_FILE_BYTES}). */
  maxBytes?: number;
  /** What the file is, for messages ("policy file", "passphrase file"). */
  what?: string;
  /** Error code for a missing, unreadable, non-regular or oversized file (default CW_ERR_IO). */
  code?: ErrorCode;
}

/**
 * Why a bounded read was refused, in `details.reason`, so callers that word
 * their own message (the policy loader) need not infer it from the error's shape.
 */
export type BoundedReadFailure = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

/** The `details` of every error {@link readFileBounded} and {@link readFileBoundedAsync} throw. */
export type BoundedReadErrorDetails = {
  path: string;
  reason: BoundedReadFailure;
  /** The cap, when `reason` is `too-large`. */
  maxBytes?: number;
  /** The errno code (`ENOENT`, `EACCES`...), when `reason` is `missing` or `unreadable` and the system gave one. */
  errno?: string;
};

function tooLarge(path: string, what: string, maxBytes: number, code: ErrorCode): CertwardenError {
  const details: BoundedReadErrorDetails = { path, reason: 'too-large', maxBytes };
  return new CertwardenError(code, `${what} ${path} is larger than ${maxBytes} bytes; refusing to read it`, { details });
}

function notRegular(path: string, what: string, code: ErrorCode): CertwardenError {
  const details: BoundedReadErrorDetails = { path, reason: 'not-regular' };
  return new CertwardenError(code, `${what} ${path} is not a regular file (a device, FIFO or directory); name a file`, { details });
}

function cannotOpen(path: string, what: string, code: ErrorCode, cause: unknown): CertwardenError {
  const errno = (cause as NodeJS.ErrnoException)?.code;
  const reason = errno ?? (cause instanceof Error ? cause.message : String(cause));
  const details: BoundedReadErrorDetails = { path, reason: errno === 'ENOENT' ? 'missing' : 'unreadable' };
  if (errno !== undefined) details.errno = errno;
  return new CertwardenError(code, `cannot read ${what} ${path}: ${reason}`, { cause, details });
}

/**
 * Read a regular file of at most `maxBytes`. O_NONBLOCK on open so a FIFO
 * cannot block before fstat tells us what it is.
 */
export function readFileBounded(path: string, options: BoundedReadOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? MAX_SMALL_FILE_BYTES;
  const what = options.what ?? 'file';
  const code = options.code ?? ErrorCode.IO;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw cannotOpen(path, what, code, cause);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(path, what, code);
    if (stat.size > maxBytes) throw tooLarge(path, what, maxBytes, code);
    // The size can change between fstat and read (a growing file): read at most
    // maxBytes + 1 and refuse if the extra byte arrives.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw tooLarge(path, what, maxBytes, code);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** {@link readFileBounded} as UTF-8 text. */
export function readTextFileBounded(path: string, options: BoundedReadOptions = {}): string {
  return readFileBounded(path, options).toString('utf8');
}

/** The asynchronous form, for paths on a hot or concurrent path (file:// distribution points). */
export async function readFileBoundedAsync(path: string, options: BoundedReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? MAX_SMALL_FILE_BYTES;
  const what = options.what ?? 'file';
  const code = options.code ?? ErrorCode.IO;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw cannotOpen(path, what, code, cause);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(path, what, code);
    if (stat.size > maxBytes) throw tooLarge(path, what, maxBytes, code);
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(path, what, maxBytes, code);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
