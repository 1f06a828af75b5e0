/**
 * `certwarden ca serve` vs `openssl ocsp -port`, same CA, same machine, same
 * load, one run: OCSP requests per second, p50/p99 latency and errors, per CA
 * key type. Also: CRL generation time for 100,000 revoked entries.
 *
 *   node bench/ca-ocsp.ts [--keys ec-p256,rsa-2048,rsa-3072,rsa-4096] [--rounds 3]
 *                         [--duration SECONDS] [--connections N] [--threads N]
 *                         [--method POST|GET] [--load wrk|autocannon]
 *                         [--openssl-multi N] [--workers 1,2] [--no-crl]
 *                         [--store sqlite|postgres]
 *
 * Load generator: wrk (Debian: `apt-get install -y wrk`), a C program that
 * costs far less CPU than the server it loads; without it the bench says how
 * to install it and falls back to autocannon (a Node process that occupies a
 * core of its own, so the numbers are lower and the ratio less meaningful).
 *
 * Fairness, per key type:
 *  - both servers sign with the same key: the issuing CA key (certwarden
 *    `--responder issuer`, openssl `-rsigner issuing.pem -rkey issuing.key
 *    -resp_no_certs`), so the responses are the same size;
 *  - both serve the same certificates (openssl's index.txt is exported from
 *    certwarden's store) and answer the same DER request (a known, good serial);
 *  - openssl runs with `-multi N` (default: two processes per core, the best
 *    of 1-16 measured on the 2-core machine of docs/ca.md: each process blocks
 *    on I/O); a fresh one for every round (see startOpenssl's caller). OpenSSL
 *    3.0's responder answers HTTP/1.0 and closes the connection after each
 *    answer; certwarden keeps connections alive (what HTTP/1.1 clients do);
 *  - certwarden runs as one process and with `--workers 2` (`--workers 1,2`);
 *  - they are measured alternately (certwarden, certwarden x2, openssl, ...)
 *    for several rounds; medians are reported, with each round in the JSON.
 * With `--store postgres` the CA lives in a throwaway PostgreSQL on loopback
 * (test/helpers/servers/postgres.ts) and `ca serve` runs with `--store URL`,
 * no CA home: the answers still come from memory, so the numbers should match.
 * Every answer is checked (status good, signature verified) before and after
 * the load. Prints one JSON line, then a human summary.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { CA_FILES, CertificateAuthority } from '../src/ca/ca.ts';
import { CrlPublisher } from '../src/ca/crl-publisher.ts';
import { PostgresStore } from '../src/ca/postgres-store.ts';
import { opensslIndex } from '../src/ca/openssl-index.ts';
import { KEY_ALGORITHMS, type KeyAlgorithmName } from '../src/ca/profiles.ts';
import { SqliteStore } from '../src/ca/sqlite-store.ts';
import { signCrl } from '../src/crl/builder.ts';
import { buildOcspRequest } from '../src/ocsp/request.ts';
import { verifyOcspResponse } from '../src/ocsp/verify.ts';
import type { Certificate } from '../src/x509/certificate.ts';
import { KeyObjectSigner } from '../src/x509/signer.ts';
import { freePort, waitForPort } from '../test/helpers/openssl-ocsp.ts';
import { startPostgres, type RunningPostgres } from '../test/helpers/servers/postgres.ts';
import pg from 'pg';
import { median } from './stats.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: 'ec-p256,rsa-2048,rsa-3072,rsa-4096' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    method: { type: 'string', default: 'POST' },
    load: { type: 'string' },
    // Best of 1, 2, 3, 4, 8, 16 on the 2-core machine of docs/ca.md: OpenSSL's processes block on I/O, so more than one per core pays.
    'openssl-multi': { type: 'string', default: String(2 * cpus().length) },
    workers: { type: 'string', default: '1,2' },
    'no-crl': { type: 'boolean', default: false },
    store: { type: 'string', default: 'sqlite' },
  },
});
const keys = values.keys.split(',').map((k) => k.trim()) as KeyAlgorithmName[];
for (const k of keys) if (!KEY_ALGORITHMS.includes(k)) throw new Error(`--keys: unknown key algorithm "${k}" (one of ${KEY_ALGORITHMS.join(', ')})`);
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
const threads = Number(values.threads);
const method = values.method.toUpperCase();
if (method !== 'POST' && method !== 'GET') throw new Error('--method must be POST or GET');
for (const n of values.workers.split(',')) if (!/^\d+$/.test(n) || Number(n) < 1) throw new Error(`--workers: "${n}" is not a positive whole number`);
const opensslMulti = Number(values['openssl-multi']);
const workerCounts = values.workers.split(',').map(Number);
const PASS = 'bench passphrase';
if (values.store !== 'sqlite' && values.store !== 'postgres') throw new Error('--store must be sqlite or postgres');
/** With --store postgres: the throwaway cluster (one database per key type). */
let postgres: RunningPostgres | undefined;
let databases = 0;
async function newPostgresDatabase(): Promise<string> {
  postgres ??= await startPostgres();
  let admin: pg.Client;
  // The port opens before the server accepts sessions ("the database system is starting up", 57P03).
  for (let attempt = 0; ; attempt++) {
    admin = new pg.Client({ connectionString: postgres.url });
    try {
      await admin.connect();
      break;
    } catch (err) {
      await admin.end().catch(() => {});
      if ((err as { code?: string }).code !== '57P03' || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const name = `bench_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return postgres.url.replace(/\/postgres$/, `/${name}`);
}
const ISSUED = 1000;
const CRL_ENTRIES = 100_000;

function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}
let loader = values.load ?? (hasWrk() ? 'wrk' : 'autocannon');
if (loader === 'wrk' && !hasWrk()) {
  process.stderr.write('bench/ca-ocsp: wrk is not installed (Debian/Ubuntu: `sudo apt-get install -y wrk`; macOS: `brew install wrk`); falling back to autocannon\n');
  loader = 'autocannon';
} else if (values.load === undefined && loader === 'autocannon') {
  process.stderr.write('bench/ca-ocsp: wrk not found, using autocannon (it takes a core of its own: install wrk for fairer numbers, `sudo apt-get install -y wrk`)\n');
}
if (loader !== 'wrk' && loader !== 'autocannon') throw new Error('--load must be wrk or autocannon');

const tmp = mkdtempSync(join(tmpdir(), 'certwarden-bench-ca-'));
const children: ChildProcess[] = [];
const groupStops: (() => void)[] = [];
const stopAll = (): void => {
  for (const stop of groupStops) stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', () => {
  stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Connect/read/write errors and timeouts. */
  errors: number;
  /** HTTP status >= 400 (wrk) or non-2xx (autocannon). */
  non2xx: number;
  /** Average bytes per response (headers + body): a sanity check that the answer is the real one. */
  bytesPerResponse: number;
}

/** A wrk Lua script that sends `body` (POST) and prints the summary as one JSON line. */
function wrkScript(body: Buffer | undefined): string {
  const lua = (b: Buffer): string => `"${[...b].map((x) => `\\${x}`).join('')}"`;
  return `${body ? `wrk.method = "POST"\nwrk.body = ${lua(body)}\nwrk.headers["Content-Type"] = "application/ocsp-request"\n` : ''}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('CWJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  throughput: { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function load(url: string, body: Buffer | undefined, seconds = duration): Promise<LoadResult> {
  if (loader === 'wrk') {
    const script = join(tmp, 'wrk.lua');
    writeFileSync(script, wrkScript(body));
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
    });
    const line = /CWJSON (.*)/.exec(out);
    if (!line) throw new Error(`no summary from wrk: ${out}`);
    const s = JSON.parse(line[1]!) as Record<string, number>;
    return {
      rps: s.requests! / (s.duration_us! / 1e6),
      p50: s.p50_us! / 1000,
      p99: s.p99_us! / 1000,
      errors: s.connect! + s.read! + s.write! + s.timeout!,
      non2xx: s.status!,
      bytesPerResponse: Math.round(s.bytes! / Math.max(1, s.requests!)),
    };
  }
  // autocannon ships no type declarations; this is the part of its API we use.
  const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<CannonResult>;
  const r = await autocannon({ url, connections, duration: seconds, ...(body ? { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } } : {}) });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, bytesPerResponse: Math.round(r.throughput.total / Math.max(1, r.requests.total)) };
}

