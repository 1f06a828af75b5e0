/**
 * Runs a client command against every case of the chosen suites and judges
 * each run. The command is spawned without a shell, with the placeholders of
 * each argument replaced and the same values in CERTWARDEN_PROBE_* variables,
 * in its own process group so a hanging client is killed whole.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { escapeControl } from '../util/terminal.ts';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { REQUIREMENTS, type Requirement } from '../report/model.ts';
import { CASES, caseSpec, CONTROL_CASE, type CaseId, type CaseSpec } from './cases.ts';
import { Farm, type CaseEndpoint } from './farm.ts';
import { judgeCase, PROBE_REPORT_VERSION, requirementResult, summarizeProbe, type CaseResult, type ClientRun, type NotServableCase, type ProbeReport, type ProbeResult } from './report.ts';
import { resolveSuites, wantsLimbo } from './suites.ts';
import { readLimboFile } from './limbo-file.ts';
import { countSkips, planLimbo, type LimboCase, type LimboPlan, type LimboSkip } from './limbo-plan.ts';
import { LimboUnservable, startLimboServer } from './limbo-server.ts';
import { ConnectProxy } from './connect-proxy.ts';
import { TOOL_VERSION } from '../core/version.ts';

/** A client that has not finished its TLS and HTTP exchange with a loopback server in this long is hanging. */
export const DEFAULT_CASE_TIMEOUT_MS = 20_000;
/**
 * Client runs at once. Clients are whole processes (a JVM, an interpreter), so
 * more than a few at once on a small machine only makes each slower; cases
 * are independent servers, so running them side by side is safe.
 */
export const DEFAULT_CONCURRENCY = 4;
/** The end of stderr kept per run: enough for the client's error line, bounded against a chatty or hostile client. */
export const STDERR_TAIL_BYTES = 2048;

/**
 * After the client exits, how long its stderr may stay open: a descendant that
 * left the process group (setsid) can hold the pipe forever; the run ends
 * with what was read by then.
 */
export const EXIT_GRACE_MS = 2_000;
/** A setup step (javac, keytool) that takes longer than this is stuck. */
export const SETUP_TIMEOUT_MS = 120_000;

export const PLACEHOLDERS = ['{url}', '{host}', '{port}', '{addr}', '{ca}', '{pin}', '{pin-host}', '{dir}', '{proxy}'] as const;

/**
 * `{addr}`: the address every case server listens on. A client told to
 * connect there whatever the URL's name (curl --connect-to ::{addr}:,
 * openssl -connect {addr}:{port}) can be given limbo vectors for names like
 * example.com without anything resolving them.
 */
export const FARM_ADDRESS = '127.0.0.1';

/**
 * Proxy variables are removed from the client's environment: a client that
 * honours them would send the case's traffic to a proxy off the machine,
 * and the probe talks to loopback only.
 */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'FTP_PROXY', 'NO_PROXY'];

export function clientEnv(env: NodeJS.ProcessEnv, proxyUrl?: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of PROXY_VARIABLES) delete out[k];
  if (proxyUrl === undefined) {
    out.NO_PROXY = '*';
    out.no_proxy = '*';
  } else {
    // --proxy: the probe's own loopback CONNECT proxy, for every scheme, with no exception for localhost.
    for (const k of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'all_proxy', 'ALL_PROXY']) out[k] = proxyUrl;
  }
  return out;
}

