/**
 * Enforcement overhead (issue 5), same machine, one run:
 *
 *  1. requests/s over NEW connections (keepAlive off) through createAgent vs a
 *     plain https.Agent with the same `ca`, warm revocation cache; resumption
 *     on (both agents' default) and off (every connection a full handshake).
 *     A third client, https.Agent sharing one prebuilt SecureContext, shows
 *     the cheapest correct plain client, so certwarden's own cost is visible
 *     apart from https.Agent's per-connection context build.
 *  2. TLS handshakes/s, clients asking for a staple: a bare Node tls server;
 *     the same server stapling fixed bytes through a trivial OCSPRequest
 *     handler (what stapling itself costs in Node); with createStapler; and
 *     nginx (same certificate, same number of worker processes: one) without
 *     and with stapling (`ssl_stapling_file`: the same response bytes as the
 *     static handler).
 *  3. In-process: the cost of one OCSPRequest callback, static vs createStapler.
 *
 * Every server runs in its own process, the load generator in another
 * (bench/enforce-client.ts); this process only orchestrates (and hosts the
 * OCSP responder, idle once caches are warm). Variants are alternated within
 * each round, the order rotating from round to round; the summary gives
 * medians over rounds and the median of the per-round ratios. Besides the
 * rate, each slot records the CPU time of the client process and of the
 * server process(es), so "CPU per operation" can be compared even when the
 * other side is the bottleneck.
 *
 * The handshake generator offers X25519 (key share) and P-256 by default
 * (--handshake-groups default: OpenSSL's own list, where Node↔Node picks
 * X25519MLKEM768, which nginx's OpenSSL 3.0 lacks), so every server runs the
 * same TLS 1.3 key exchange.
 *
 *   flock /tmp/certwarden-bench.lock node bench/enforce.ts [--seconds 2] [--rounds 5] [--only requests|handshakes] [--no-nginx] [--handshake-groups X25519|default]
 */
import tls from 'node:tls';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createStapler } from '../src/tls/stapler.ts';
import { queryOcsp } from '../src/ocsp/fetch.ts';
import { startDemoResponder } from '../src/demo/responder.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, keyPem } from '../test/helpers/pki.ts';
import type { RunningServer } from '../test/helpers/servers/process.ts';
import { startNginx } from '../test/helpers/servers/nginx.ts';
import { CONCURRENCY, type RunResult, type Workload } from './enforce-client.ts';
import type { ServeMessage, ServerKind } from './enforce-server.ts';
import { median } from './stats.ts';

const NGINX = '/usr/sbin/nginx';
/** Same as the Node server: one process serving connections. */
const NGINX_WORKERS = 1;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A child process speaking request/response over IPC. */
class Child {
  readonly proc: ChildProcess;
  constructor(script: string) {
    this.proc = fork(fileURLToPath(new URL(script, import.meta.url)), [], { stdio: 'inherit' });
  }
  call<T>(msg: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.proc.once('message', (m: { result?: T; error?: string } & T) => (m.error ? reject(new Error(m.error)) : resolve(m.result ?? m)));
      this.proc.send(msg as object);
    });
  }
  kill(): void {
    this.proc.kill();
  }
}

