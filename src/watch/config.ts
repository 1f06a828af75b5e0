/**
 * Loading the watch configuration: read bounded, parse YAML (JSON is YAML),
 * validate with the published JSON Schema, then check what a schema cannot
 * (one of target/file/ca per entry, targets that parse, a token off loopback),
 * and normalise. Every problem is a CW_ERR_WATCH_CONFIG error whose message
 * starts with `file:line:column:` and says what to fix.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { readTextFileBounded } from '../util/bounded-read.ts';
import { parseDuration } from '../policy/values.ts';
import { parseTarget, type ScanTarget } from '../scan/target.ts';
import type { StarttlsProtocol } from '../scan/starttls/index.ts';
import { WATCH_CONFIG_SCHEMA } from './config-schema.ts';
import { isPostgresUrl } from '../ca/postgres-store.ts';
import type { EmailSettings } from './email.ts';
import { redactUrl } from '../util/redact-url.ts';

/** A watch configuration names targets and files: 1 MiB is thousands of lines. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
export const DEFAULT_EVERY_MS = 5 * 60_000;
/** Spread each run by up to ±10% of its interval, so a fleet added at once does not scan in lockstep. */
export const DEFAULT_JITTER = 0.1;
/** Targets scanned at once: each holds up to 4 connections (scan's per-endpoint cap); 20 keeps a watch host light. */
export const DEFAULT_CONCURRENCY = 20;
export const DEFAULT_LISTEN = '127.0.0.1:9464';
export const DEFAULT_STORE = './watch-data';
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;
/** A condition that lasts is re-alerted daily: often enough not to be forgotten, rarely enough not to be muted. */
export const DEFAULT_REPEAT_MS = 86_400_000;
/**
 * The shortest interval accepted: a full scan (handshakes, staple retries,
 * probes, OCSP/CRL) takes seconds, and a responder should not be polled by
 * every watcher more than a few times a minute.
 */
export const MIN_EVERY_MS = 10_000;
/** Where the store is named when the configuration has no `store:` (a folder or a postgres:// URL; keeps a password out of the file). */
export const STORE_ENV = 'CERTWARDEN_WATCH_STORE';
/**
 * With a Postgres store, a job held by a worker that died is handed to
 * another after this long (pg-boss expiry: there is no heartbeat, so it must
 * outlast the longest scan, 30 s per target by default, DEFAULT_TARGET_TIMEOUT_MS;
 * a scan that outlasts it is repeated by another worker and still recorded once).
 * 2 minutes: a dead worker's scan is redone well within the default 5-minute cycle.
 */
export const DEFAULT_JOB_EXPIRY_MS = 120_000;
/** pg-boss counts expiry in whole seconds, at least one. */
export const MIN_JOB_EXPIRY_MS = 1_000;

export interface WatchTarget {
  /** The string given as `target` (or the line of a targets file): the label everywhere. */
  label: string;
  scan: ScanTarget;
  everyMs: number;
  zone?: string;
}

export interface WebhookChannel {
  name: string;
  url: string;
  format: 'certwarden' | 'slack';
  /** Absolute path of the HMAC key file (read at start, never logged). */
  secretFile?: string;
}

export interface EmailChannel {
  name: string;
  email: EmailSettings;
}

export type AlertChannel = WebhookChannel | EmailChannel;

export interface WatchConfig {
  file: string;
  policyFile: string;
  everyMs: number;
  jitter: number;
  concurrency: number;
  listen: { host: string; port: number };
  tokenFile?: string;
  /** Bearer token file for writes (silences); without it the API is read-only. */
  adminTokenFile?: string;
  /** The SQLite folder (unused when `storeUrl` is set). */
  storeDir: string;
  /** A postgres:// URL: history in Postgres, scans as pg-boss jobs for `watch worker`s. Never logged with its password (redactStoreUrl). */
  storeUrl?: string;
  /** pg-boss job expiry (Postgres store only). */
  jobExpiryMs: number;
  retentionMs: number;
  repeatMs: number;
  targets: WatchTarget[];
  /** CA homes whose inventories are compared with what targets serve. */
  caHomes: string[];
  alerts: AlertChannel[];
}

