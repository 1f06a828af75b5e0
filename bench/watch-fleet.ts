/**
 * Watch benchmark: one full `certwarden watch` cycle over N loopback TLS
 * endpoints (default 10,000), side by side with Prometheus blackbox_exporter
 * probing the same endpoints. Prints one JSON line, then a summary.
 *
 *   node bench/watch-fleet.ts                    10,000 endpoints (~4 min on 2 shared cores)
 *   node bench/watch-fleet.ts --n 500            a quick run
 *   node bench/watch-fleet.ts --concurrency 20   targets at once, both tools (default 100)
 *   node bench/watch-fleet.ts --no-blackbox      certwarden only
 *
 * The estate: endpoints on many addresses of 127.77.0.0/16 (100 ports each),
 * served by one Node process per core (bench/fleet.ts), a mix of kinds each
 * with a known truth (FLEET_SHARE), all certificates for `*.wf.test`, the
 * policy CA's OCSP responder on loopback in this process.
 *
 * certwarden: the real service (`startWatch`: scheduler, engine, SQLite store
 * on disk, HTTP server) in a child process (bench/watch-cycle.ts), with
 * `every: 24h` and `jitter: 0` so exactly one cycle runs; its CPU is its own
 * process.cpuUsage, so the endpoints and the responder are not counted.
 *
 * blackbox_exporter (Debian `prometheus-blackbox-exporter`; skipped with a
 * note when absent): module `tcp` with `tls: true`, the bench root as its only
 * CA and `server_name: fleet.wf.test`, targets given as IP:PORT (so it
 * resolves nothing). Why tcp+tls rather than http: a TLS handshake with chain,
 * name and expiry verification is what blackbox users alert certificates on,
 * and certwarden does not fetch a page either; the http prober would add a
 * request per probe to blackbox's side only. It is driven with the same
 * number of concurrent /probe requests as watch's `concurrency`, over
 * keep-alive connections; its CPU is utime+stime of its process
 * (/proc/PID/stat) across the probes, HTTP serving of /probe included (that
 * is how it is used).
 *
 * Read the ratio with what each one does per target: blackbox does one TCP
 * connection and one verified handshake, and checks no revocation at all (no
 * OCSP, no staple; CRLs came only after this Debian version). certwarden runs
 * every check of `scan` for V9.2.1 and V9.2.4: handshakes per TLS version,
 * staple retries, the client-certificate probes, OCSP for the leaf and the
 * intermediate, then records history in SQLite (a synchronous transaction per
 * target). The verdict scores say what each one gets for that work.
 *
 * Loopback only: blackbox is first run on a sample under strace
 * (connect/sendto/sendmsg), and every address it touched is listed; during the
 * timed runs `ss` is sampled for both tools' sockets. Any peer outside
 * 127.0.0.0/8 and ::1 is reported and fails the run.
 *
 * File descriptors: each fleet process holds N/processes listeners plus the
 * connections in flight; the children start under prlimit(1) with a raised
 * open-files limit (FD_LIMIT, within `ulimit -Hn` unless run as root), and the
 * run stops with a message saying what to do when it cannot be raised.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../test/helpers/pki.ts';
import { startTestPki, type ServerIdentity, type TestPki } from '../test/helpers/servers/test-pki.ts';
import { startFleet, type FleetProfile } from './fleet.ts';
import type { CycleResult } from './watch-cycle.ts';

const here = dirname(fileURLToPath(import.meta.url));
const DAY = 86_400_000;
const DEFAULT_N = 10_000;
/** Targets at once, for both tools. watch's default is 20 (a light watch host); 100 is scan's default and keeps a 10,000-target cycle to minutes. */
const DEFAULT_CONCURRENCY = 100;
/** Endpoints per loopback address: 100 fixed ports (BASE_PORT..+99) below the ephemeral range, so the listeners do not eat the ports clients connect from. */
const PER_ADDRESS = 100;
const BASE_PORT = 20_000;
/**
 * Open files per fleet process: its listeners, the connections in flight
 * (both tools open a few per target at `concurrency` targets), and room for
 * sockets in TIME_WAIT-less close. 2x the listeners is generous and stays
 * under the default hard limit of most systems for N/cores listeners.
 */