/** Something the generator can hit, and whose CPU time we can read. */
interface Target {
  name: string;
  port: number;
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

async function nodeServer(name: string, msg: ServeMessage): Promise<Target> {
  const child = new Child('./enforce-server.ts');
  const { port } = await child.call<{ port: number }>(msg);
  return {
    name,
    port,
    cpuUs: async () => (await child.call<{ cpuUs: number }>({ cmd: 'cpu' })).cpuUs,
    stop: async () => child.kill(),
  };
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process and its direct children (nginx master + workers), µs. */
function processTreeCpuUs(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === pid || Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks / clockTicks) * 1e6;
}

async function nginxServer(name: string, o: { chain: string; key: string; staple?: Uint8Array }): Promise<Target> {
  const server: RunningServer = await startNginx({
    certChain: o.chain,
    key: o.key,
    stapling: o.staple !== undefined,
    ...(o.staple ? { staplingFile: o.staple } : {}),
    // nginx 1.22's default is TLSv1 to TLSv1.2; Node's server speaks TLS 1.3 by default.
    protocols: 'TLSv1.2 TLSv1.3',
    workers: NGINX_WORKERS,
    logLevel: 'warn',
  });
  const pidFile = `${server.dir}/nginx.pid`;
  for (let i = 0; i < 50 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return { name, port: server.port, cpuUs: async () => processTreeCpuUs(pid), stop: () => server.stop() };
}

interface Slot {
  rate: number;
  errors: number;
  clientCpuPerOpUs: number;
  serverCpuPerOpUs: number;
  stapledFraction: number;
  stapleBytes: number;
  negotiated?: string;
}

interface Variant {
  name: string;
  workload: Workload;
  target: Target;
}

/** Run every variant once per round, rotating the order; return each variant's slots. */
async function rounds(client: Child, variants: Variant[], seconds: number, count: number): Promise<Map<string, Slot[]>> {
  const out = new Map<string, Slot[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) await client.call<RunResult>({ cmd: 'run', workload: v.workload, port: v.target.port, seconds: Math.min(1, seconds) }); // warm-up: JIT, caches, sessions
  for (let r = 0; r < count; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    for (const v of order) {
      const s0 = await v.target.cpuUs();
      const res = await client.call<RunResult>({ cmd: 'run', workload: v.workload, port: v.target.port, seconds });
      const s1 = await v.target.cpuUs();
      if (res.errors > 0) process.stderr.write(`${v.name}: ${res.errors} errors, first: ${res.firstError}\n`);
      out.get(v.name)!.push({
        rate: res.done / res.seconds,
        errors: res.errors,
        clientCpuPerOpUs: res.cpuUs / Math.max(1, res.done),
        serverCpuPerOpUs: (s1 - s0) / Math.max(1, res.done),
        stapledFraction: res.stapled / Math.max(1, res.done),
        stapleBytes: res.stapled ? res.stapleBytes / res.stapled : 0,
        ...(res.negotiated ? { negotiated: res.negotiated } : {}),
      });
    }
  }
  return out;
}

interface Summary {
  rate: number;
  clientCpuPerOpUs: number;
  serverCpuPerOpUs: number;
  errors: number;
  stapledFraction: number;
  stapleBytes: number;
  negotiated?: string;
  /** Median over rounds of rate / baseline rate in the same round. */
  ratio?: number;
  rates: number[];
}

function summarise(slots: Map<string, Slot[]>, baseline: string): Record<string, Summary> {
  const base = slots.get(baseline)!;
  const out: Record<string, Summary> = {};
  for (const [name, s] of slots) {
    out[name] = {
      rate: Math.round(median(s.map((x) => x.rate))),
      clientCpuPerOpUs: Math.round(median(s.map((x) => x.clientCpuPerOpUs))),
      serverCpuPerOpUs: Math.round(median(s.map((x) => x.serverCpuPerOpUs))),
      errors: s.reduce((n, x) => n + x.errors, 0),
      stapledFraction: +median(s.map((x) => x.stapledFraction)).toFixed(3),
      stapleBytes: Math.round(median(s.map((x) => x.stapleBytes))),
      ...(s[0]?.negotiated ? { negotiated: s[0].negotiated } : {}),
      ...(name !== baseline ? { ratio: +median(s.map((x, i) => x.rate / base[i]!.rate)).toFixed(3) } : {}),
      rates: s.map((x) => Math.round(x.rate)),
    };
  }
  return out;
}

/** ns per OCSPRequest callback, Node's Buffers copied as Node does per handshake. */
function callbackCost(listener: (...a: unknown[]) => void, cert: Uint8Array, issuer: Uint8Array, n = 200_000): number {
  let answered = 0;
  const cb = (_e: unknown, r?: Buffer): void => {
    if (r) answered++;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) listener(Buffer.from(cert), Buffer.from(issuer), cb);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (answered !== n) throw new Error('the OCSPRequest handler did not staple');
  return ns;
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 2);
  const roundCount = arg('--rounds', 5);
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
  const withNginx = !process.argv.includes('--no-nginx') && existsSync(NGINX);
  const groupsAt = process.argv.indexOf('--handshake-groups');
  const handshakeGroups = groupsAt > 0 ? process.argv[groupsAt + 1]! : 'X25519:P-256';

  const root = makeRoot('CN=Bench Root');
  const inter = makeIntermediate(root, 'CN=Bench Issuing CA');
  const signer = makeOcspResponder(inter);
  const issued = new Set<string>();
  const responder = await startDemoResponder({ issuer: inter, signer, revoked: new Set(), issued });
  const leaf = makeLeaf(inter, '127.0.0.1', { ocspUrls: [responder.ocspUrl] });
  issued.add(leaf.certificate.serialHex);
  const cert = leaf.certificate.toPem() + inter.certificate.toPem();
  const key = keyPem(leaf.privateKey);
  const fetched = await queryOcsp({ certificate: leaf.certificate, issuer: inter.certificate, url: responder.ocspUrl, keepDer: true });
  const staple = fetched.evidence.find((e) => e.der)?.der;
  if (fetched.status !== 'good' || !staple) throw new Error(`could not fetch a staple: ${fetched.status}`);

  const results: Record<string, unknown> = { bench: 'enforce', node: process.version, openssl: process.versions.openssl, seconds, rounds: roundCount, handshakeGroups, concurrency: CONCURRENCY, cpus: (await import('node:os')).cpus().length };
  const lines: string[] = [];
  const targets: Target[] = [];
  const client = new Child('./enforce-client.ts');
  try {
    // 3. The stapler's own per-handshake work, without any network or TLS around it.
    {
      const stapler = createStapler({ certificates: [{ certificate: cert }] });
      await stapler.ready();
      const a = new tls.Server();
      stapler.attach(a);
      const b = new tls.Server();
      const der = Buffer.from(staple);
      b.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, der));
      const [fs, fc] = [a.listeners('OCSPRequest')[0] as (...x: unknown[]) => void, b.listeners('OCSPRequest')[0] as (...x: unknown[]) => void];
      const costs = { static: [] as number[], stapler: [] as number[] };
      for (let i = 0; i < 5; i++) {
        costs.static.push(callbackCost(fc, leaf.certificate.der, inter.certificate.der));
        costs.stapler.push(callbackCost(fs, leaf.certificate.der, inter.certificate.der));
      }
      stapler.close();
      const cb = { staticNs: Math.round(median(costs.static)), staplerNs: Math.round(median(costs.stapler)) };
      results['ocsp_request_callback'] = cb;
      lines.push(`OCSPRequest callback, in process: static ${cb.staticNs} ns, createStapler ${cb.staplerNs} ns (+${cb.staplerNs - cb.staticNs} ns per handshake)`);
    }