export interface ProbeOptions {
  /** The command and its arguments, with placeholders. */
  command: readonly string[];
  /** How the command was given (default: the command joined with spaces). */
  target?: string;
  profile?: string;
  suites?: readonly string[];
  /** The client pins `{pin}`; default: when an argument holds `{pin}`. */
  pinning?: boolean;
  /** Files written into the run's work folder ({dir}) before the setup. */
  files?: Readonly<Record<string, string>>;
  /** Commands run once after the farm is up ({ca} and {dir} replaced); a failure is an operational error. */
  setup?: readonly (readonly string[])[];
  /** Standard input for each run (e.g. the request for `openssl s_client`); default none. */
  stdin?: string;
  caseTimeoutMs?: number;
  concurrency?: number;
  /** Environment for the client (default process.env); CERTWARDEN_PROBE_* are added. */
  env?: NodeJS.ProcessEnv;
  /** Reuse a running farm (tests, bench); default: start one and close it at the end. */
  farm?: Farm;
  /** Run the clients through the probe's loopback CONNECT proxy ({proxy}, HTTPS_PROXY...). */
  proxy?: boolean;
  /** `--suite limbo`: the x509-limbo file to read the vectors from. */
  limboFile?: string;
  /** Keep the farm's files (ca.pem, chains) in this folder. */
  keepDir?: string;
  onCase?: (result: CaseResult) => void;
  /** Called once before the first client run with the number of runs planned (limbo vectors that end up skipped included). */
  onStart?: (total: number) => void;
}

export interface CaseValues {
  url: string;
  host: string;
  port: string;
  ca: string;
  pin: string;
  pinHost: string;
  dir: string;
  /** The proxy URL in --proxy mode, else empty. */
  proxy: string;
  /** {addr}: the loopback address the case server listens on. */
  addr: string;
}

export function substitute(arg: string, v: CaseValues): string {
  return arg.replaceAll('{url}', v.url).replaceAll('{host}', v.host).replaceAll('{port}', v.port).replaceAll('{addr}', v.addr).replaceAll('{ca}', v.ca).replaceAll('{pin-host}', v.pinHost).replaceAll('{pin}', v.pin).replaceAll('{dir}', v.dir).replaceAll('{proxy}', v.proxy);
}

export function probeEnv(v: CaseValues): Record<string, string> {
  return { CERTWARDEN_PROBE_URL: v.url, CERTWARDEN_PROBE_HOST: v.host, CERTWARDEN_PROBE_PORT: v.port, CERTWARDEN_PROBE_ADDR: v.addr, CERTWARDEN_PROBE_CA: v.ca, CERTWARDEN_PROBE_PIN: v.pin, CERTWARDEN_PROBE_PIN_HOST: v.pinHost, ...(v.proxy ? { CERTWARDEN_PROBE_PROXY: v.proxy } : {}) };
}

