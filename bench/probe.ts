/**
 * Probe benchmark: wall time and cases per second of one `asvs` run per
 * client profile against one farm (farm start-up measured on its own), and
 * the farm's own overhead with a client that does nothing but connect (a
 * Node process is the floor for "one process per case"). Prints one JSON line.
 *
 *   node bench/probe.ts                       every installed profile (~2 min on 2 cores)
 *   node bench/probe.ts curl node-https       only these
 *   node bench/probe.ts --concurrency 8       runs at once (default: the probe's)
 *
 * A profile whose program is missing is listed under `skipped`.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Farm } from '../src/probe/farm.ts';
import { profiles } from '../src/probe/profiles.ts';
import { DEFAULT_CONCURRENCY, runProbe } from '../src/probe/runner.ts';
import { median } from './stats.ts';

const argv = process.argv.slice(2);
const ci = argv.indexOf('--concurrency');
const concurrency = ci >= 0 ? Number(argv[ci + 1]) : DEFAULT_CONCURRENCY;
const names = argv.filter((a, i) => !a.startsWith('--') && (ci < 0 || i !== ci + 1));
const all = profiles();
const unknown = names.filter((n) => !(n in all));
if (unknown.length > 0) {
  process.stderr.write(`bench/probe: unknown profile(s) ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}\n`);
  process.exit(2);
}
/** Farm start-ups timed: minting ~30 certificates and starting ~25 listeners. */
const FARM_STARTS = 5;

const starts: number[] = [];
for (let i = 0; i < FARM_STARTS; i++) {
  const t = performance.now();
  const f = await Farm.start();
  starts.push(performance.now() - t);
  await f.close();
}

const farm = await Farm.start();
const clients: Record<string, { wallMs: number; cases: number; casesPerSecond: number; medianCaseMs: number; v921: string; v924: string; wrong: string[] }> = {};
const skipped: string[] = [];
try {
  // The floor: a Node process that connects, sends the request and exits 0 without judging anything.
  const floor = `require('node:https').get(process.env.CERTWARDEN_PROBE_URL, { rejectUnauthorized: false, ciphers: 'DEFAULT:@SECLEVEL=0' }, (r) => { r.resume(); r.on('end', () => process.exit(0)); }).on('error', () => process.exit(1));`;
  const targets: [string, { command: readonly string[]; files?: Readonly<Record<string, string>>; setup?: readonly (readonly string[])[]; stdin?: string }][] = [
    ['node-accept-all (floor)', { command: [process.execPath, '-e', floor] }],
    ...Object.entries(all).filter(([n]) => names.length === 0 || names.includes(n)),
  ];
  for (const [name, p] of targets) {
    if (!name.includes('floor') && spawnSync(p.command[0]!, ['--version'], { stdio: 'ignore' }).error) {
      skipped.push(name);
      continue;
    }
    const t = performance.now();
    const report = await runProbe({ command: p.command, farm, concurrency, ...(p.files ? { files: p.files } : {}), ...(p.setup ? { setup: p.setup } : {}), ...(p.stdin !== undefined ? { stdin: p.stdin } : {}) });
    const wallMs = performance.now() - t;
    const r = report.results[0]!;
    clients[name] = {
      wallMs: Math.round(wallMs),
      cases: r.cases.length,
      casesPerSecond: Number((r.cases.length / (wallMs / 1000)).toFixed(1)),
      medianCaseMs: Math.round(median(r.cases.map((c) => c.durationMs))),
      v921: r.requirements['V9.2.1'].status,
      v924: r.requirements['V9.2.4'].status,
      wrong: r.cases.filter((c) => c.verdict !== 'ok').map((c) => c.id),
    };
    process.stderr.write(`${name.padEnd(28)} ${String(clients[name].wallMs).padStart(6)} ms  ${clients[name].casesPerSecond} cases/s\n`);
  }
} finally {
  await farm.close();
}
process.stdout.write(`${JSON.stringify({ bench: 'probe', concurrency, farmStartMedianMs: Math.round(median(starts)), clients, skipped })}\n`);
