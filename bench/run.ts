/**
 * Runs the benchmarks in this folder one after the other on the same machine.
 * Each runs certwarden and its peer side by side in one run and prints one
 * JSON line with the ratios, then a summary. Loopback and local files only.
 *
 *   npm run bench                       every benchmark (about 15 minutes on 2 cores)
 *   npm run bench -- crl ocsp-verify    only these
 *   npm run bench -- --list             names, peers and durations
 *
 * Run them on an idle machine: the ratios are measured in one run, but two
 * benchmarks at once (or a test suite) share the same cores.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Bench {
  file: string;
  peer: string;
  about: string;
  args?: string[];
}

const BENCHES: Record<string, Bench> = {
  'ocsp-verify': { file: 'ocsp-verify.ts', peer: 'openssl ocsp', about: 'OCSP response verification per second (~30 s)' },
  crl: { file: 'crl.ts', peer: 'openssl crl / verify -crl_check', about: 'CRL build, parse and lookup at 100k and 1M entries (~1 min)' },
  'ca-ocsp': { file: 'ca-ocsp.ts', peer: 'openssl ocsp -port', about: 'OCSP requests per second of `ca serve` per CA key type, CRL generation for 100k entries (~5 min; needs wrk, else autocannon)' },
  enforce: { file: 'enforce.ts', peer: 'https.Agent, nginx', about: 'createAgent requests/s over new connections; handshakes/s with createStapler and nginx stapling (~4 min)' },
  audit: { file: 'audit.ts', peer: '(gixy not packaged)', about: 'configuration files per second on ../shared/corpora/configs, per file and as trees (~10 s)' },
  probe: { file: 'probe.ts', peer: 'curl, wget, python, java, node, openssl, gnutls-cli', about: 'wall time and cases/s of one asvs probe run per client profile, farm start-up (~2 min)' },
  'watch-workers': { file: 'watch-workers.ts', peer: '(none: 1 vs 2 vs 4 workers)', about: 'scan throughput of watch workers on Postgres, 500 loopback endpoints, 1/2/4 workers (~1-2 min; builds nothing: run tsc -p tsconfig.build.json first)' },
  'watch-fleet': { file: 'watch-fleet.ts', peer: 'prometheus-blackbox-exporter', about: 'one watch cycle over 10,000 loopback endpoints: cycle time, CPU per target, peak RSS, verdicts right, against blackbox_exporter tcp+tls probes (~4 min; needs prometheus-blackbox-exporter, else certwarden only)' },
  scan: { file: 'scan.ts', peer: 'testssl.sh', about: 'scan of 21 endpoints with known verdicts against testssl.sh -S, then 1,000 endpoints (~3 min; needs testssl)' },
};

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
if (argv.includes('--list') || argv.includes('--help')) {
  for (const [name, b] of Object.entries(BENCHES)) process.stdout.write(`${name.padEnd(12)} vs ${b.peer.padEnd(32)} ${b.about}\n`);
  process.exit(0);
}
const unknown = argv.filter((a) => !(a in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`bench/run: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
const chosen = argv.length > 0 ? argv : Object.keys(BENCHES);
const failed: string[] = [];
for (const name of chosen) {
  const b = BENCHES[name]!;
  process.stderr.write(`== bench/${b.file} (vs ${b.peer})\n`);
  const r = spawnSync(process.execPath, [join(here, b.file), ...(b.args ?? [])], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) process.stderr.write(`bench/run: failed: ${failed.join(', ')}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