async function check(url: string, body: Buffer | undefined, issuer: Certificate, cert: Certificate): Promise<string> {
  const signal = AbortSignal.timeout(15_000);
  const res = await fetch(url, body ? { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' }, signal } : { signal });
  return verifyOcspResponse(Buffer.from(await res.arrayBuffer()), { certificate: cert, issuer }).status;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Medians (sums for error counts) over rounds, with the rounds themselves. */
interface Summary extends LoadResult {
  rounds: LoadResult[];
}
function summarise(rs: LoadResult[]): Summary {
  return {
    rps: Math.round(median(rs.map((r) => r.rps))),
    p50: r3(median(rs.map((r) => r.p50))),
    p99: r3(median(rs.map((r) => r.p99))),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
    bytesPerResponse: median(rs.map((r) => r.bytesPerResponse)),
    rounds: rs.map((r) => ({ ...r, rps: Math.round(r.rps), p50: r3(r.p50), p99: r3(r.p99) })),
  };
}

/** `openssl ocsp -port` on the exported index, signing with the issuing key; stop() kills its whole process group. */
async function startOpenssl(home: string, dir: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  let log = '';
  const args = ['ocsp', '-index', join(home, 'index.txt'), '-port', String(port), '-rsigner', join(dir, CA_FILES.issuingCert), '-rkey', join(home, 'issuing.key'), '-CA', join(dir, CA_FILES.issuingCert), '-ndays', '1', '-resp_no_certs', ...(opensslMulti > 1 ? ['-multi', String(opensslMulti)] : [])];
  const os = spawn('openssl', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  os.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4096)));
  os.stdout!.on('data', () => {});
  children.push(os);
  // With -multi, openssl makes itself a process-group leader (setpgid) and forks its workers into that group.
  const stop = (): void => {
    if (os.exitCode !== null || os.signalCode !== null) return;
    try {
      if (opensslMulti > 1) process.kill(-os.pid!, 'SIGKILL');
    } catch {
      // not (yet) a group leader
    }
    os.kill('SIGKILL');
  };
  groupStops.push(stop);
  await waitForPort(port, 15_000, os, () => /waiting for OCSP client connections/.test(log));
  return { port, stop };
}

interface CertwardenVariant {
  workers: number;
  summary: Summary;
  ratio: number;
  ratios: number[];
}

/** `certwarden ca serve` with `workers` processes; resolves once it prints its "listening" line (after every worker pre-signed). */
async function startCertwarden(dir: string, workerCount: number, storeUrl?: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const cw = spawn(process.execPath, [join(root, 'src', 'cli', 'main.ts'), 'ca', 'serve', ...(storeUrl ? ['--store', storeUrl] : ['--dir', dir]), '--listen', `127.0.0.1:${port}`, '--responder', 'issuer', ...(workerCount > 1 ? ['--workers', String(workerCount)] : [])], {
    env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASS },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(cw);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('ca serve did not start in 120 s')), 120_000);
    cw.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    cw.once('exit', (code) => reject(new Error(`ca serve exited with code ${code}`)));
  });
  return { port, stop: () => void cw.kill('SIGTERM') };
}