type Path = Array<string | number>;

function locate(doc: Document, lines: LineCounter, path: Path): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return { line: 1, col: 1 };
}

function pathOf(e: ErrorObject): Path {
  return e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `targets[1].every`: how a person names a place in the file. */
function dotted(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function schemaMessage(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the configuration' : dotted(pathOf(e));
  if (e.keyword === 'additionalProperties') return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}" in ${at}`;
  if (e.keyword === 'required') return `${at} is missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'enum') return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'pattern' && /every|retention|repeat/.test(at)) return `${at} must be a duration such as "30s", "5m", "2h", "1d"`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Load and check a watch configuration file. Throws CW_ERR_WATCH_CONFIG naming file:line:column. */
export function loadWatchConfig(file: string): WatchConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readTextFileBounded(path, { maxBytes: MAX_CONFIG_BYTES, what: 'the watch configuration' });
  } catch (cause) {
    throw new CertwardenError(ErrorCode.WATCH_CONFIG, `${file}: ${(cause as Error).message}`, { cause });
  }
  return parseWatchConfig(text, path);
}

/** Parse configuration text; `file` anchors relative paths and names the file in errors. */
export function parseWatchConfig(text: string, file: string): WatchConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const fail = (message: string, path: Path, extra?: { line: number; col: number }): never => {
    const pos = extra ?? locate(doc, lines, path);
    throw new CertwardenError(ErrorCode.WATCH_CONFIG, `${file}:${pos.line}:${pos.col}: ${message}`, { details: { file, line: pos.line, column: pos.col, path: dotted(path) } });
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    fail(`YAML syntax: ${e.message.split('\n')[0]}`, [], { line: pos.line, col: pos.col });
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(WATCH_CONFIG_SCHEMA);
  if (!validator(data)) {
    const e = validator.errors![0]!;
    const path = pathOf(e);
    // An unknown key is best shown at the key itself.
    if (e.keyword === 'additionalProperties') path.push((e.params as { additionalProperty: string }).additionalProperty);
    fail(schemaMessage(e), path);
  }
  const raw = data as Record<string, unknown>;
  const base = dirname(file);
  const rel = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const duration = (value: unknown, path: Path, fallback: number): number => {
    if (value === undefined) return fallback;
    const d = parseDuration(value);
    if (!d.ok) return fail(`${dotted(path)} ${d.problem}`, path);
    return d.value;
  };
  const interval = (value: unknown, path: Path, fallback: number): number => {
    const ms = duration(value, path, fallback);
    if (ms < MIN_EVERY_MS) fail(`${dotted(path)} must be at least ${MIN_EVERY_MS / 1000}s (a full scan takes seconds)`, path);
    return ms;
  };
  const everyMs = interval(raw.every, ['every'], DEFAULT_EVERY_MS);
  const listen = parseListen(String(raw.listen ?? DEFAULT_LISTEN), (m) => fail(m, ['listen']));
  const tokenFile = typeof raw['token-file'] === 'string' ? rel(raw['token-file']) : undefined;
  if (!isLoopback(listen.host) && !tokenFile) fail(`listen ${listen.host}:${listen.port} is not a loopback address: set token-file (a bearer token is then required), or listen on 127.0.0.1`, ['listen']);

  const targets: WatchTarget[] = [];
  const caHomes: string[] = [];
  const files: Array<{ file: string; path: Path; everyMs: number }> = [];
  (raw.targets as unknown[]).forEach((entry, i) => {
    const path: Path = ['targets', i];
    if (typeof entry === 'string') {
      targets.push({ label: entry, scan: parseOrFail(entry, undefined, path, fail), everyMs });
      return;
    }
    const t = entry as Record<string, string | undefined>;
    const kinds = (['target', 'file', 'ca'] as const).filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) fail(`targets[${i}] needs exactly one of target, file or ca (got ${kinds.length === 0 ? 'none' : kinds.join(' and ')})`, path);
    const own = interval(t.every, [...path, 'every'], everyMs);
    if (t.ca !== undefined) {
      if (t.resolve || t.starttls || t.every || t.zone) fail(`targets[${i}]: a ca entry takes no resolve, starttls, every or zone`, path);
      caHomes.push(rel(t.ca));
      return;
    }
    if (t.file !== undefined) {
      if (t.resolve) fail(`targets[${i}]: resolve applies to one target, not a file`, path);
      files.push({ file: rel(t.file), path, everyMs: own });
      return;
    }
    const scan = parseOrFail(t.target!, t.starttls as StarttlsProtocol | undefined, path, fail);
    if (t.resolve !== undefined) {
      if (!isIP(t.resolve)) fail(`targets[${i}].resolve must be an IP address (got "${t.resolve}")`, [...path, 'resolve']);
      scan.address = t.resolve;
    }
    targets.push({ label: t.target!, scan, everyMs: own, ...(t.zone ? { zone: t.zone } : {}) });
  });
  for (const f of files) {
    let body: string;
    try {
      body = readTextFileBounded(f.file, { maxBytes: MAX_CONFIG_BYTES * 4, what: 'a targets file' });
    } catch (cause) {
      return fail(`${(cause as Error).message}`, f.path);
    }
    body.split(/\r?\n/).forEach((line, n) => {
      const text = line.replace(/#.*$/, '').trim();
      if (text === '') return;
      let scan: ScanTarget;
      try {
        scan = parseTarget(text);
      } catch (cause) {
        return fail(`${f.file}:${n + 1}: ${(cause as Error).message}`, f.path);
      }
      targets.push({ label: text, scan: { ...scan, origin: { file: f.file, line: n + 1 } }, everyMs: f.everyMs });
    });
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.label)) fail(`target "${t.label}" is listed twice: a label names one target`, ['targets']);
    seen.add(t.label);
  }
  const jobExpiry = duration(raw['job-expiry'], ['job-expiry'], DEFAULT_JOB_EXPIRY_MS);
  if (jobExpiry < MIN_JOB_EXPIRY_MS) fail(`job-expiry must be at least ${MIN_JOB_EXPIRY_MS / 1000}s`, ['job-expiry']);
  const alerts = ((raw.alerts as Array<Record<string, unknown>> | undefined) ?? []).map((a, i): AlertChannel => {
    const path: Path = ['alerts', i];
    if ((a.webhook === undefined) === (a.email === undefined)) fail(`alerts[${i}] needs exactly one of webhook or email`, path);
    if (a.email !== undefined) {
      if (a.format !== undefined || a['secret-file'] !== undefined) fail(`alerts[${i}]: format and secret-file apply to a webhook, not to email`, path);
      return { name: (a.name as string | undefined) ?? (i === 0 ? 'email' : `email-${i + 1}`), email: emailSettings(a.email as Record<string, unknown>, [...path, 'email'], rel, fail) };
    }
    const url = a.webhook as string;
    try {
      new URL(url);
    } catch {
      fail(`alerts[${i}].webhook is not a URL`, [...path, 'webhook']);
    }
    return {
      name: (a.name as string | undefined) ?? (i === 0 ? 'webhook' : `webhook-${i + 1}`),
      url,
      format: (a.format as WebhookChannel['format'] | undefined) ?? 'certwarden',
      ...(a['secret-file'] ? { secretFile: rel(a['secret-file'] as string) } : {}),
    };
  });
  alerts.forEach((a, i) => {
    if (alerts.findIndex((b) => b.name === a.name) !== i) fail(`alerts[${i}]: channel name "${a.name}" is used twice`, ['alerts', i]);
  });
  return {
    file,
    policyFile: rel(raw.policy as string),
    everyMs,
    jitter: (raw.jitter as number | undefined) ?? DEFAULT_JITTER,
    concurrency: (raw.concurrency as number | undefined) ?? DEFAULT_CONCURRENCY,
    listen,
    ...(tokenFile ? { tokenFile } : {}),
    ...(typeof raw['admin-token-file'] === 'string' ? { adminTokenFile: rel(raw['admin-token-file']) } : {}),
    ...storeOf(raw.store, rel, (m) => fail(m, ['store'])),
    jobExpiryMs: jobExpiry,
    retentionMs: duration(raw.retention, ['retention'], DEFAULT_RETENTION_MS),
    repeatMs: duration(raw.repeat, ['repeat'], DEFAULT_REPEAT_MS),
    targets,
    caHomes,
    alerts,
  };
}

/**
 * An email channel: what the schema cannot say. The relay URL carries no
 * credentials (they go in password-file, never in a file that is shared or
 * logged); STARTTLS defaults to required off loopback, and a password is
 * never offered to a relay that might be reached without TLS.
 */
function emailSettings(e: Record<string, unknown>, path: Path, rel: (p: string) => string, fail: (m: string, p: Path) => never): EmailSettings {
  const at = dotted(path);
  let url: URL;
  try {
    url = new URL(e.smtp as string);
  } catch {
    return fail(`${at}.smtp is not a URL (smtp://HOST:PORT or smtps://HOST:PORT)`, [...path, 'smtp']);
  }
  if (url.username !== '' || url.password !== '') fail(`${at}.smtp must not carry credentials: give user and password-file`, [...path, 'smtp']);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') fail(`${at}.smtp is smtp://HOST:PORT or smtps://HOST:PORT, with no path or query`, [...path, 'smtp']);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const implicitTls = url.protocol === 'smtps:';
  if (implicitTls && e.starttls !== undefined) fail(`${at}.starttls applies to smtp: (smtps: is TLS from the first byte)`, [...path, 'starttls']);
  const starttls = (e.starttls as EmailSettings['starttls'] | undefined) ?? (isLoopback(host) ? 'opportunistic' : 'required');
  if ((e.user === undefined) !== (e['password-file'] === undefined)) fail(`${at}: user and password-file go together`, path);
  if (e.user !== undefined && !implicitTls && starttls === 'opportunistic' && !isLoopback(host)) fail(`${at}: a password is not sent to ${host} without TLS: use starttls: required or smtps:`, [...path, 'starttls']);
  return {
    to: e.to as string[],
    from: e.from as string,
    url: url.href,
    starttls,
    ...(e.user !== undefined ? { user: e.user as string, passwordFile: rel(e['password-file'] as string) } : {}),
    ...(e['ca-file'] !== undefined ? { caFile: rel(e['ca-file'] as string) } : {}),
  };
}

/** A store URL for messages and logs, without its password (util/redact-url.ts: userinfo and query string). */
export function redactStoreUrl(url: string): string {
  return redactUrl(url);
}

/**
 * `store:` (else $CERTWARDEN_WATCH_STORE, else ./watch-data): a postgres:// or
 * postgresql:// URL, or a folder. A URL's password never appears in a message.
 */
function storeOf(value: unknown, rel: (p: string) => string, fail: (m: string) => never): { storeDir: string; storeUrl?: string } {
  const given = (value as string | undefined) ?? (process.env[STORE_ENV] || undefined);
  const storeDir = rel(DEFAULT_STORE);
  if (given === undefined) return { storeDir };
  if (!isPostgresUrl(given)) return { storeDir: rel(given) };
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return fail(`store ${redactStoreUrl(given)} is not a valid postgres:// URL`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) fail(`store ${redactStoreUrl(given)} names no host`);
  return { storeDir, storeUrl: given };
}

function parseOrFail(text: string, starttls: StarttlsProtocol | undefined, path: Path, fail: (m: string, p: Path) => never): ScanTarget {
  try {
    return parseTarget(text, starttls);
  } catch (cause) {
    return fail((cause as Error).message, path);
  }
}

export function parseListen(text: string, fail: (message: string) => never): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) return fail(`listen must be HOST:PORT (got "${text}")`);
  return { host: m[1] ?? m[2]!, port };
}

/** 127.0.0.0/8, ::1 and localhost: the only binds that need no token. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
