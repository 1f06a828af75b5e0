/**
 * `certwarden watch --config FILE` runs the service; `watch status` and
 * `watch history TARGET` read a running service's API; `watch silence ...`
 * (watch-silence.ts) manages its silences; `watch worker --zone NAME` takes
 * one zone's scan jobs (Postgres store, worker.ts).
 */
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { loadCommandPolicy } from '../policy.ts';
import { writeJson, type Io } from '../output.ts';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { escapeControl } from '../../util/terminal.ts';
import { readFileBounded } from '../../util/bounded-read.ts';
import { loadWatchConfig, DEFAULT_LISTEN } from '../../watch/config.ts';
import { MAX_SECRET_BYTES } from '../../watch/alerts.ts';

/** The API answers from its store at once: 10 s means the service is not there. */
export const API_TIMEOUT_MS = 10_000;
/** A history page is at most 1,000 scans of a few KiB: 16 MiB bounds what a client reads. */
export const MAX_API_RESPONSE_BYTES = 16 * 1024 * 1024;

const USAGE = `Usage: certwarden watch --config FILE
       certwarden watch status [--config FILE | --url URL] [--token-file FILE] [--format text|json]
       certwarden watch history TARGET [--config FILE | --url URL] [--token-file FILE] [--limit N] [--format text|json]
       certwarden watch worker --config FILE --zone NAME [--concurrency N]
       certwarden watch silence add --target GLOB [--event ID]... [--requirement V9.2.x] --for 2h --comment TEXT [--start ISO] [--creator NAME] [--config FILE | --url URL] [--token-file FILE]
       certwarden watch silence list|expire ID [--config FILE | --url URL] [--token-file FILE] [--format text|json]

Runs the watch service (scheduled scans, history, events, alerts, /metrics),
or asks a running one, or (with store: postgres://...) takes one zone's
scan jobs as a worker. Configuration reference: docs/watch.md.`;

const OPTIONS = { config: { type: 'string' }, url: { type: 'string' }, 'token-file': { type: 'string' }, format: { type: 'string' }, limit: { type: 'string' }, zone: { type: 'string' }, concurrency: { type: 'string' }, target: { type: 'string' }, event: { type: 'string', multiple: true }, requirement: { type: 'string' }, for: { type: 'string' }, start: { type: 'string' }, comment: { type: 'string' }, creator: { type: 'string' } } as const;