async function benchKey(key: KeyAlgorithmName): Promise<{ key: string; certwarden: CertwardenVariant[]; openssl: Summary }> {
  const home = join(tmp, key);
  const dir = join(home, 'ca');
  const storeUrl = values.store === 'postgres' ? await newPostgresDatabase() : undefined;
  const ca = storeUrl
    ? await CertificateAuthority.init(undefined, PASS, { name: `Bench ${key}`, key, responder: 'issuer', store: await PostgresStore.connect(storeUrl) })
    : await CertificateAuthority.init(dir, PASS, { name: `Bench ${key}`, key, responder: 'issuer' });
  // openssl reads the issuing CA certificate from a file (a CA in Postgres has no home: write one).
  if (storeUrl) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, CA_FILES.issuingCert), ca.issuing.certificate.toPem());
  }
  // The leaves' own key type does not matter to OCSP; one P-256 key keeps RSA-4096 set-up short.
  const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const certs = [];
  for (let i = 0; i < ISSUED; i++) certs.push((await ca.issue({ profile: 'server', sans: [`DNS:host-${i}.bench`], publicKey: leafKey })).certificate);
  for (let i = 0; i < ISSUED; i += 10) await ca.revoke(certs[i]!, 'keyCompromise');
  const target = certs[1]!;
  const issuer = ca.issuing.certificate;
  const request = buildOcspRequest({ issuer, certificate: target }).der;
  const body = method === 'POST' ? request : undefined;
  const path = method === 'POST' ? '' : encodeURIComponent(request.toString('base64'));
  // OpenSSL's responder: same CA, same index (exported from the store), same signing key.
  writeFileSync(join(home, 'index.txt'), await opensslIndex(ca.store));
  writeFileSync(join(home, 'index.txt.attr'), 'unique_subject = no\n');
  const issuingKey = await ca.keys.signer('issuing');
  if (!(issuingKey instanceof KeyObjectSigner)) throw new Error('the bench needs the issuing key in this process (for openssl ocsp)');
  writeFileSync(join(home, 'issuing.key'), issuingKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await ca.close();

  const servers = [];
  for (const n of workerCounts) {
    const cw = await startCertwarden(dir, n, storeUrl);
    const url = `http://127.0.0.1:${cw.port}/ocsp${method === 'GET' ? `/${path}` : ''}`;
    if ((await check(url, body, issuer, target)) !== 'good') throw new Error(`${url} did not answer good`);
    await load(url, body, 1); // JIT warm-up, not counted
    servers.push({ workers: n, url, stop: cw.stop, runs: [] as LoadResult[] });
  }

  const osRuns: LoadResult[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const cw of servers) {
      cw.runs.push(await load(cw.url, body));
      if ((await check(cw.url, body, issuer, target)) !== 'good') throw new Error(`${cw.url} did not answer good after the load`);
    }
    // A fresh openssl for every round: a client that connects and closes without sending a request
    // (as a load generator does when it stops) leaves an OpenSSL 3.0 responder process spinning on
    // that socket forever (openssl/openssl#23934, #31129), so a long-lived one would degrade round by round.
    const os = await startOpenssl(home, dir);
    const osUrl = `http://127.0.0.1:${os.port}/${path}`;
    try {
      if ((await check(osUrl, body, issuer, target)) !== 'good') throw new Error(`${osUrl} did not answer good`);
      // (No check after the load: the stray connections wrk leaves when it stops may have wedged processes.)
      osRuns.push(await load(osUrl, body));
    } finally {
      os.stop();
    }
    process.stderr.write(`  ${key} round ${i + 1}/${rounds}: ${servers.map((c) => `certwarden x${c.workers} ${Math.round(c.runs.at(-1)!.rps)}`).join(', ')}, openssl ${Math.round(osRuns.at(-1)!.rps)} req/s\n`);
  }
  for (const cw of servers) cw.stop();
  const openssl = summarise(osRuns);
  return {
    key,
    openssl,
    certwarden: servers.map((c) => {
      const summary = summarise(c.runs);
      return { workers: c.workers, summary, ratio: r1(summary.rps / openssl.rps), ratios: c.runs.map((r, i) => r1(r.rps / osRuns[i]!.rps)) };
    }),
  };
}