/** Find the executable the way spawn will; a missing one is a usage error (exit 2), before any server starts. */
export function resolveExecutable(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const usable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) {
    if (usable(file)) return file;
    throw new CertwardenError(ErrorCode.USAGE, `client command not found or not executable: ${file}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    if (usable(join(dir, file))) return join(dir, file);
  }
  throw new CertwardenError(ErrorCode.USAGE, `client command not found in PATH: ${file}`);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Run the client once. Never throws: failures are a ClientRun with `error`. */
export function runClient(command: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdin: string | undefined, observe: () => ClientRun['server']): Promise<ClientRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let error: string | undefined;
    let settled = false;
    let exited: { code: number | null; signal: string | null } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (exitStatus: number | null, signal: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ exitStatus, signal, ...(error !== undefined ? { error } : {}), stderrTail: tail.toString('utf8'), durationMs: Math.round(performance.now() - started), server: observe() });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command[0]!, command.slice(1), { env, detached: true, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    } catch (err) {
      error = `cannot start the client: ${(err as Error).message}`;
      finish(null, null);
      return;
    }
    timer = setTimeout(() => {
      error = `timed out after ${timeoutMs / 1000} s: the client was killed (process group)`;
      killGroup(child.pid);
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
    });
    if (stdin !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(stdin);
    }
    // The client's exit decides. Anything it left running in its group goes with it,
    // and that closes the stderr pipe a background child would otherwise hold open.
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      if (error === undefined) clearTimeout(timer);
      killGroup(child.pid);
      setTimeout(() => {
        child.stderr?.destroy();
        finish(code, signal);
      }, EXIT_GRACE_MS).unref();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      error = err.code === 'ENOENT' ? `cannot start the client: ${command[0]} not found` : `cannot start the client: ${err.message}`;
      finish(null, null);
    });
    child.once('close', (code, signal) => finish(exited?.code ?? code, exited?.signal ?? signal));
  });
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Run the probe: start (or reuse) the farm, run the client against each case, judge. */
export async function runProbe(o: ProbeOptions): Promise<ProbeReport> {
  if (o.command.length === 0) throw new CertwardenError(ErrorCode.USAGE, 'give the client command after --');
  const ids = resolveSuites(o.suites ?? []);
  const timeoutMs = o.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CertwardenError(ErrorCode.USAGE, `concurrency must be a positive whole number (got ${concurrency})`);
  if (!(timeoutMs > 0)) throw new CertwardenError(ErrorCode.USAGE, `the case timeout must be more than 0 (got ${timeoutMs} ms)`);
  const executable = resolveExecutable(o.command[0]!, clientEnv(o.env ?? process.env));
  const limbo = await loadLimbo(o);
  const pinning = o.pinning ?? o.command.some((a) => a.includes('{pin}'));
  const at = new Date();
  const started = performance.now();
  const farm = o.farm ?? (await Farm.start(o.keepDir !== undefined ? { dir: o.keepDir } : {}));
  const results = new Map<CaseId, CaseResult>();
  const limboResults: CaseResult[] = [];
  const limboSkipped: LimboSkip[] = [...(limbo?.plan.skipped ?? [])];
  const notServable: NotServableCase[] = [];
  let workDir: string | undefined;
  let proxy: ConnectProxy | undefined;
  try {
    if (o.proxy) {
      proxy = new ConnectProxy(ids.map((id) => farm.endpoint(id)?.port).filter((p): p is number => p !== undefined));
      await proxy.start();
    }
    const env = clientEnv(o.env ?? process.env, proxy?.url);
    const proxyUrl = proxy?.url ?? '';
    workDir = o.keepDir !== undefined ? join(o.keepDir, 'client') : await mkdtemp(join(tmpdir(), 'certwarden-probe-client-'));
    await mkdir(workDir, { recursive: true });
    await prepareClient(o, farm, workDir, env, proxyUrl);
    const dir = workDir;
    const runnable: CaseId[] = [];
    for (const id of ids) {
      const spec = caseSpec(id);
      if (spec.notServable !== undefined || !farm.endpoint(id)) notServable.push({ id, requirement: spec.requirement, reason: spec.notServable ?? 'not served by this farm' });
      else runnable.push(id);
    }
    const runCase = async (id: CaseId): Promise<void> => {
      const held = await farm.acquire(id);
      try {
        const values = caseValues(held.endpoint, farm, dir, proxyUrl);
        const argv = [executable, ...o.command.slice(1).map((a) => substitute(a, values))];
        const tunnelsBefore = proxy?.tunnels(held.endpoint.port) ?? 0;
        const observe = (): ClientRun['server'] => ({ ...held.seen(), ...(proxy ? { tunnels: proxy.tunnels(held.endpoint.port) - tunnelsBefore } : {}) });
        const run = await runClient(argv, { ...env, ...probeEnv(values) }, timeoutMs, o.stdin === undefined ? undefined : substitute(o.stdin, values), observe);
        const result = judgeCase(caseSpec(id), pinning, run);
        results.set(id, result);
        o.onCase?.(result);
      } finally {
        held.release();
      }
    };
    o.onStart?.(runnable.length + (limbo?.plan.cases.length ?? 0));
    // The control first and alone: a client that cannot even start is reported once, not once per case.
    await runCase(CONTROL_CASE);
    const control = results.get(CONTROL_CASE)!;
    if (control.verdict === 'error' && control.exitStatus === null && control.signal === null && control.reason?.startsWith('cannot start')) {
      throw new CertwardenError(ErrorCode.USAGE, control.reason);
    }
    await pool(
      runnable.filter((id) => id !== CONTROL_CASE),
      concurrency,
      runCase,
    );
    if (limbo) {
      // A name that is not loopback reaches the farm only through a route the client was given; without one it would be resolved.
      const addrRouted = o.command.some((a) => a.includes('{addr}'));
      const routed = addrRouted || (proxy !== undefined && (control.server.tunnels ?? 0) > 0);
      const limboDir = o.keepDir !== undefined ? join(o.keepDir, 'limbo') : join(dir, 'limbo');
      await mkdir(limboDir, { recursive: true });
      const indexed = limbo.plan.cases.map((c, i) => ({ c, i }));
      await pool(indexed, concurrency, async ({ c, i }) => {
        const outcome = await runLimboCase(c, i, { routed, addrRouted, dir, limboDir, farm, proxy, proxyUrl, executable, command: o.command, env, timeoutMs, stdin: o.stdin });
        if ('skip' in outcome) limboSkipped.push(outcome.skip);
        else {
          limboResults.push(outcome.result);
          o.onCase?.(outcome.result);
        }
      });
    }
  } finally {
    await proxy?.close();
    if (!o.farm) await farm.close();
    if (workDir !== undefined && o.keepDir === undefined) await rm(workDir, { recursive: true, force: true });
  }
  const specs = new Map<string, CaseSpec>([...(CASES as readonly CaseSpec[]).map((c) => [c.id, c] as const), ...(limbo?.plan.cases ?? []).map((c) => [c.spec.id, c.spec] as const)]);
  const fileOrder = new Map((limbo?.file.testcases ?? []).map((t, i) => [`limbo:${t.id}`, i]));
  const byFileOrder = (a: { id: string }, b: { id: string }): number => fileOrder.get(a.id)! - fileOrder.get(b.id)!;
  limboResults.sort(byFileOrder);
  limboSkipped.sort(byFileOrder);
  const cases = [...ids.filter((id) => results.has(id)).map((id) => results.get(id)!), ...limboResults];
  const inSuite = (q: Requirement): boolean => ids.some((id) => caseSpec(id).requirement === q) || (q === 'V9.2.1' && limbo !== undefined);
  const requirements = Object.fromEntries(REQUIREMENTS.map((q) => [q, requirementResult(q, specs, cases, inSuite(q))])) as ProbeResult['requirements'];
  if (limbo && limboResults.length === 0 && requirements['V9.2.1'].status !== 'fail') {
    // A suite that ran nothing proves nothing: never a pass, never "not applicable".
    const counts = countSkips(limboSkipped).map((x) => `${x.reason} ${x.count}`).join(', ');
    requirements['V9.2.1'] = { status: 'error', findings: requirements['V9.2.1'].findings, reason: `no x509-limbo vector of ${limbo.file.path} could run over the wire (skipped: ${counts})` };
  }
  const result: ProbeResult = {
    target: o.target ?? o.command.join(' '),
    command: [...o.command],
    ...(o.profile !== undefined ? { profile: o.profile } : {}),
    pinning,
    ...(o.proxy ? { proxy: true } : {}),
    suites: [...(o.suites && o.suites.length > 0 ? o.suites : ['asvs'])],
    requirements,
    cases,
    notServable,
    ...(limbo ? { limbo: { file: limbo.file.path, testcases: limbo.file.testcases.length, applied: limboResults.length, skippedByReason: countSkips(limboSkipped), skipped: limboSkipped } } : {}),
    durationMs: Math.round(performance.now() - started),
  };
  return { version: PROBE_REPORT_VERSION, tool: { name: 'certwarden', version: TOOL_VERSION }, at: at.toISOString(), results: [result], summary: summarizeProbe([result]) };
}

function caseValues(e: CaseEndpoint, farm: Farm, dir: string, proxy: string): CaseValues {
  return { url: e.url, host: e.host, port: String(e.port), addr: FARM_ADDRESS, ca: farm.caPath, pin: farm.pin, pinHost: farm.pinHost, dir, proxy };
}

/** --suite limbo: check the options, read and plan the file (before any server starts: a bad file is a usage-time error). */
async function loadLimbo(o: ProbeOptions): Promise<{ file: Awaited<ReturnType<typeof readLimboFile>>; plan: LimboPlan } | undefined> {
  const wanted = wantsLimbo(o.suites ?? []);
  if (!wanted) {
    if (o.limboFile !== undefined) throw new CertwardenError(ErrorCode.USAGE, '--limbo FILE goes with --suite limbo');
    return undefined;
  }
  if (o.limboFile === undefined) throw new CertwardenError(ErrorCode.USAGE, '--suite limbo reads its vectors from --limbo FILE (an x509-limbo limbo.json, e.g. from github.com/C2SP/x509-limbo)');
  if ((o.setup ?? []).some((step) => step.some((a) => a.includes('{ca}')))) {
    throw new CertwardenError(ErrorCode.USAGE, '--suite limbo: this client bakes {ca} into a trust store once, in its setup (keytool); every limbo vector has its own trust anchors, so give a client that reads {ca} on each run');
  }
  const file = await readLimboFile(o.limboFile);
  return { file, plan: planLimbo(file.testcases) };
}

interface LimboRunContext {
  routed: boolean;
  /** The command carries {addr}: through --proxy it asks for {addr}:PORT (curl --connect-to), not for the vector's name. */
  addrRouted: boolean;
  dir: string;
  limboDir: string;
  farm: Farm;
  proxy: ConnectProxy | undefined;
  proxyUrl: string;
  executable: string;
  command: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  stdin: string | undefined;
}

/** Serve one limbo vector and run the client against it; a vector that cannot be served or reached is a skip, with its reason. */
async function runLimboCase(c: LimboCase, index: number, x: LimboRunContext): Promise<{ result: CaseResult } | { skip: LimboSkip }> {
  if (!c.direct && !x.routed) return { skip: { id: c.spec.id, reason: 'no-loopback-route', detail: `peer name ${c.host}` } };
  let server;
  try {
    server = await startLimboServer(c, x.limboDir, index);
  } catch (err) {
    if (err instanceof LimboUnservable) return { skip: { id: c.spec.id, reason: 'unservable', detail: err.message.slice(0, 300) } };
    throw err;
  }
  try {
    // A client routed by {addr} tunnels to {addr}:PORT, which is this vector's server: allowed beside the vector's name.
    x.proxy?.allow(server.port, x.addrRouted ? [c.urlHost, FARM_ADDRESS] : [c.urlHost]);
    const values: CaseValues = { url: server.url, host: c.host, port: String(server.port), addr: FARM_ADDRESS, ca: server.caPath, pin: x.farm.pin, pinHost: x.farm.pinHost, dir: x.dir, proxy: x.proxyUrl };
    const argv = [x.executable, ...x.command.slice(1).map((a) => substitute(a, values))];
    const proxy = x.proxy;
    const tunnelsBefore = proxy?.tunnels(server.port) ?? 0;
    const observe = (): ClientRun['server'] => ({ ...server.seen(), ...(proxy ? { tunnels: proxy.tunnels(server.port) - tunnelsBefore } : {}) });
    const run = await runClient(argv, { ...x.env, ...probeEnv(values) }, x.timeoutMs, x.stdin === undefined ? undefined : substitute(x.stdin, values), observe);
    return { result: judgeCase(c.spec, false, run) };
  } finally {
    x.proxy?.disallow(server.port);
    await server.close();
  }
}

/** Write the profile's files and run its setup commands; a failing step is an operational error with its stderr. */
async function prepareClient(o: ProbeOptions, farm: Farm, dir: string, env: NodeJS.ProcessEnv, proxy: string): Promise<void> {
  for (const [name, content] of Object.entries(o.files ?? {})) await writeFile(join(dir, name), content);
  const values: CaseValues = { url: '', host: '', port: '', addr: FARM_ADDRESS, ca: farm.caPath, pin: farm.pin, pinHost: farm.pinHost, dir, proxy };
  for (const step of o.setup ?? []) {
    const argv = [resolveExecutable(step[0]!, env), ...step.slice(1).map((a) => substitute(a, values))];
    const run = await runClient(argv, env, SETUP_TIMEOUT_MS, undefined, () => ({ handshakes: 0, requests: 0 }));
    if (run.error !== undefined || run.exitStatus !== 0) {
      throw new CertwardenError(ErrorCode.IO, `client setup step failed (${step.join(' ')}): ${run.error ?? `exit ${run.exitStatus ?? run.signal}`}: ${escapeControl(run.stderrTail.trim().slice(-500))}`);
    }
  }
}
