/**
 * Scan benchmark: certwarden scan versus testssl.sh on the same loopback
 * endpoints, each with a known ground truth, then certwarden alone on 1,000
 * endpoints. Prints one JSON line, then a human summary.
 *
 *   node bench/scan.ts                 (about 2-4 minutes; testssl dominates)
 *   node bench/scan.ts --fleet-only    (the 1,000-endpoint part only)
 *   node bench/scan.ts --no-testssl    (certwarden only)
 *   node bench/scan.ts --no-fleet      (the comparison only)
 *
 * Fairness notes. testssl.sh has no "trust only this CA" option: it is given
 * the bench root with --add-ca (it still also trusts its own stores, which
 * cannot make a wrong answer right here: no endpoint chains to a public
 * root). It is run with -S (server defaults: certificate, trust, OCSP
 * stapling) and --phone-out (live OCSP/CRL), the closest to what certwarden
 * checks, with up to TESTSSL_PARALLEL runs at once. Time per target is wall
 * time of the whole run divided by the number of targets, for both tools,
 * process start-up included. certwarden's comparison scan runs twice: from a
 * cold start (empty Node compile cache) and warm; both ratios are reported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../test/helpers/shared.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../test/helpers/pki.ts';
import { startOpensslServer } from '../test/helpers/servers/openssl-server.ts';
import { startTestPki, type ServerIdentity, type TestPki } from '../test/helpers/servers/test-pki.ts';
import { startFleet, type FleetProfile } from './fleet.ts';
import { median } from './stats.ts';

const DAY = 86_400_000;
/**
 * testssl.sh runs at once. It forks hundreds of openssl processes per target
 * and is CPU-bound: on two cores, 4 at once made each run ~4x slower for no
 * gain in wall time, so one per core.
 */
const TESTSSL_PARALLEL = Math.max(1, Math.min(4, cpus().length));
const FLEET_SIZE = 1_000;
const FLEET_PROCESSES = 2;

type Verdict = 'ok' | 'problem' | 'undetermined';
type Truth = { 'V9.2.1': Verdict; 'V9.2.4': Verdict | null };

interface Endpoint {
  kind: string;
  name: string;
  port: number;
  truth: Truth;
}

const args = new Set(process.argv.slice(2));
const tmp = tempDir('certwarden-bench-scan-');
/**
 * Node's compile cache for the certwarden processes (what
 * `module.enableCompileCache()` in a launcher gives every run after the
 * first): the CLI runs from its TypeScript sources, and stripping and
 * compiling ~90 modules costs ~0.2 s per start without it. The first scan
 * (the comparison's cold-start run) fills it; both runs are reported.
 */
const compileCache = join(tmp.dir, 'node-compile-cache');

function run(command: string, argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 }));
  });
}

// ---------------------------------------------------------------- certwarden

interface ScanRun {
  ms: number;
  code: number;
  /** Set when the scan printed no report: the benchmark goes on and says so. */
  error?: string;
  verdicts: Map<string, { 'V9.2.1': Verdict; 'V9.2.4': Verdict; ids: string[] }>;
  stderr: string;
  /** The target that took longest inside the scan (its durationMs): what bounds the wall time. */
  slowest?: { target: string; ms: number };
}

function verdictOf(status: string | undefined): Verdict {
  return status === 'pass' ? 'ok' : status === 'fail' || status === 'warn' ? 'problem' : 'undetermined';
}