/** CRL generation for 100k revoked entries, through the publisher (SQLite read + encode + sign), median of 3. */
async function benchCrl(): Promise<{ entries: number; bytes: number; ms: number; storeReadMs: number; buildCrlMs: number }> {
  const crlDir = join(tmp, 'crl');
  const crlCa = await CertificateAuthority.init(crlDir, PASS, { name: 'CRL Bench' });
  const now = Date.now();
  (crlCa.store as SqliteStore).importRevoked(
    Array.from({ length: CRL_ENTRIES }, (_, i) => ({ serial: (0x10000000n + BigInt(i) * 7919n).toString(16) + 'abcdef0123456789', revokedAt: new Date(now - i * 1000), reason: 'keyCompromise' as const, notAfter: new Date(now + 86_400_000) })),
  );
  const pub = new CrlPublisher(crlCa);
  await pub.publish(); // warm-up
  const total: number[] = [];
  const read: number[] = [];
  const build: number[] = [];
  let bytes = 0;
  let entries = 0;
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    const crl = await pub.publish();
    total.push(performance.now() - t0);
    bytes = crl.der.length;
    entries = crl.entries;
    t0 = performance.now();
    const rows = await crlCa.store.revoked();
    read.push(performance.now() - t0);
    t0 = performance.now();
    await signCrl({ issuer: { certificate: crlCa.issuing.certificate }, entries: rows.map((r) => ({ serial: r.serial, revocationDate: r.revokedAt!, ...(r.reason ? { reason: r.reason } : {}) })), thisUpdate: new Date(now), nextUpdate: new Date(now + 86_400_000), crlNumber: 1n }, crlCa.issuing.signer);
    build.push(performance.now() - t0);
  }
  crlCa.close();
  return { entries, bytes, ms: r1(median(total)), storeReadMs: r1(median(read)), buildCrlMs: r1(median(build)) };
}

