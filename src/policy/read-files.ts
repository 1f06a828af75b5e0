/**
 * Reading the files a policy names (the policy itself, trust.cas and
 * client-cas files) with a size cap and from regular files only, through
 * util/bounded-read.ts: `--policy /dev/zero` must not grow without end, and a
 * FIFO must not block the loader. Failures come back as a short reason for the
 * loader's CW_ERR_POLICY message, which names the file and its line.
 */
import { isCertwardenError } from '../errors.ts';
import { MAX_SMALL_FILE_BYTES, readFileBounded, type BoundedReadErrorDetails } from '../util/bounded-read.ts';

/** A policy is a few KiB; 4 MiB is far above any real one (and its problems stay cheap to report). */
export const MAX_POLICY_FILE_BYTES = MAX_SMALL_FILE_BYTES;
/** A CA bundle: the whole Mozilla root store is about 250 KiB in PEM; 16 MiB leaves room for large private bundles. */
export const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

export type ReadOutcome = { ok: true; data: Buffer } | { ok: false; why: string };

/** Why a bounded read failed, in words for a policy message ("no such file", "it is larger than N bytes"). */
function reasonOf(cause: unknown, maxBytes: number): string {
  const details = isCertwardenError(cause) ? (cause.details as Partial<BoundedReadErrorDetails>) : undefined;
  switch (details?.reason) {
    case 'missing':
      return 'no such file';
    case 'too-large':
      return `it is larger than ${maxBytes} bytes`;
    case 'not-regular':
      return 'it is not a regular file (a folder, device or FIFO)';
    case 'unreadable':
      return errnoWords(details.errno) ?? 'it could not be opened';
    default: {
      // A failure while reading (readSync's own errno error) carries no details.
      const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
      return errnoWords(errno) ?? (cause instanceof Error ? cause.message : String(cause));
    }
  }
}

function errnoWords(errno: string | undefined): string | undefined {
  if (errno === 'EACCES' || errno === 'EPERM') return 'permission denied';
  return errno;
}

function readCapped(path: string, maxBytes: number, what: string): ReadOutcome {
  try {
    return { ok: true, data: readFileBounded(path, { maxBytes, what }) };
  } catch (cause) {
    return { ok: false, why: reasonOf(cause, maxBytes) };
  }
}

/** The policy file, capped at {@link MAX_POLICY_FILE_BYTES}. */
export function readPolicyFile(path: string): ReadOutcome {
  return readCapped(path, MAX_POLICY_FILE_BYTES, 'policy file');
}

/** A trust.cas / client-cas file, capped at {@link MAX_CA_FILE_BYTES}. */
export function readCaFile(path: string): ReadOutcome {
  return readCapped(path, MAX_CA_FILE_BYTES, 'CA file');
}