async function serve(configFile: string, io: Io): Promise<ExitCode> {
  const { startWatch } = await import('../../watch/service.ts');
  const config = loadWatchConfig(configFile);
  const log = (entry: Record<string, unknown>): void => void io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const running = await startWatch(config, { log, policy: loadCommandPolicy(config.policyFile, io) });
  io.stdout.write(`certwarden watch: ${config.targets.length} target(s), listening on ${running.server.url}\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await running.stop();
  return ExitCode.OK;
}

/** `watch worker`: runs until SIGTERM/SIGINT, then finishes the jobs in hand (a job cut short is retried by another worker). */
async function work(args: ReturnType<typeof parseCommandArgs>, io: Io): Promise<ExitCode> {
  const configFile = optionalString(args, 'config');
  const zone = optionalString(args, 'zone');
  if (configFile === undefined || zone === undefined) throw usageError('watch worker needs --config FILE and --zone NAME');
  const concurrencyText = optionalString(args, 'concurrency');
  if (concurrencyText !== undefined && !/^[1-9][0-9]{0,3}$/.test(concurrencyText)) throw usageError('--concurrency must be 1 to 9999');
  const { startWatchWorker } = await import('../../watch/worker.ts');
  const config = loadWatchConfig(configFile);
  const log = (entry: Record<string, unknown>): void => void io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  const worker = await startWatchWorker(config, { zone, log, policy: loadCommandPolicy(config.policyFile, io), ...(concurrencyText ? { concurrency: Number(concurrencyText) } : {}) });
  io.stdout.write(`certwarden watch worker ${escapeControl(worker.id)}: taking zone ${escapeControl(zone)}'s scans\n`);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await worker.stop();
  return ExitCode.OK;
}

/** `admin`: the request writes (silences), so the configuration's admin-token-file is the token to send. */
function apiBase(args: ReturnType<typeof parseCommandArgs>, admin = false): { url: string; tokenFile?: string } {
  const url = optionalString(args, 'url');
  const configFile = optionalString(args, 'config');
  const tokenFile = optionalString(args, 'token-file');
  if (url !== undefined && configFile !== undefined) throw usageError('give --config or --url, not both');
  if (url !== undefined) {
    if (!/^https?:\/\//.test(url)) throw usageError(`--url must be an http(s) URL (got "${escapeControl(url)}")`);
    return { url: url.replace(/\/$/, ''), ...(tokenFile ? { tokenFile } : {}) };
  }
  const listen = configFile !== undefined ? loadWatchConfig(configFile) : undefined;
  const host = listen?.listen.host ?? DEFAULT_LISTEN.split(':')[0]!;
  const port = listen?.listen.port ?? Number(DEFAULT_LISTEN.split(':')[1]);
  // A service bound to every address is asked on loopback.
  const ask = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const token = tokenFile ?? (admin ? (listen?.adminTokenFile ?? listen?.tokenFile) : listen?.tokenFile);
  return { url: `http://${ask.includes(':') ? `[${ask}]` : ask}:${port}`, ...(token ? { tokenFile: token } : {}) };
}

async function getJson(base: { url: string; tokenFile?: string }, path: string): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (base.tokenFile) headers.authorization = `Bearer ${readFileBounded(base.tokenFile, { maxBytes: MAX_SECRET_BYTES, what: 'the token file' }).toString('utf8').trim()}`;
  let res: Response;
  try {
    res = await fetch(`${base.url}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(API_TIMEOUT_MS) });
  } catch (err) {
    throw new CertwardenError(ErrorCode.FETCH, `cannot reach the watch service at ${base.url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (text.length > MAX_API_RESPONSE_BYTES) throw new CertwardenError(ErrorCode.FETCH_TOO_LARGE, `the watch service's answer is larger than ${MAX_API_RESPONSE_BYTES} bytes`);
  if (res.status === 401) throw new CertwardenError(ErrorCode.USAGE, `the watch service at ${base.url} wants a bearer token: give --token-file (or --config with token-file)`);
  if (res.status === 404) throw new CertwardenError(ErrorCode.USAGE, `the watch service at ${base.url} does not know ${path.includes('/history') ? 'that target' : 'this path'}`);
  if (res.status !== 200) throw new CertwardenError(ErrorCode.FETCH, `the watch service at ${base.url} answered HTTP ${res.status}`);
  return JSON.parse(text) as unknown;
}

interface TargetRow {
  target: string;
  up: boolean | null;
  lastScan: string | null;
  statuses: Record<string, string> | null;
  leaf: { notAfter: string } | null;
  conditions: Array<{ event: string }>;
}

const command: Command = {
  summary: 'watch a fleet: scheduled scans, history, alerts on changes, Prometheus metrics',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, OPTIONS, true);
    const [sub, ...rest] = args.positionals;
    if (sub === undefined) {
      const config = optionalString(args, 'config');
      if (config === undefined) throw usageError('certwarden watch needs --config FILE (or: watch status, watch history TARGET)');
      return serve(config, io);
    }
    if (sub === 'worker') {
      if (rest.length > 0) throw usageError('watch worker takes no arguments (--config FILE --zone NAME)');
      return work(args, io);
    }
    const format = parseFormat(args, ['text', 'json'], 'text');
    if (sub === 'silence') {
      const { runSilence } = await import('./watch-silence.ts');
      return runSilence(rest, args, format, apiBase(args, true), io);
    }
    const base = apiBase(args);
    if (sub === 'status') {
      if (rest.length > 0) throw usageError('watch status takes no arguments');
      const body = (await getJson(base, '/api/targets')) as { targets: TargetRow[] };
      if (format === 'json') writeJson(io, body);
      else {
        for (const t of body.targets) {
          const state = t.up === null ? 'not scanned yet' : t.up ? `V9.2.1 ${t.statuses?.['V9.2.1']}  V9.2.4 ${t.statuses?.['V9.2.4']}` : 'DOWN';
          const cond = t.conditions.length > 0 ? `  [${t.conditions.map((c) => c.event).join(', ')}]` : '';
          // Every field comes from the server at --url: the whole line is escaped, not only the names.
          io.stdout.write(`${escapeControl(`${t.target}  ${state}${t.leaf ? `  until ${t.leaf.notAfter}` : ''}${cond}`)}\n`);
        }
      }
      const bad = body.targets.some((t) => t.up === false || Object.values(t.statuses ?? {}).some((s) => s === 'fail' || s === 'error'));
      return bad ? ExitCode.REJECTED : ExitCode.OK;
    }
    if (sub === 'history') {
      if (rest.length !== 1) throw usageError('watch history takes one TARGET (as written in the configuration)');
      const limit = optionalString(args, 'limit');
      if (limit !== undefined && !/^[1-9][0-9]{0,3}$/.test(limit)) throw usageError('--limit must be 1 to 9999');
      const body = (await getJson(base, `/api/targets/${encodeURIComponent(rest[0]!)}/history${limit ? `?limit=${limit}` : ''}`)) as { target: string; scans: Array<{ at: string; up: boolean; statuses: Record<string, string>; chain: Array<{ sha256: string }> }>; events: Array<{ at: string; event: string; severity: string; message: string }> };
      if (format === 'json') writeJson(io, body);
      else {
        // Every field comes from the server at --url: each line is escaped whole.
        io.stdout.write(`${escapeControl(`${body.target}: ${body.scans.length} scan(s), ${body.events.length} event(s)`)}\n`);
        for (const e of body.events) io.stdout.write(`${escapeControl(`${e.at}  ${String(e.severity).padEnd(8)} ${e.event}: ${e.message}`)}\n`);
        for (const s of body.scans) io.stdout.write(`${escapeControl(`${s.at}  ${s.up ? `V9.2.1 ${s.statuses['V9.2.1']}  V9.2.4 ${s.statuses['V9.2.4']}  leaf ${String(s.chain[0]?.sha256 ?? '-').slice(0, 16)}` : 'down'}`)}\n`);
      }
      return ExitCode.OK;
    }
    throw usageError(`unknown watch command "${escapeControl(sub)}" (watch --config FILE, watch status, watch history TARGET, watch worker, watch silence add|list|expire)`);
  },
};

export default command;