const perKey = [];
try {
  for (const key of keys) {
    process.stderr.write(`${key}: ${rounds} rounds of ${duration} s each, alternating\n`);
    perKey.push(await benchKey(key));
  }
} catch (err) {
  // The throwaway Postgres runs detached: never leave it behind.
  await postgres?.stop();
  throw err;
}
const crl = values['no-crl'] ? undefined : await benchCrl();

const result = {
  bench: 'ca-ocsp',
  load: loader,
  ...(loader === 'wrk' ? { wrk: spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim(), threads } : {}),
  method,
  connections,
  durationSeconds: duration,
  rounds,
  opensslMulti,
  store: values.store,
  results: perKey,
  ...(crl ? { crl } : {}),
  cpus: cpus().length,
  node: process.version,
  openssl: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
for (const r of perKey) {
  const o = r.openssl;
  process.stdout.write(`${r.key}: openssl ocsp -multi ${opensslMulti} ${o.rps} req/s (p50 ${o.p50} ms, p99 ${o.p99} ms, ${o.errors + o.non2xx} errors)\n`);
  for (const v of r.certwarden) {
    const c = v.summary;
    process.stdout.write(`  certwarden ca serve${v.workers > 1 ? ` --workers ${v.workers}` : ''}: ${c.rps} req/s (p50 ${c.p50} ms, p99 ${c.p99} ms, ${c.errors + c.non2xx} errors): ${v.ratio}x (rounds ${v.ratios.join(', ')})\n`);
  }
}
if (crl) process.stdout.write(`CRL with ${crl.entries} revoked entries: ${crl.ms} ms (${(crl.bytes / 1e6).toFixed(1)} MB; store read ${crl.storeReadMs} ms, buildCrl ${crl.buildCrlMs} ms)\n`);
stopAll();
await postgres?.stop();
