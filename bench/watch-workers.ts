/**
 * Scan throughput of `certwarden watch worker`s on Postgres: N loopback TLS
 * endpoints (a good certificate with a staple, the live OCSP responder of
 * test-pki), all in one zone; for 1, 2 and 4 worker processes (the real CLI,
 * bin/certwarden.js: build dist first), the service sends every target's slot
 * at once and the clock runs until every result is recorded. Each worker
 * count gets a fresh database. Prints one JSON line, then a table.
 *
 *   node bench/watch-workers.ts [--targets N] [--concurrency C] [--workers 1,2,4]
 *
 * The time is the cycle's: from the service's start (it sends the jobs at
 * once) to the last result scanned by a worker, and to the last one recorded
 * by the service (workers are started and connected before); targets/s is
 * per recorded second. CPU is
 * the workers' (user + system, from /proc), per target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { projectRoot } from '../test/helpers/shared.ts';
import { tempDir } from '../test/helpers/pki.ts';
import { startPostgres } from '../test/helpers/servers/postgres.ts';
import { startTestPki } from '../test/helpers/servers/test-pki.ts';
import { loadWatchConfig } from '../src/watch/config.ts';
import { startWatch } from '../src/watch/service.ts';
import { startFleet } from './fleet.ts';

/** Default fleet: 500 endpoints is about a minute for the three runs on 2 shared cores. */
const DEFAULT_TARGETS = 500;
/** Jobs each worker runs at once (its `--concurrency`). */
const DEFAULT_CONCURRENCY = 8;
/** A run that has not recorded every target by then is reported as failed, not waited on forever. */
const RUN_DEADLINE_MS = 600_000;
/** The endpoints' handshakes in two processes, so the servers' side is not one event loop. */
const FLEET_PROCESSES = 2;
/** Linux clock ticks per second (USER_HZ) for /proc/PID/stat. */
const CLOCK_TICKS = 100;

const BIN = join(projectRoot, 'bin', 'certwarden.js');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const targetsN = Number(opt('targets', String(DEFAULT_TARGETS)));
const concurrency = Number(opt('concurrency', String(DEFAULT_CONCURRENCY)));
const workerCounts = opt('workers', '1,2,4').split(',').map(Number);

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS; // fields 14 and 15 (utime, stime), counted after "pid (comm)"
  } catch {
    return NaN;
  }
}

function startWorker(config: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'watch', 'worker', '--config', config, '--zone', 'bench', '--concurrency', String(concurrency)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('"watch_worker_started"')) {
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${err.slice(0, 2000)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(projectRoot, 'dist', 'cli', 'main.js'))) throw new Error('build dist first: node_modules/.bin/tsc -p tsconfig.build.json');
  const tmp = tempDir('certwarden-bench-workers-');
  const pki = await startTestPki('certwarden Workers Bench');
  const db = await startPostgres();
  const fleet = await startFleet({
    profiles: { good: (() => {
      const site = pki.leaf('bench.test');
      return { certChain: site.certChain, key: site.key, stapleBase64: pki.staple(site.identity.certificate).toString('base64') };
    })() },
    endpoints: [{ profile: 'good', count: targetsN }],
  }, FLEET_PROCESSES);
  tmp.write('root.pem', pki.rootPem);
  tmp.write('policy.yaml', ['version: 1', 'trust:', '  cas: [root.pem]', 'revocation:', '  mode: hard-fail', ''].join('\n'));
  let admin: pg.Client;
  // The port opens before the server accepts sessions.
  for (let attempt = 0; ; attempt++) {
    admin = new pg.Client({ connectionString: db.url });
    try {
      await admin.connect();
      break;
    } catch (err) {
      await admin.end().catch(() => {});
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const runs: Array<Record<string, unknown>> = [];
  try {
    for (const [run, workers] of workerCounts.entries()) {
      const name = `bench_${run}_${workers}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = db.url.replace(/\/postgres$/, `/${name}`);
      const config = tmp.write(`watch-${run}.yaml`, [
        'version: 1',
        'policy: policy.yaml',
        // One slot per target in the run (a slot boundary inside the run would scan a target twice).
        'every: 1000d',
        'listen: 127.0.0.1:0',
        `store: "${url}"`,
        'targets:',
        // One certificate for bench.test; the port tells the targets apart.
        ...fleet.endpoints.map((e) => `  - { target: "bench.test:${e.port}", resolve: 127.0.0.1, zone: bench }`),
        '',
      ].join('\n'));
      const children = await Promise.all(Array.from({ length: workers }, () => startWorker(config)));
      const cpuBefore = children.map((c) => cpuSeconds(c.pid!));
      const t0 = performance.now();
      const service = await startWatch(loadWatchConfig(config), { port: 0 });
      let recorded = 0;
      let up = 0;
      let scannedAt: number | undefined;
      try {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        const deadline = Date.now() + RUN_DEADLINE_MS;
        for (;;) {
          recorded = (await c.query('SELECT count(DISTINCT target)::int AS n FROM certwarden_watch.scans')).rows[0].n as number;
          // Scanned by the workers (recorded or still waiting for the service): where the time goes, scanning or recording.
          if (scannedAt === undefined && recorded + ((await c.query('SELECT count(*)::int AS n FROM certwarden_watch.results')).rows[0].n as number) >= targetsN) scannedAt = performance.now();
          if (recorded >= targetsN || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // A scan that failed to reach its endpoint is fast and would flatter the numbers: count the good ones.
        up = (await c.query(`SELECT count(DISTINCT target)::int AS n FROM certwarden_watch.scans WHERE up AND snapshot::jsonb #>> '{statuses,V9.2.1}' = 'pass'`)).rows[0].n as number;
        await c.end();
      } finally {
        const seconds = (performance.now() - t0) / 1000;
        const cpu = children.map((c, i) => cpuSeconds(c.pid!) - cpuBefore[i]!).reduce((a, b) => a + b, 0);
        await service.stop();
        await Promise.all(children.map(stop));
        runs.push({ workers, concurrency, targets: targetsN, recorded, up_and_passing: up, seconds: +seconds.toFixed(2), scanned_seconds: scannedAt === undefined ? null : +((scannedAt - t0) / 1000).toFixed(2), targets_per_s: +(recorded / seconds).toFixed(1), worker_cpu_ms_per_target: +((cpu * 1000) / Math.max(1, recorded)).toFixed(1) });
      }
    }
  } finally {
    await admin.end().catch(() => {});
    await fleet.stop();
    await db.stop();
    await pki.stop();
    tmp.cleanup();
  }
  const result = { bench: 'watch-workers', cpus: cpus().length, node: process.version, runs };
  console.log(JSON.stringify(result));
  const lines = ['', `watch workers on Postgres: ${targetsN} loopback endpoints, one zone, --concurrency ${concurrency} per worker (${cpus().length} CPUs)`, '  workers   scanned s   recorded s   targets/s   worker CPU ms/target'];
  for (const r of runs) lines.push(`  ${String(r.workers).padStart(7)}   ${String(r.scanned_seconds).padStart(9)}   ${String(r.seconds).padStart(10)}   ${String(r.targets_per_s).padStart(9)}   ${String(r.worker_cpu_ms_per_target).padStart(20)}${r.recorded !== targetsN ? `   (only ${r.recorded} recorded)` : ''}${r.up_and_passing !== r.recorded ? `   (${r.up_and_passing} up and passing V9.2.1)` : ''}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

await main();