async function certwardenScan(endpoints: { name: string; port: number }[], policyPath: string, extra: string[] = [], nodeArgs: string[] = []): Promise<ScanRun> {
  const targets = tmp.write(`targets-${endpoints.length}.txt`, endpoints.map((e) => `${e.name}:${e.port}`).join('\n') + '\n');
  const argv = [...nodeArgs, join(projectRoot, 'src', 'cli', 'main.ts'), 'scan', '--targets', targets, '--policy', policyPath, '--format', 'json', ...endpoints.flatMap((e) => ['--resolve', `${e.name}:${e.port}:127.0.0.1`]), ...extra];
  const r = await run(process.execPath, argv, { NODE_COMPILE_CACHE: compileCache });
  const verdicts: ScanRun['verdicts'] = new Map();
  try {
    const report = JSON.parse(r.stdout) as { results: { target: string; durationMs: number; requirements: Record<string, { status: string; findings: { id: string }[] }> }[] };
    const slowest = report.results.reduce<{ target: string; ms: number } | undefined>((a, x) => (!a || x.durationMs > a.ms ? { target: x.target, ms: x.durationMs } : a), undefined);
    if (slowest) slowestByRun.set(r, slowest);
    for (const x of report.results) {
      const q = x.requirements;
      verdicts.set(x.target, {
        'V9.2.1': verdictOf(q['V9.2.1']?.status),
        'V9.2.4': verdictOf(q['V9.2.4']?.status),
        ids: Object.values(q).flatMap((v) => v.findings.map((f) => f.id)),
      });
    }
  } catch {
    return { ms: r.ms, code: r.code, verdicts, stderr: r.stderr, error: `no JSON report (exit ${r.code}): ${r.stderr.slice(0, 500)}` };
  }
  const slowest = slowestByRun.get(r);
  return { ms: r.ms, code: r.code, verdicts, stderr: r.stderr, ...(slowest ? { slowest } : {}) };
}
const slowestByRun = new WeakMap<object, { target: string; ms: number }>();

// ------------------------------------------------------------------- testssl

interface TestsslFinding {
  id: string;
  severity: string;
  finding: string;
}

/** What testssl.sh said about trust and revocation, read from its JSON findings. */
function testsslVerdicts(findings: TestsslFinding[]): { 'V9.2.1': Verdict; 'V9.2.4': Verdict; notes: string[] } {
  const by = (id: string): TestsslFinding[] => findings.filter((f) => f.id === id || f.id.startsWith(`${id} `));
  const bad = (f: TestsslFinding): boolean => ['MEDIUM', 'HIGH', 'CRITICAL', 'WARN'].includes(f.severity);
  const notes: string[] = [];
  const chain = by('cert_chain_of_trust');
  const trust = by('cert_trust');
  const expiry = by('cert_expirationStatus');
  let v921: Verdict = chain.length === 0 ? 'undetermined' : 'ok';
  for (const f of [...chain, ...trust, ...expiry]) {
    if (bad(f)) {
      v921 = 'problem';
      notes.push(`${f.id}: ${f.finding}`);
    }
  }
  const stapling = by('OCSP_stapling');
  const revoked = by('cert_ocspRevoked');
  let v924: Verdict = stapling.length === 0 ? 'undetermined' : 'ok';
  for (const f of stapling) {
    if (/not offered/i.test(f.finding) || bad(f) || f.severity === 'LOW') {
      v924 = 'problem';
      notes.push(`${f.id}: ${f.finding || f.severity}`);
    }
  }
  for (const f of revoked) {
    // Its finding text is "revoked" or "not revoked".
    if (f.severity === 'CRITICAL' || /^revoked/i.test(f.finding.trim())) {
      v924 = 'problem';
      notes.push(`${f.id}: ${f.finding}`);
    }
  }
  return { 'V9.2.1': v921, 'V9.2.4': v924, notes };
}

/**
 * testssl.sh asks DNS even with `--nodns none` and `--ip`: its start-up probes run
 * `openssl s_client -connect invalid.` dozens of times. The benchmark touches loopback
 * only, so testssl runs in a mount namespace whose /etc/resolv.conf names 127.0.0.1
 * (nothing answers there: each lookup fails at once, and no query leaves the machine).
 * Without root or unshare(1) the benchmark refuses to run testssl rather than let it
 * reach the machine's nameserver.
 */
const LOOPBACK_RESOLV_CONF = tmp.write('resolv.conf', 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
let loopbackDnsChecked: boolean | undefined;
function testsslCommand(args: string[]): [string, string[]] {
  loopbackDnsChecked ??= process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf', LOOPBACK_RESOLV_CONF]).status === 0;
  if (!loopbackDnsChecked) throw new Error('bench/scan: testssl.sh needs a loopback-only resolver (run as root with unshare(1)), or pass --no-testssl');
  return ['unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', LOOPBACK_RESOLV_CONF, 'testssl', ...args]];
}