    const web = await nodeServer('https', { kind: 'https', key, cert });
    targets.push(web);
    await client.call({ cmd: 'setup', rootPem: root.certificate.toPem(), handshakeGroups });

    if (only !== 'handshakes') {
      for (const [label, suffix] of [
        ['resumption', ''],
        ['full_handshake', '-full'],
      ] as const) {
        const variants: Variant[] = (['plain-ca', 'plain-ctx', 'warden'] as const).map((n) => ({ name: n, workload: `${n}${suffix}` as Workload, target: web }));
        const s = summarise(await rounds(client, variants, seconds, roundCount), 'plain-ca');
        results[`requests_${label}`] = s;
        const ctxRatio = +median(s['warden']!.rates.map((w, i) => w / s['plain-ctx']!.rates[i]!)).toFixed(3);
        (s['warden'] as Summary & { ratioVsSharedContext?: number }).ratioVsSharedContext = ctxRatio;
        lines.push(
          `requests/s, new connections, ${label === 'resumption' ? 'resumption on ' : 'full handshakes'}: https.Agent+ca ${s['plain-ca']!.rate} (${s['plain-ca']!.clientCpuPerOpUs} µs client CPU/req), https.Agent+shared context ${s['plain-ctx']!.rate} (${s['plain-ctx']!.clientCpuPerOpUs} µs), createAgent ${s['warden']!.rate} (${s['warden']!.clientCpuPerOpUs} µs): x${s['warden']!.ratio} vs ca, x${ctxRatio} vs shared context`,
        );
      }
      results['agent_stats'] = await client.call({ cmd: 'stats' });
    }

