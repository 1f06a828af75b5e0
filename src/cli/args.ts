/**
 * Argument parsing for commands: node:util parseArgs in strict mode, with
 * errors turned into CW_ERR_USAGE so the top-level handler exits 2 with one
 * clear line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFile } from 'node:fs/promises';
import { CertwardenError, ErrorCode } from '../errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function usageError(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.USAGE, message);
}

export function parseCommandArgs(argv: readonly string[], options: OptionSpec, allowPositionals = false): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (cause) {
    throw usageError((cause as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
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

export async function readInputFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new CertwardenError(ErrorCode.IO, `cannot read ${what} ${path}: ${why}`, { cause });
  }
}