const fdLimitFor = (listeners: number, concurrency: number): number => Math.max(4096, listeners * 2 + concurrency * 16);
/** Probes of the strace sample (each kind at least once): enough to see every kind of connection blackbox makes. */
const STRACE_SAMPLE = 60;
/** How often `ss` is sampled during a timed run: rarely enough not to load the shared cores. */
const SS_EVERY_MS = 5_000;
/** A /probe that has not answered in this long failed (the module's own timeout is 10 s). */
const PROBE_REQUEST_TIMEOUT_MS = 15_000;

type Verdict = 'ok' | 'problem' | 'undetermined';
type Truth = { 'V9.2.1': Verdict; 'V9.2.4': Verdict | null };

/** A realistic estate: mostly healthy, with a tail of each problem. */
const FLEET_SHARE: Record<string, number> = { good: 0.76, 'no-staple': 0.06, revoked: 0.06, expired: 0.04, untrusted: 0.04, mismatch: 0.04 };
const TRUTH: Record<string, Truth> = {
  good: { 'V9.2.1': 'ok', 'V9.2.4': 'ok' },
  'no-staple': { 'V9.2.1': 'ok', 'V9.2.4': 'problem' },
  revoked: { 'V9.2.1': 'ok', 'V9.2.4': 'problem' },
  // Revocation of an expired certificate is arguable (its status may be dropped from CRLs): not scored.
  expired: { 'V9.2.1': 'problem', 'V9.2.4': null },
  untrusted: { 'V9.2.1': 'problem', 'V9.2.4': 'problem' },
  mismatch: { 'V9.2.1': 'problem', 'V9.2.4': 'ok' },
};
const DOMAIN = 'wf.test';
/** blackbox_exporter's server_name: one module, one name; every certificate but `mismatch` covers it. */
const BLACKBOX_NAME = `fleet.${DOMAIN}`;

interface Endpoint {
  kind: string;
  label: string;
  host: string;
  port: number;
  truth: Truth;
}

// ------------------------------------------------------------------ options

function parseArgs(argv: string[]): { n: number; concurrency: number; processes: number; blackbox: boolean; cpuProf: boolean } {
  const out = { n: DEFAULT_N, concurrency: DEFAULT_CONCURRENCY, processes: Math.max(1, cpus().length), blackbox: true, cpuProf: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (name: string): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
      return v;
    };
    if (a === '--n') out.n = int('--n');
    else if (a === '--concurrency') out.concurrency = int('--concurrency');
    else if (a === '--processes') out.processes = int('--processes');
    else if (a === '--no-blackbox') out.blackbox = false;
    else if (a === '--cpu-prof') out.cpuProf = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (out.n > PER_ADDRESS * 256 * 250) throw new Error('--n is too large for the address plan');
  return out;
}

/** The open-files limit children can get: root may raise the hard limit; others stop at theirs. */
function checkFdLimit(wanted: number): void {
  const hard = Number(execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim());
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && Number.isFinite(hard) && hard < wanted) {
    throw new Error(`each fleet process needs about ${wanted} open files but the hard limit is ${hard}: raise it (root: prlimit or /etc/security/limits.conf), or run fewer endpoints per process (--processes) or --n`);
  }
  if (spawnSync('prlimit', ['--version']).status !== 0) throw new Error('prlimit(1) (util-linux) is needed to raise the children\'s open-files limit');
}

// --------------------------------------------------------------------- estate

function endpointAddress(i: number): { host: string; port: number } {
  const a = Math.floor(i / PER_ADDRESS);
  return { host: `127.77.${a >> 8}.${(a & 255) + 1}`, port: BASE_PORT + (i % PER_ADDRESS) };
}