async function testsslOne(e: Endpoint, rootPath: string): Promise<{ ms: number; 'V9.2.1': Verdict; 'V9.2.4': Verdict; notes: string[] }> {
  const json = join(tmp.dir, `testssl-${e.name}.json`);
  const r = await run(...testsslCommand(['--quiet', '--color', '0', '-S', '--phone-out', '--nodns', 'none', '--add-ca', rootPath, '--ip', '127.0.0.1', '--warnings', 'batch', '--jsonfile', json, `${e.name}:${e.port}`]));
  let findings: TestsslFinding[] = [];
  try {
    findings = JSON.parse(readFileSync(json, 'utf8')) as TestsslFinding[];
  } catch {
    return { ms: r.ms, 'V9.2.1': 'undetermined', 'V9.2.4': 'undetermined', notes: [`no JSON (exit ${r.code})`] };
  }
  return { ms: r.ms, ...testsslVerdicts(findings) };
}

async function testsslAll(endpoints: Endpoint[], rootPath: string): Promise<{ ms: number; each: Map<string, Awaited<ReturnType<typeof testsslOne>>> }> {
  const each = new Map<string, Awaited<ReturnType<typeof testsslOne>>>();
  const queue = [...endpoints];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: TESTSSL_PARALLEL }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) each.set(`${e.name}:${e.port}`, await testsslOne(e, rootPath));
    }),
  );
  return { ms: performance.now() - t0, each };
}

// ------------------------------------------------------------------ fixtures

function profile(site: ServerIdentity, o: { staple?: Buffer; verify?: 'strict' | 'lax'; clientCa?: string } = {}): FleetProfile {
  return {
    certChain: site.certChain,
    key: site.key,
    ...(o.staple ? { stapleBase64: o.staple.toString('base64') } : {}),
    ...(o.verify ? { verify: o.verify } : {}),
    ...(o.clientCa ? { clientCa: o.clientCa } : {}),
  };
}

