/**
 * `certwarden watch silence add|list|expire`: manage a running service's
 * silences through its API (POST/DELETE need the admin token: --token-file,
 * else the configuration's admin-token-file). The service validates; this
 * only turns flags into the request and the answer into lines.
 */
import { hostname, userInfo } from 'node:os';
import { optionalString, usageError, type ParsedArgs } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CertwardenError, ErrorCode, type ErrorCode as Code } from '../../errors.ts';
import { escapeControl } from '../../util/terminal.ts';
import { readFileBounded } from '../../util/bounded-read.ts';
import { parseDuration } from '../../policy/values.ts';
import { MAX_SECRET_BYTES } from '../../watch/alerts.ts';
import type { Silence } from '../../watch/silences.ts';

/** The API answers from its store at once: 10 s means the service is not there. */
export const SILENCE_API_TIMEOUT_MS = 10_000;
/** A list of at most a few thousand silences of under 2 KiB each. */
export const MAX_SILENCE_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface ApiBase {
  url: string;
  tokenFile?: string;
}

type SilenceView = Silence & { state: string };

const CODES = new Set<string>([ErrorCode.WATCH_SILENCE, ErrorCode.WATCH_NOT_FOUND, ErrorCode.STATE]);

async function call(base: ApiBase, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (base.tokenFile) headers.authorization = `Bearer ${readFileBounded(base.tokenFile, { maxBytes: MAX_SECRET_BYTES, what: 'the token file' }).toString('utf8').trim()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), redirect: 'manual', signal: AbortSignal.timeout(SILENCE_API_TIMEOUT_MS) });
  } catch (err) {
    throw new CertwardenError(ErrorCode.FETCH, `cannot reach the watch service at ${base.url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (text.length > MAX_SILENCE_RESPONSE_BYTES) throw new CertwardenError(ErrorCode.FETCH_TOO_LARGE, `the watch service's answer is larger than ${MAX_SILENCE_RESPONSE_BYTES} bytes`);
  let parsed: { error?: string; code?: string; field?: string } & Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new CertwardenError(ErrorCode.FETCH, `the watch service at ${base.url} answered HTTP ${res.status} with something that is not JSON`);
  }
  if (res.status === 401) throw new CertwardenError(ErrorCode.USAGE, `the watch service at ${base.url} wants ${method === 'GET' ? 'a bearer token' : 'the admin token'}: give --token-file (or --config with ${method === 'GET' ? 'token-file' : 'admin-token-file'})`);
  if (res.status === 403) throw new CertwardenError(ErrorCode.USAGE, `the watch service at ${base.url} refuses writes: it has no admin-token-file in its configuration`);
  if (res.status >= 400 && parsed.code && CODES.has(parsed.code)) throw new CertwardenError(parsed.code as Code, escapeControl(String(parsed.error ?? `HTTP ${res.status}`)), { details: parsed.field ? { field: parsed.field } : {} });
  if (res.status !== 200 && res.status !== 201) throw new CertwardenError(ErrorCode.FETCH, `the watch service at ${base.url} answered HTTP ${res.status}`);
  return parsed;
}

function creator(given: string | undefined): string {
  if (given !== undefined) return given;
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return 'unknown';
  }
}

function line(s: SilenceView): string {
  const m = s.matchers;
  const what = `${m.target}${m.events.length > 0 ? ` [${m.events.join(', ')}]` : ' [all events]'}${m.requirement ? ` ${m.requirement}` : ''}`;
  // Every field comes from the server at --url: the whole line is escaped.
  return `${escapeControl(`${s.id}  ${String(s.state).padEnd(7)} ${what}  ${s.startsAt} .. ${s.endsAt}  by ${s.createdBy}: ${s.comment}`)}\n`;
}

/** `watch silence add|list|expire`; `args` holds the watch command's parsed options. */
export async function runSilence(rest: readonly string[], args: ParsedArgs, format: 'text' | 'json', base: ApiBase, io: Io): Promise<ExitCode> {
  const [verb, ...more] = rest;
  if (verb === 'add') {
    if (more.length > 0) throw usageError('watch silence add takes options only (--target, --event, --for, --comment)');
    const target = optionalString(args, 'target');
    const forText = optionalString(args, 'for');
    const comment = optionalString(args, 'comment');
    if (target === undefined || forText === undefined || comment === undefined) throw usageError('watch silence add needs --target GLOB, --for DURATION (e.g. 2h) and --comment TEXT');
    const d = parseDuration(forText);
    if (!d.ok || d.value <= 0) throw usageError(`--for must be a duration such as 30m, 2h or 1d (got "${escapeControl(forText)}")`);
    const startText = optionalString(args, 'start');
    const start = startText === undefined ? Date.now() : Date.parse(startText);
    if (Number.isNaN(start)) throw usageError(`--start must be an ISO 8601 time (got "${escapeControl(startText!)}")`);
    const events = (args.values.event as string[] | undefined) ?? [];
    const requirement = optionalString(args, 'requirement');
    const body = {
      target,
      events,
      ...(requirement !== undefined ? { requirement } : {}),
      ...(startText !== undefined ? { startsAt: new Date(start).toISOString() } : {}),
      endsAt: new Date(start + d.value).toISOString(),
      createdBy: creator(optionalString(args, 'creator')),
      comment,
    };
    const r = (await call(base, 'POST', '/api/silences', body)) as { silence: SilenceView };
    if (format === 'json') writeJson(io, r);
    else io.stdout.write(`silence ${escapeControl(String(r.silence.id))} created\n${line(r.silence)}`);
    return ExitCode.OK;
  }
  if (verb === 'list') {
    if (more.length > 0) throw usageError('watch silence list takes no arguments');
    const r = (await call(base, 'GET', '/api/silences')) as { silences: SilenceView[] };
    if (format === 'json') writeJson(io, r);
    else for (const s of r.silences) io.stdout.write(line(s));
    return ExitCode.OK;
  }
  if (verb === 'expire') {
    if (more.length !== 1 || !/^[0-9a-f]{1,64}$/.test(more[0]!)) throw usageError('watch silence expire takes one silence ID (as `watch silence list` shows it)');
    const r = (await call(base, 'DELETE', `/api/silences/${more[0]}`)) as { silence: SilenceView };
    if (format === 'json') writeJson(io, r);
    else io.stdout.write(`silence ${escapeControl(String(r.silence.id))} expired\n${line(r.silence)}`);
    return ExitCode.OK;
  }
  throw usageError(`unknown watch silence command "${escapeControl(verb ?? '')}" (add, list, expire)`);
}