function profile(site: ServerIdentity, staple?: Buffer): FleetProfile {
  return { certChain: site.certChain, key: site.key, ...(staple ? { stapleBase64: staple.toString('base64') } : {}) };
}

/** One wildcard leaf per kind: endpoints of a kind share a certificate, each has its own name under it. */
function profiles(pki: TestPki): Record<string, FleetProfile> {
  const wild = `*.${DOMAIN}`;
  const san = [`DNS:${wild}`];
  const good = pki.leaf(wild, { san });
  const noStaple = pki.leaf(wild, { san });
  const revoked = pki.leaf(wild, { san });
  pki.revoke(revoked.identity.certificate);
  const expired = pki.leaf(wild, { san, notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
  const mismatch = pki.leaf('*.elsewhere.test', { san: ['DNS:*.elsewhere.test'] });
  const strangerRoot = makeRoot('CN=Stranger Root');
  const stranger = makeLeaf(strangerRoot, wild, { san });
  const strangerSite: ServerIdentity = { identity: stranger, cert: stranger.certificate.toPem(), certChain: stranger.certificate.toPem(), key: keyPem(stranger.privateKey) };
  const staple = (s: ServerIdentity, status?: 'revoked'): Buffer => pki.staple(s.identity.certificate, status ? { status } : {});
  return {
    good: profile(good, staple(good)),
    'no-staple': profile(noStaple),
    revoked: profile(revoked, staple(revoked, 'revoked')),
    expired: profile(expired, staple(expired)),
    untrusted: profile(strangerSite),
    mismatch: profile(mismatch, staple(mismatch)),
  };
}

/** Kinds interleaved (not in blocks), so neither tool meets all of one kind at once. */
function kindsFor(n: number): string[] {
  const counts = Object.entries(FLEET_SHARE).map(([kind, share]) => ({ kind, count: Math.round(share * n) }));
  counts[0]!.count += n - counts.reduce((a, c) => a + c.count, 0);
  const out: string[] = [];
  const left = counts.map((c) => ({ ...c }));
  for (let i = 0; out.length < n; i++) {
    // Deal in proportion: at each step the kind furthest behind its share.
    let best = left[0]!;
    let bestLag = -Infinity;
    for (const c of left) {
      if (c.count === 0) continue;
      const lag = FLEET_SHARE[c.kind]! * (out.length + 1) - (Math.round(FLEET_SHARE[c.kind]! * n) - c.count);
      if (lag > bestLag) [best, bestLag] = [c, lag];
    }
    out.push(best.kind);
    best.count--;
  }
  return out;
}

// ----------------------------------------------------------------- scoring

interface Score {
  right: Record<'V9.2.1' | 'V9.2.4', number>;
  scored: Record<'V9.2.1' | 'V9.2.4', number>;
  wrong: string[];
}

function score(endpoints: readonly Endpoint[], verdictOf: (e: Endpoint) => { 'V9.2.1': Verdict; 'V9.2.4': Verdict } | undefined, why: (e: Endpoint) => string = () => ''): Score {
  const s: Score = { right: { 'V9.2.1': 0, 'V9.2.4': 0 }, scored: { 'V9.2.1': 0, 'V9.2.4': 0 }, wrong: [] };
  const wrongByKind = new Map<string, number>();
  for (const e of endpoints) {
    const v = verdictOf(e);
    for (const req of ['V9.2.1', 'V9.2.4'] as const) {
      const t = e.truth[req];
      if (t === null) continue;
      s.scored[req]++;
      if (v?.[req] === t) s.right[req]++;
      else {
        const reason = why(e);
        const key = `${e.kind} ${req}: expected ${t}, got ${v?.[req] ?? 'nothing'}${reason ? ` (${reason})` : ''}`;
        wrongByKind.set(key, (wrongByKind.get(key) ?? 0) + 1);
      }
    }
  }
  s.wrong = [...wrongByKind].map(([k, n]) => `${n} x ${k}`);
  return s;
}

function verdictOf(status: string | undefined): Verdict {
  return status === 'pass' ? 'ok' : status === 'fail' || status === 'warn' ? 'problem' : 'undetermined';
}

// ------------------------------------------------------------ loopback check

const isLoopbackAddress = (a: string): boolean => a.startsWith('127.') || a === '::1' || a === '[::1]' || a === '*' || a === '0.0.0.0' || a === '::' || a === '[::]' || a.startsWith('[::ffff:127.');

/**
 * Samples `ss` for a process's sockets; every peer outside loopback is kept.
 * Asynchronously: this process also serves the OCSP responder the watch asks,
 * and a blocking `ss` over tens of thousands of sockets would stall it.
 */
class SocketSampler {
  readonly foreign = new Set<string>();
  readonly pid: number;
  samples = 0;
  /** Samples in which the process had sockets (a sample after it exited proves nothing). */
  samplesWithSockets = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  constructor(pid: number) {
    this.pid = pid;
  }
  start(): void {
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.sample());
    }, SS_EVERY_MS);
  }
  async sample(): Promise<void> {
    const child = spawn('ss', ['-tuanpH'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', resolve);
    });
    if (code !== 0) return;
    this.samples++;
    let seen = false;
    for (const line of out.split('\n')) {
      if (!line.includes(`pid=${this.pid},`)) continue;
      seen = true;
      const cols = line.trim().split(/\s+/);
      // Netid State Recv-Q Send-Q Local Peer Process
      for (const addrPort of [cols[4], cols[5]]) {
        if (!addrPort) continue;
        const addr = addrPort.slice(0, addrPort.lastIndexOf(':'));
        if (!isLoopbackAddress(addr)) this.foreign.add(addrPort);
      }
    }
    if (seen) this.samplesWithSockets++;
  }
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.sample();
  }
}

