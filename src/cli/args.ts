/**
 * Argument parsing for commands: node:util parseArgs in strict mode, with
 * errors turned into CW_ERR_USAGE so the top-level handler exits 2 with one
 * clear line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { MAX_SMALL_FILE_BYTES, readFileBoundedAsync } from '../util/bounded-read.ts';
import { escapeControl } from '../util/terminal.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function usageError(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.USAGE, message);
}

/** Levenshtein distance, for "did you mean" on a mistyped option. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known option closest to a mistyped one, if it is close enough to be a
 * typo: at most a third of the name differs (and at least two edits allowed),
 * so `--polcy` suggests `--policy` but `--frobnicate` suggests nothing.
 */
export function closestOption(typed: string, known: readonly string[]): string | undefined {
  const name = typed.replace(/^-+/, '').split('=')[0]!;
  let best: { option: string; distance: number } | undefined;
  for (const option of known) {
    const distance = editDistance(name, option);
    if (!best || distance < best.distance) best = { option, distance };
  }
  if (!best || best.distance > Math.max(2, Math.floor(best.option.length / 3))) return undefined;
  return best.option;
}

/** Node's parseArgs messages, reworded for a person, with the closest known option for a typo. */
function parseArgsUsageError(cause: unknown, options: OptionSpec): CertwardenError {
  const code = (cause as NodeJS.ErrnoException).code;
  const message = (cause as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '');
  const quoted = /'([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    const suggestion = closestOption(quoted, Object.keys(options));
    return usageError(`unknown option ${quoted}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    const option = quoted.split(' ')[0]!;
    return usageError(/argument missing/.test(message) ? `${option} needs a value` : `${option} takes no value`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) return usageError(`unexpected argument ${quoted}: this command takes only options`);
  return usageError(message);
}

export function parseCommandArgs(argv: readonly string[], options: OptionSpec, allowPositionals = false): ParsedArgs {
  const all: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: all, allowPositionals, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (cause) {
    throw parseArgsUsageError(cause, all);
  }
}

export function requireString(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw usageError(`--${name} is required`);
  return v;
}

export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** --at ISO-8601 → Date (default now). */
export function parseAt(args: ParsedArgs): Date {
  const at = optionalString(args, 'at');
  if (at === undefined) return new Date();
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw usageError(`--at must be an ISO-8601 time such as 2026-01-31T12:00:00Z (got "${at}")`);
  return d;
}

/** A non-negative integer option in seconds, returned in ms. */
export function parseSecondsMs(args: ParsedArgs, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usageError(`--${name} must be a whole number of seconds (got "${v}")`);
  return Number(v) * 1000;
}

export function parseFormat<T extends string>(args: ParsedArgs, allowed: readonly T[], fallback: T): T {
  const v = optionalString(args, 'format') ?? fallback;
  if (!allowed.includes(v as T)) throw usageError(`--format must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

/**
 * Cap for certificate, key and CSR files: a bundle of every CA a system
 * trusts is about 200 KiB of PEM, so this is far above any real one while
 * keeping `/dev/zero` or a mistyped multi-gigabyte path out of memory.
 */
export const MAX_CERTIFICATE_FILE_BYTES = MAX_SMALL_FILE_BYTES;

/**
 * Read a file the user named (a certificate, a CSR, an OCSP response, a CRL)
 * with a size cap, from regular files only (a device or FIFO is refused, not
 * read forever). `maxBytes` defaults to {@link MAX_CERTIFICATE_FILE_BYTES};
 * give the cap suited to the input for larger ones (CRLs).
 */
export async function readInputFile(path: string, what: string, maxBytes: number = MAX_CERTIFICATE_FILE_BYTES): Promise<Buffer> {
  try {
    return await readFileBoundedAsync(path, { maxBytes, what });
  } catch (err) {
    const errno = isCertwardenError(err) ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
    if (errno === 'ENOENT' || errno === 'EACCES' || errno === 'EISDIR') {
      const why = errno === 'ENOENT' ? 'no such file' : errno === 'EACCES' ? 'permission denied' : 'it is a folder';
      throw new CertwardenError(ErrorCode.IO, `cannot read ${what} ${escapeControl(path)}: ${why}`, { cause: err, details: { path } });
    }
    throw err;
  }
}
