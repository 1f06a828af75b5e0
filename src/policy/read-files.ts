/**
 * Reading the files a policy names (the policy itself, trust.cas and
 * client-cas files) with a size cap and from regular files only, through
 * util/bounded-read.ts: `--policy /dev/zero` must not grow without end, and a
 * FIFO must not block the loader. Failures come back as a short reason for the
 * loader's CW_ERR_POLICY message, which names the file and its line.
 */
import { isCertwardenError } from '../errors.ts';
import { MAX_SMALL_FILE_BYTES, readFileBounded } from '../util/bounded-read.ts';

/** A policy is a few KiB; 4 MiB is far above any real one (and its problems stay cheap to report). */
export const MAX_POLICY_FILE_BYTES = MAX_SMALL_FILE_BYTES;
/** A CA bundle: the whole Mozilla root store is about 250 KiB in PEM; 16 MiB leaves room for large private bundles. */
export const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

export type ReadOutcome = { ok: true; data: Buffer } | { ok: false; why: string };

/** Why a bounded read failed, in words for a policy message ("no such file", "it is larger than N bytes"). */
function reasonOf(cause: unknown, maxBytes: number): string {
  const errno = (isCertwardenError(cause) ? (cause.cause as NodeJS.ErrnoException | undefined)?.code : (cause as NodeJS.ErrnoException)?.code) ?? undefined;
  if (errno === 'ENOENT') return 'no such file';
  if (errno === 'EACCES' || errno === 'EPERM') return 'permission denied';
  if (errno) return errno;
  const details = isCertwardenError(cause) ? (cause.details as { maxBytes?: number } | undefined) : undefined;
  if (details?.maxBytes !== undefined) return `it is larger than ${maxBytes} bytes`;
  // readFileBounded's remaining refusal: the path opened but is not a regular file.
  if (isCertwardenError(cause)) return 'it is not a regular file (a folder, device or FIFO)';
  return cause instanceof Error ? cause.message : String(cause);
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