/** Every kind of endpoint, with its ground truth; V9.2.4 null where the truth is arguable (not scored). */
function mixedProfiles(pki: TestPki, domain: string): { profiles: Record<string, FleetProfile>; truth: Record<string, Truth> } {
  // Wildcard leaves so that every endpoint of a kind shares one certificate and still has its own name.
  const leaf = (kind: string, o = {}): ServerIdentity => pki.leaf(`*.${kind}.${domain}`, { san: [`DNS:*.${kind}.${domain}`], ...o });
  const good = leaf('good');
  const noStaple = leaf('no-staple');
  const revoked = leaf('revoked');
  pki.revoke(revoked.identity.certificate);
  const expired = leaf('expired', { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
  const lax = leaf('mtls-lax');
  const strict = leaf('mtls-strict');
  const mismatch = leaf('mismatch', { san: [`DNS:elsewhere.${domain}`] });
  const strangerRoot = makeRoot('CN=Stranger Root');
  const stranger = makeLeaf(strangerRoot, `*.untrusted.${domain}`, { san: [`DNS:*.untrusted.${domain}`] });
  const strangerSite: ServerIdentity = { identity: stranger, cert: stranger.certificate.toPem(), certChain: stranger.certificate.toPem(), key: keyPem(stranger.privateKey) };
  const staple = (s: ServerIdentity, o = {}): Buffer => pki.staple(s.identity.certificate, o);
  return {
    profiles: {
      good: profile(good, { staple: staple(good) }),
      'no-staple': profile(noStaple),
      revoked: profile(revoked, { staple: staple(revoked, { status: 'revoked' }) }),
      untrusted: profile(strangerSite),
      expired: profile(expired, { staple: staple(expired) }),
      'mtls-lax': profile(lax, { staple: staple(lax), verify: 'lax', clientCa: pki.rootPem }),
      'mtls-strict': profile(strict, { staple: staple(strict), verify: 'strict', clientCa: pki.rootPem }),
      mismatch: profile(mismatch, { staple: staple(mismatch) }),
    },
    truth: {
      good: { 'V9.2.1': 'ok', 'V9.2.4': 'ok' },
      'no-staple': { 'V9.2.1': 'ok', 'V9.2.4': 'problem' },
      revoked: { 'V9.2.1': 'ok', 'V9.2.4': 'problem' },
      untrusted: { 'V9.2.1': 'problem', 'V9.2.4': 'problem' },
      expired: { 'V9.2.1': 'problem', 'V9.2.4': null },
      'mtls-lax': { 'V9.2.1': 'problem', 'V9.2.4': 'ok' },
      'mtls-strict': { 'V9.2.1': 'ok', 'V9.2.4': 'ok' },
      mismatch: { 'V9.2.1': 'problem', 'V9.2.4': 'ok' },
    },
  };
}

function score(endpoints: Endpoint[], verdictOf: (e: Endpoint) => { 'V9.2.1': Verdict; 'V9.2.4': Verdict } | undefined): { right: number; scored: number; wrong: string[] } {
  let right = 0;
  let scored = 0;
  const wrong: string[] = [];
  for (const e of endpoints) {
    const v = verdictOf(e);
    for (const req of ['V9.2.1', 'V9.2.4'] as const) {
      const t = e.truth[req];
      if (t === null) continue;
      scored++;
      if (v?.[req] === t) right++;
      else wrong.push(`${e.kind} ${e.name} ${req}: expected ${t}, got ${v?.[req] ?? 'nothing'}`);
    }
  }
  return { right, scored, wrong };
}

// --------------------------------------------------------------------- parts

async function comparison(pki: TestPki, policyPath: string): Promise<Record<string, unknown>> {
  const { profiles, truth } = mixedProfiles(pki, 'cmp.test');
  const counts: Record<string, number> = { good: 4, 'no-staple': 3, revoked: 3, untrusted: 2, expired: 2, 'mtls-lax': 2, 'mtls-strict': 2, mismatch: 1 };
  const fleet = await startFleet({ profiles, endpoints: Object.entries(counts).map(([profile, count]) => ({ profile, count })) }, 1);
  const endpoints: Endpoint[] = fleet.endpoints.map((e, i) => ({ kind: e.profile, name: `e${i}.${e.profile}.cmp.test`, port: e.port, truth: truth[e.profile]! }));
  // Two staples only OpenSSL serves this way: expired, and signed by a sibling leaf without id-kp-OCSPSigning.
  const stale = pki.leaf('stale.cmp.test');
  const sibling = pki.leaf('sibling-signed.cmp.test');
  // A lax mTLS endpoint on single-threaded s_server (field trial 9.14): it serves one connection at a
  // time, so every client-auth probe that waits holds up the next one.
  const laxSserver = pki.leaf('lax-sserver.cmp.test');
  const servers = [
    await startOpensslServer({ cert: stale.cert, key: stale.key, chain: pki.intermediatePem, statusFile: pki.staple(stale.identity.certificate, { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - 9 * DAY) }) }),
    await startOpensslServer({ cert: sibling.cert, key: sibling.key, chain: pki.intermediatePem, statusFile: pki.staple(sibling.identity.certificate, { signer: pki.leaf('other.cmp.test').identity }) }),
    await startOpensslServer({ cert: laxSserver.cert, key: laxSserver.key, chain: pki.intermediatePem, statusFile: pki.staple(laxSserver.identity.certificate), verify: 'lax', caFile: pki.rootPem }),
  ];
  endpoints.push(
    { kind: 'stale-staple (s_server)', name: 'stale.cmp.test', port: servers[0]!.port, truth: { 'V9.2.1': 'ok', 'V9.2.4': 'problem' } },
    { kind: 'sibling-signed staple (s_server)', name: 'sibling-signed.cmp.test', port: servers[1]!.port, truth: { 'V9.2.1': 'ok', 'V9.2.4': 'problem' } },
    { kind: 'mtls-lax (s_server)', name: 'lax-sserver.cmp.test', port: servers[2]!.port, truth: { 'V9.2.1': 'problem', 'V9.2.4': 'ok' } },
  );
  try {
    // The first run starts cold (empty compile cache) and fills the cache; the second is a warm start.
    const cold = await certwardenScan(endpoints, policyPath);
    const coldScore = score(endpoints, (e) => cold.verdicts.get(`${e.name}:${e.port}`));
    const cw = await certwardenScan(endpoints, policyPath);
    const cwScore = score(endpoints, (e) => cw.verdicts.get(`${e.name}:${e.port}`));
    let ts: Awaited<ReturnType<typeof testsslAll>> | undefined;
    if (!args.has('--no-testssl')) ts = await testsslAll(endpoints, join(tmp.dir, 'root.pem'));
    const tsScore = ts ? score(endpoints, (e) => ts.each.get(`${e.name}:${e.port}`)) : undefined;
    const n = endpoints.length;
    const table = endpoints.map((e) => {
      const c = cw.verdicts.get(`${e.name}:${e.port}`);
      const t = ts?.each.get(`${e.name}:${e.port}`);
      return {
        kind: e.kind,
        truth: `${e.truth['V9.2.1']}/${e.truth['V9.2.4'] ?? '-'}`,
        certwarden: c ? `${c['V9.2.1']}/${c['V9.2.4']}` : 'missing',
        certwarden_ids: c?.ids.filter((id) => !id.endsWith('-info')).join(' '),
        testssl: t ? `${t['V9.2.1']}/${t['V9.2.4']}` : 'not run',
        testssl_ms: t ? Math.round(t.ms) : undefined,
        testssl_notes: t?.notes.join('; '),
      };
    });
    return {
      targets: n,
      certwarden_cold_start_wall_ms: Math.round(cold.ms),
      certwarden_cold_start_ms_per_target: +(cold.ms / n).toFixed(1),
      certwarden_cold_start_right: coldScore.right,
      certwarden_wall_ms: Math.round(cw.ms),
      certwarden_ms_per_target: +(cw.ms / n).toFixed(1),
      ...(cw.slowest ? { certwarden_slowest_target: cw.slowest.target, certwarden_slowest_target_ms: cw.slowest.ms } : {}),
      certwarden_exit: cw.code,
      ...(cw.error ? { certwarden_error: cw.error } : {}),
      certwarden_right: cwScore.right,
      certwarden_wrong: cwScore.wrong,
      scored_verdicts: cwScore.scored,
      ...(ts && tsScore
        ? {
            testssl_parallel: TESTSSL_PARALLEL,
            testssl_wall_ms: Math.round(ts.ms),
            testssl_ms_per_target: +(ts.ms / n).toFixed(1),
            testssl_single_run_median_ms: Math.round(median([...ts.each.values()].map((x) => x.ms))),
            speedup_per_target: +(ts.ms / cw.ms).toFixed(1),
            speedup_per_target_cold_start: +(ts.ms / cold.ms).toFixed(1),
            testssl_right: tsScore.right,
            testssl_wrong: tsScore.wrong,
          }
        : {}),
      table,
    };
  } finally {
    await fleet.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** A realistic estate: mostly healthy, with a tail of each problem. */
const FLEET_SHARE: Record<string, number> = { good: 0.7, 'no-staple': 0.06, revoked: 0.06, untrusted: 0.04, expired: 0.04, 'mtls-lax': 0.04, 'mtls-strict': 0.04, mismatch: 0.02 };

/**
 * The same estate with a certificate of its own per endpoint (and its own
 * staple): nothing a scan shares between targets (OCSP answers, parsed
 * certificates) helps for the leaves, only for the intermediate.
 */
function distinctProfiles(pki: TestPki, domain: string, counts: { profile: string; count: number }[]): { profiles: Record<string, FleetProfile>; endpoints: { profile: string; count: number }[]; names: Map<string, string> } {
  const strangerRoot = makeRoot('CN=Stranger Root');
  const profiles: Record<string, FleetProfile> = {};
  const endpoints: { profile: string; count: number }[] = [];
  const names = new Map<string, string>();
  let i = 0;
  for (const { profile: kind, count } of counts) {
    for (let k = 0; k < count; k++, i++) {
      const name = `e${i}.${kind}.${domain}`;
      const id = `${kind}#${i}`;
      if (kind === 'untrusted') {
        const l = makeLeaf(strangerRoot, name, { san: [`DNS:${name}`] });
        profiles[id] = { certChain: l.certificate.toPem(), key: keyPem(l.privateKey) };
      } else {
        const o = kind === 'expired' ? { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) } : kind === 'mismatch' ? { san: [`DNS:elsewhere${i}.${domain}`] } : { san: [`DNS:${name}`] };
        const site = pki.leaf(name, o);
        if (kind === 'revoked') pki.revoke(site.identity.certificate);
        const staple = kind === 'no-staple' ? undefined : pki.staple(site.identity.certificate, kind === 'revoked' ? { status: 'revoked' } : {});
        profiles[id] = profile(site, { ...(staple ? { staple } : {}), ...(kind === 'mtls-lax' ? { verify: 'lax' as const, clientCa: pki.rootPem } : kind === 'mtls-strict' ? { verify: 'strict' as const, clientCa: pki.rootPem } : {}) });
      }
      endpoints.push({ profile: id, count: 1 });
      names.set(id, name);
    }
  }
  return { profiles, endpoints, names };
}

async function fleetScan(endpoints: Endpoint[], policyPath: string, extra: string[] = [], nodeArgs: string[] = []): Promise<Record<string, unknown>> {
  const cw = await certwardenScan(endpoints, policyPath, extra, nodeArgs);
  const s = score(endpoints, (e) => cw.verdicts.get(`${e.name}:${e.port}`));
  return {
    args: extra.join(' ') || '(defaults)',
    wall_ms: Math.round(cw.ms),
    ms_per_target: +(cw.ms / endpoints.length).toFixed(2),
    exit: cw.code,
    ...(cw.error ? { error: cw.error } : {}),
    results: cw.verdicts.size,
    right: s.right,
    scored_verdicts: s.scored,
    wrong_sample: s.wrong.slice(0, 10),
    wrong_count: s.wrong.length,
  };
}

async function thousand(pki: TestPki, policyPath: string): Promise<Record<string, unknown>> {
  const counts = Object.entries(FLEET_SHARE).map(([profile, s]) => ({ profile, count: Math.round(s * FLEET_SIZE) }));
  const out: Record<string, unknown> = { targets: counts.reduce((a, c) => a + c.count, 0), fleet_processes: FLEET_PROCESSES };
  {
    // One wildcard certificate per kind (as in the comparison): endpoints of a kind share a leaf.
    const { profiles, truth } = mixedProfiles(pki, 'fleet.test');
    const t0 = performance.now();
    const fleet = await startFleet({ profiles, endpoints: counts }, FLEET_PROCESSES);
    out.fleet_start_ms = Math.round(performance.now() - t0);
    const endpoints: Endpoint[] = fleet.endpoints.map((e, i) => ({ kind: e.profile, name: `e${i}.${e.profile}.fleet.test`, port: e.port, truth: truth[e.profile]! }));
    try {
      const prof = args.has('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${join(projectRoot, 'bench', '.prof')}`] : [];
      out.shared_leaves = await fleetScan(endpoints, policyPath, [], prof);
      // What the cold-cache staple retry costs: the same scan looking once (nginx cold caches would then be misjudged).
      out.single_attempt = await fleetScan(endpoints, policyPath, ['--staple-attempts', '1']);
    } finally {
      await fleet.stop();
    }
  }
  {
    const { truth } = mixedProfiles(pki, 'unused.test');
    const d = distinctProfiles(pki, 'own.fleet.test', counts);
    const fleet = await startFleet({ profiles: d.profiles, endpoints: d.endpoints }, FLEET_PROCESSES);
    // The fleet deals endpoints to its processes round-robin: names go by profile, not by position.
    const endpoints: Endpoint[] = fleet.endpoints.map((e) => {
      const kind = e.profile.split('#')[0]!;
      return { kind, name: d.names.get(e.profile)!, port: e.port, truth: truth[kind]! };
    });
    try {
      out.own_leaves = await fleetScan(endpoints, policyPath);
    } finally {
      await fleet.stop();
    }
  }
  return out;
}

async function main(): Promise<void> {
  const pki = await startTestPki('certwarden Bench');
  tmp.write('root.pem', pki.rootPem);
  const policyPath = tmp.write('policy.yaml', ['version: 1', 'trust:', '  cas: [root.pem]', 'revocation:', '  mode: hard-fail', ''].join('\n'));
  const result: Record<string, unknown> = { bench: 'scan', cpus: cpus().length, node: process.version };
  try {
    if (!args.has('--fleet-only')) result.comparison = await comparison(pki, policyPath);
    if (!args.has('--no-fleet')) result.fleet = await thousand(pki, policyPath);
  } finally {
    await pki.stop();
    tmp.cleanup();
  }
  console.log(JSON.stringify(result));
  summarize(result);
}

function summarize(r: Record<string, unknown>): void {
  const c = r.comparison as Record<string, unknown> | undefined;
  const f = r.fleet as Record<string, unknown> | undefined;
  const lines: string[] = [''];
  if (c) {
    lines.push(`comparison: ${c.targets} endpoints, ${c.scored_verdicts} scored verdicts`);
    lines.push(`  certwarden: ${c.certwarden_wall_ms} ms wall, ${c.certwarden_ms_per_target} ms/target, ${c.certwarden_right} right (warm compile cache)`);
    if (c.certwarden_slowest_target) lines.push(`  certwarden: slowest target ${c.certwarden_slowest_target}: ${c.certwarden_slowest_target_ms} ms inside the scan`);
    lines.push(`  certwarden: ${c.certwarden_cold_start_wall_ms} ms wall, ${c.certwarden_cold_start_ms_per_target} ms/target, ${c.certwarden_cold_start_right} right (cold start: empty compile cache)`);
    if (c.testssl_wall_ms !== undefined) {
      lines.push(`  testssl.sh: ${c.testssl_wall_ms} ms wall (${c.testssl_parallel} at once), ${c.testssl_ms_per_target} ms/target, ${c.testssl_right} right`);
      lines.push(`  certwarden is ${c.speedup_per_target}x faster per target (${c.speedup_per_target_cold_start}x from a cold start)`);
    }
    for (const row of c.table as Record<string, unknown>[]) lines.push(`  ${String(row.kind).padEnd(32)} truth ${String(row.truth).padEnd(16)} certwarden ${String(row.certwarden).padEnd(24)} testssl ${String(row.testssl)}`);
    for (const w of c.certwarden_wrong as string[]) lines.push(`  certwarden wrong: ${w}`);
    for (const w of (c.testssl_wrong as string[] | undefined) ?? []) lines.push(`  testssl wrong: ${w}`);
  }
  if (f) {
    lines.push(`fleet: ${f.targets} endpoints in ${f.fleet_processes} processes`);
    const row = (label: string, x: Record<string, unknown> | undefined): void => {
      if (!x) return;
      lines.push(`  ${label.padEnd(58)} ${String(x.wall_ms).padStart(6)} ms wall (${x.ms_per_target} ms/target), ${x.right}/${x.scored_verdicts} right${x.error ? `, ${String(x.error)}` : ''}`);
      for (const w of (x.wrong_sample as string[] | undefined) ?? []) lines.push(`    wrong: ${w}`);
    };
    row('defaults, a wildcard leaf per kind', f.shared_leaves as Record<string, unknown>);
    row('defaults, a leaf of its own per endpoint', f.own_leaves as Record<string, unknown>);
    row('--staple-attempts 1 (no cold-cache retry)', f.single_attempt as Record<string, unknown>);
  }
  process.stderr.write(lines.join('\n') + '\n');
}

await main();