/** Every address in the connect/sendto/sendmsg calls of an strace log. */
function straceAddresses(log: string): { inet: Set<string>; unix: Set<string> } {
  const inet = new Set<string>();
  const unix = new Set<string>();
  for (const m of log.matchAll(/inet_addr\("([^"]+)"\)/g)) inet.add(m[1]!);
  for (const m of log.matchAll(/inet_pton\(AF_INET6, "([^"]+)"/g)) inet.add(m[1]!);
  for (const m of log.matchAll(/sun_path="([^"]*)"/g)) unix.add(m[1]!);
  return { inet, unix };
}

// ---------------------------------------------------------------- certwarden

function runWatchCycle(configPath: string, nofile: number, cpuProf: boolean, tmpDir: string): Promise<{ result?: CycleResult; error?: string; pid: number; sampler: SocketSampler }> {
  const prof = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(here, '.prof')}`] : [];
  const child = spawn('prlimit', [`--nofile=${nofile}:${nofile}`, '--', process.execPath, ...prof, join(here, 'watch-cycle.ts'), configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: join(tmpDir, 'node-compile-cache') },
  });
  const sampler = new SocketSampler(child.pid!);
  sampler.start();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    child.on('error', async (err) => {
      await sampler.stop();
      resolve({ error: err.message, pid: child.pid ?? 0, sampler });
    });
    child.on('close', async (code) => {
      await sampler.stop();
      try {
        resolve({ result: JSON.parse(stdout.trim().split('\n').pop()!) as CycleResult, pid: child.pid!, sampler });
      } catch {
        resolve({ error: `watch-cycle exited ${code} without a result: ${stderr.slice(-2000)}`, pid: child.pid!, sampler });
      }
    });
  });
}

function watchConfig(endpoints: readonly Endpoint[], concurrency: number): string {
  const lines = ['version: 1', 'policy: policy.yaml', 'every: 24h', 'jitter: 0', `concurrency: ${concurrency}`, 'listen: 127.0.0.1:0', 'store: ./watch-store', 'targets:'];
  for (const e of endpoints) lines.push(`  - { target: "${e.label}", resolve: ${e.host} }`);
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------------------ blackbox

/** The installed blackbox_exporter, or undefined (then the side-by-side part is skipped and says how to install it). */
function blackboxBinary(): string | undefined {
  for (const name of ['prometheus-blackbox-exporter', 'blackbox_exporter']) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return name;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks; rest[0] is field 3.
  const ticks = Number(rest[11]) + Number(rest[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function procPeakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface Blackbox {
  /** blackbox_exporter's own pid (under strace, strace's child). */
  pid: number;
  port: number;
  stop: () => Promise<void>;
}

/** The child of `pid` (strace runs blackbox as its only child). */
function onlyChild(pid: number): number | undefined {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return kids.length > 0 ? Number(kids[0]) : undefined;
}

async function startBlackbox(bin: string, configPath: string, nofile: number, strace?: string): Promise<Blackbox> {
  const port = await freePort();
  const argv = [`--config.file=${configPath}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const command = strace ? ['strace', '-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', strace, bin, ...argv] : [bin, ...argv];
  // prlimit execs its command, so the child's pid is blackbox's, or strace's.
  const child = spawn('prlimit', [`--nofile=${nofile}:${nofile}`, '--', ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let pid: number | undefined = strace ? undefined : child.pid!;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // strace -o FILE PROG blocks fatal signals (its -I3 default): end the tracee, and strace follows.
      if (pid !== undefined) process.kill(pid, 'SIGTERM');
      else child.kill('SIGKILL');
    });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited ${child.exitCode}: ${stderr.slice(-1000)}`);
    pid ??= onlyChild(child.pid!);
    const up = await new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/-/healthy', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (up && pid !== undefined) return { pid, port, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`blackbox_exporter did not answer on 127.0.0.1:${port}: ${stderr.slice(-1000)}`);
}

interface ProbeOutcome {
  success: boolean;
  error?: string;
}

async function probeAll(port: number, endpoints: readonly Endpoint[], concurrency: number): Promise<Map<string, ProbeOutcome>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const out = new Map<string, ProbeOutcome>();
  let next = 0;
  const one = (e: Endpoint): Promise<ProbeOutcome> =>
    new Promise((resolve) => {
      const path = `/probe?module=tls&target=${encodeURIComponent(`${e.host}:${e.port}`)}`;
      const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: PROBE_REQUEST_TIMEOUT_MS }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          const m = /^probe_success (\S+)$/m.exec(body);
          resolve(m ? { success: m[1] === '1' } : { success: false, error: `status ${res.statusCode}, no probe_success` });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve({ success: false, error: err.message }));
    });
  await Promise.all(
    Array.from({ length: Math.min(concurrency, endpoints.length) }, async () => {
      while (next < endpoints.length) {
        const e = endpoints[next++]!;
        out.set(e.label, await one(e));
      }
    }),
  );
  agent.destroy();
  return out;
}

function blackboxConfig(rootPath: string): string {
  return [
    'modules:',
    '  tls:',
    '    prober: tcp',
    '    timeout: 10s',
    '    tcp:',
    '      preferred_ip_protocol: ip4',
    '      ip_protocol_fallback: false',
    '      tls: true',
    '      tls_config:',
    `        ca_file: ${rootPath}`,
    `        server_name: ${BLACKBOX_NAME}`,
    '',
  ].join('\n');
}

async function blackboxPart(bin: string, endpoints: readonly Endpoint[], concurrency: number, nofile: number, tmp: ReturnType<typeof tempDir>): Promise<Record<string, unknown>> {
  const configPath = tmp.write('blackbox.yml', blackboxConfig(join(tmp.dir, 'root.pem')));
  const out: Record<string, unknown> = { binary: bin, version: (({ stdout, stderr }) => (stdout || stderr).split('\n')[0])(spawnSync(bin, ['--version'], { encoding: 'utf8' })) };

  // 1. Loopback proof: a sample of every kind under strace, every address it touched listed.
  const traceFile = join(tmp.dir, 'blackbox.strace');
  if (spawnSync('strace', ['-V']).status === 0) {
    const traced = await startBlackbox(bin, configPath, nofile, traceFile);
    try {
      const kinds = Object.keys(FLEET_SHARE);
      const sample = kinds.flatMap((k) => endpoints.filter((e) => e.kind === k).slice(0, Math.ceil(STRACE_SAMPLE / kinds.length)));
      await probeAll(traced.port, sample, 10);
    } finally {
      await traced.stop();
    }
    const seen = straceAddresses(readFileSync(traceFile, 'utf8'));
    out.strace_sample_probes = Math.ceil(STRACE_SAMPLE / Object.keys(FLEET_SHARE).length) * Object.keys(FLEET_SHARE).length;
    out.strace_inet_addresses = [...seen.inet].sort();
    out.strace_unix_paths = [...seen.unix].sort();
    const foreign = [...seen.inet].filter((a) => !isLoopbackAddress(a));
    if (foreign.length > 0) throw new Error(`blackbox_exporter contacted non-loopback addresses: ${foreign.join(', ')}`);
  } else out.strace = 'strace not installed: loopback checked with ss sampling only';

  // 2. The timed run.
  const bb = await startBlackbox(bin, configPath, nofile);
  const pid = bb.pid;
  const sampler = new SocketSampler(pid);
  try {
    const cpuStart = procCpuMs(pid);
    sampler.start();
    const t0 = performance.now();
    const outcomes = await probeAll(bb.port, endpoints, concurrency);
    const wallMs = performance.now() - t0;
    const cpuMs = procCpuMs(pid) - cpuStart;
    await sampler.stop();
    if (sampler.foreign.size > 0) throw new Error(`blackbox_exporter had sockets to non-loopback peers: ${[...sampler.foreign].join(', ')}`);
    const s = score(endpoints, (e) => {
      const o = outcomes.get(e.label);
      // probe_success is the handshake with verification (chain, name, dates); it says nothing about revocation.
      return o ? { 'V9.2.1': o.success ? 'ok' : 'problem', 'V9.2.4': 'undetermined' } : undefined;
    });
    const errors = [...outcomes.values()].filter((o) => o.error).map((o) => o.error!);
    Object.assign(out, {
      concurrency,
      wall_ms: Math.round(wallMs),
      cpu_ms: Math.round(cpuMs),
      cpu_ms_per_probe: +(cpuMs / endpoints.length).toFixed(3),
      peak_rss_mib: procPeakRssMiB(pid),
      ss_samples_with_sockets: sampler.samplesWithSockets,
      request_errors: errors.length,
      request_error_sample: errors.slice(0, 5),
      right: s.right,
      scored: s.scored,
      wrong: s.wrong,
    });
  } finally {
    await bb.stop();
  }
  return out;
}

// ---------------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const load: Record<string, number[]> = { start: loadavg().map((x) => +x.toFixed(2)) };
  const perProcess = Math.ceil(o.n / o.processes);
  const nofile = fdLimitFor(perProcess, o.concurrency);
  checkFdLimit(nofile);
  const bin = o.blackbox ? blackboxBinary() : undefined;
  const result: Record<string, unknown> = { bench: 'watch-fleet', n: o.n, concurrency: o.concurrency, cpus: cpus().length, node: process.version, fleet_processes: o.processes, nofile_per_child: nofile };
  if (o.blackbox && !bin) result.blackbox = { skipped: 'prometheus-blackbox-exporter is not installed: apt-get install prometheus-blackbox-exporter (Debian/Ubuntu), or put blackbox_exporter on PATH' };

  const tmp = tempDir('certwarden-bench-watch-');
  const pki = await startTestPki('certwarden Watch Bench');
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  try {
    tmp.write('root.pem', pki.rootPem);
    tmp.write('policy.yaml', ['version: 1', 'trust:', '  cas: [root.pem]', 'revocation:', '  mode: hard-fail', ''].join('\n'));
    const kinds = kindsFor(o.n);
    const t0 = performance.now();
    fleet = await startFleet({ profiles: profiles(pki), endpoints: kinds.map((profile) => ({ profile, count: 1 })), listen: kinds.map((_, i) => endpointAddress(i)) }, o.processes, { nofile });
    result.fleet_start_ms = Math.round(performance.now() - t0);
    const endpoints: Endpoint[] = fleet.endpoints.map((e, i) => ({ kind: e.profile, label: `e${i}.${DOMAIN}:${e.port}`, host: e.host, port: e.port, truth: TRUTH[e.profile]! }));
    result.fleet_ports_moved = endpoints.filter((e) => e.port < BASE_PORT || e.port >= BASE_PORT + PER_ADDRESS).length;
    result.kinds = Object.fromEntries(Object.keys(FLEET_SHARE).map((k) => [k, endpoints.filter((e) => e.kind === k).length]));

    // certwarden watch: one cycle in its own process.
    const configPath = tmp.write('watch.yaml', watchConfig(endpoints, o.concurrency));
    const benchCpu = process.cpuUsage();
    const w = await runWatchCycle(configPath, fdLimitFor(0, o.concurrency), o.cpuProf, tmp.dir);
    const responderCpu = process.cpuUsage(benchCpu);
    if (w.sampler.foreign.size > 0) throw new Error(`certwarden watch had sockets to non-loopback peers: ${[...w.sampler.foreign].join(', ')}`);
    if (!w.result) throw new Error(w.error);
    const c = w.result;
    const s = score(endpoints, (e) => {
      const v = c.verdicts[e.label];
      return v ? { 'V9.2.1': verdictOf(v[1]), 'V9.2.4': verdictOf(v[2]) } : undefined;
    }, (e) => (c.findings[e.label] ?? []).filter((id) => !id.endsWith('-info')).join(' '));
    const cwCpuMs = c.cycleCpuUserMs + c.cycleCpuSystemMs;
    result.certwarden = {
      scanned: c.scanned,
      failed_runs: c.failedRuns,
      failures: c.failures,
      diagnosed: c.diagnosed,
      cycle_wall_ms: c.cycleWallMs,
      cycle_cpu_ms: cwCpuMs,
      cycle_cpu_user_ms: c.cycleCpuUserMs,
      cycle_cpu_system_ms: c.cycleCpuSystemMs,
      cpu_ms_per_target: +(cwCpuMs / o.n).toFixed(3),
      targets_per_second: +((o.n * 1000) / c.cycleWallMs).toFixed(1),
      startup_wall_ms: c.startupWallMs,
      startup_cpu_ms: c.startupCpuMs,
      import_cpu_ms: c.importCpuMs,
      peak_rss_mib: c.peakRssMiB,
      event_loop_delay_p99_ms: c.eventLoopDelayP99Ms,
      event_loop_delay_max_ms: c.eventLoopDelayMaxMs,
      ss_samples_with_sockets: w.sampler.samplesWithSockets,
      // This process during the cycle: mostly the OCSP responder answering the watch (not counted above).
      bench_process_cpu_ms_during_cycle: Math.round((responderCpu.user + responderCpu.system) / 1000),
      right: s.right,
      scored: s.scored,
      wrong: s.wrong,
    };
    load.afterWatch = loadavg().map((x) => +x.toFixed(2));

    if (bin) {
      try {
        const bb = await blackboxPart(bin, endpoints, o.concurrency, nofile, tmp);
        result.blackbox = bb;
        if (typeof bb.cpu_ms === 'number') result.cpu_per_target_ratio_certwarden_over_blackbox = +(cwCpuMs / bb.cpu_ms).toFixed(1);
        if (typeof bb.wall_ms === 'number') result.wall_ratio_certwarden_over_blackbox = +(c.cycleWallMs / bb.wall_ms).toFixed(1);
      } catch (err) {
        result.blackbox = { error: (err as Error).message };
        process.exitCode = 1;
      }
      load.afterBlackbox = loadavg().map((x) => +x.toFixed(2));
    }
  } finally {
    await fleet?.stop();
    await pki.stop();
    tmp.cleanup();
  }
  result.loadavg = load;
  console.log(JSON.stringify(result));
  summarize(result);
}

function summarize(r: Record<string, unknown>): void {
  const c = r.certwarden as Record<string, any> | undefined;
  const b = r.blackbox as Record<string, any> | undefined;
  const load = r.loadavg as Record<string, number[]>;
  const lines = ['', `watch-fleet: ${r.n} loopback endpoints in ${r.fleet_processes} processes, ${r.concurrency} targets at once, ${r.cpus} CPUs, load average ${load.start?.join(' ')} at start`];
  const pct = (right: Record<string, number>, scored: Record<string, number>, req: string): string => `${right[req]}/${scored[req]}`;
  if (c) {
    lines.push(`  certwarden watch: cycle ${(c.cycle_wall_ms / 1000).toFixed(1)} s (${c.targets_per_second} targets/s), CPU ${(c.cycle_cpu_ms / 1000).toFixed(1)} s = ${c.cpu_ms_per_target} ms/target, peak RSS ${c.peak_rss_mib} MiB, event-loop delay p99 ${c.event_loop_delay_p99_ms} ms (max ${c.event_loop_delay_max_ms})`);
    lines.push(`    start-up ${c.startup_wall_ms} ms wall, ${c.startup_cpu_ms} ms CPU (+${c.import_cpu_ms} ms loading modules); right V9.2.1 ${pct(c.right, c.scored, 'V9.2.1')}, V9.2.4 ${pct(c.right, c.scored, 'V9.2.4')}; failed runs ${c.failed_runs}`);
    for (const w of c.wrong as string[]) lines.push(`    wrong: ${w}`);
    lines.push(`    loopback: ss saw the watch's sockets in ${c.ss_samples_with_sockets} samples, no foreign peer (every target has resolve:, so nothing is looked up)`);
    for (const d of c.diagnosed as CycleResult['diagnosed']) lines.push(`    in error: ${d.target} (${d.ms} ms) ${d.downReason ?? ''} ${d.findings.join('; ')}`);
  }
  if (b?.skipped || b?.error) lines.push(`  blackbox_exporter: ${b.skipped ?? `failed: ${b.error}`}`);
  else if (b) {
    lines.push(`  blackbox_exporter (${b.version}): ${(b.wall_ms / 1000).toFixed(1)} s wall, CPU ${(b.cpu_ms / 1000).toFixed(1)} s = ${b.cpu_ms_per_probe} ms/probe, peak RSS ${b.peak_rss_mib} MiB; right V9.2.1 ${pct(b.right, b.scored, 'V9.2.1')}, V9.2.4 ${pct(b.right, b.scored, 'V9.2.4')} (it checks no revocation); request errors ${b.request_errors}`);
    for (const w of b.wrong as string[]) lines.push(`    wrong: ${w}`);
    lines.push(`  CPU per target certwarden/blackbox: ${r.cpu_per_target_ratio_certwarden_over_blackbox}x; wall: ${r.wall_ratio_certwarden_over_blackbox}x`);
    if (b.strace_inet_addresses) lines.push(`  loopback: blackbox under strace (${b.strace_sample_probes} probes) connected to ${(b.strace_inet_addresses as string[]).length} addresses, all loopback; ss saw its sockets in ${b.ss_samples_with_sockets} samples, no foreign peer`);
  }
  lines.push(`  load average: ${Object.entries(load).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ')}`);
  process.stderr.write(lines.join('\n') + '\n');
}

await main();