    if (only !== 'requests') {
      const variants: Variant[] = [];
      for (const kind of ['tls-bare', 'tls-static', 'tls-stapler'] as ServerKind[]) {
        const t = await nodeServer(kind, { kind, key, cert, staple: Buffer.from(staple).toString('base64') });
        targets.push(t);
        variants.push({ name: kind, workload: 'handshake', target: t });
      }
      if (withNginx) {
        for (const [name, s] of [
          ['nginx-bare', undefined],
          ['nginx-stapled', staple],
        ] as const) {
          const t = await nginxServer(name, { chain: cert, key, ...(s ? { staple: s } : {}) });
          targets.push(t);
          variants.push({ name, workload: 'handshake', target: t });
        }
      }
      const s = summarise(await rounds(client, variants, seconds, roundCount), 'tls-bare');
      const pair = (a: string, b: string): number => +median(s[a]!.rates.map((x, i) => x / s[b]!.rates[i]!)).toFixed(3);
      const ratios: Record<string, number> = { 'stapler/bare': pair('tls-stapler', 'tls-bare'), 'stapler/static': pair('tls-stapler', 'tls-static'), 'static/bare': pair('tls-static', 'tls-bare') };
      if (withNginx) Object.assign(ratios, { 'stapler/nginx-stapled': pair('tls-stapler', 'nginx-stapled'), 'nginx-stapled/nginx-bare': pair('nginx-stapled', 'nginx-bare') });
      // The generator's CPU per handshake is about twice the server's, so on two cores the rates are client-bound;
      // 1 / (server CPU per handshake) is what one fully busy server process could sustain.
      const capacity = (n: string): number => 1e6 / Math.max(1, s[n]!.serverCpuPerOpUs);
      const capacityRatios: Record<string, number> = { 'stapler/bare': +(capacity('tls-stapler') / capacity('tls-bare')).toFixed(3), 'stapler/static': +(capacity('tls-stapler') / capacity('tls-static')).toFixed(3) };
      if (withNginx) capacityRatios['stapler/nginx-stapled'] = +(capacity('tls-stapler') / capacity('nginx-stapled')).toFixed(3);
      results['handshakes'] = { ...s, ratios, capacityRatios, nginxWorkers: withNginx ? NGINX_WORKERS : 0 };
      for (const [name, v] of Object.entries(s)) {
        lines.push(`handshakes/s ${name.padEnd(14)} ${String(v.rate).padStart(5)}  server CPU ${v.serverCpuPerOpUs} µs/handshake (capacity ${Math.round(capacity(name))}/s), client ${v.clientCpuPerOpUs} µs, stapled ${(v.stapledFraction * 100).toFixed(0)} % (${v.stapleBytes} B), ${v.negotiated ?? ''}${v.errors ? `, ${v.errors} errors` : ''}`);
      }
      lines.push(`ratios (median of per-round ratios): ${Object.entries(ratios).map(([k, v]) => `${k} x${v}`).join(', ')}`);
      lines.push(`server capacity ratios (1 / server CPU per handshake): ${Object.entries(capacityRatios).map(([k, v]) => `${k} x${v}`).join(', ')}`);
    }
    console.log(JSON.stringify(results));
    for (const l of lines) console.log(l);
  } finally {
    client.kill();
    await Promise.all(targets.map((t) => t.stop()));
    await responder.close();
  }
}

await main();
