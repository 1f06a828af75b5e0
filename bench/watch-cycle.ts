/**
 * One watch cycle, measured from inside: the child process of
 * bench/watch-fleet.ts. It loads a watch configuration, starts the real
 * service (`startWatch`: scheduler, engine, SQLite store, HTTP server), waits
 * until every target has been scanned once, and prints one JSON line: wall
 * time, this process's CPU (user and system) split into start-up and cycle,
 * peak RSS, event-loop delay, and each target's verdicts (from the service's
 * own `watch_scan` log lines).
 *
 * It runs alone in its process so that its CPU is the watch's and nothing
 * else's: the endpoints and the OCSP responder live in other processes.
 *
 *   node bench/watch-cycle.ts CONFIG
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadWatchConfig } from '../src/watch/config.ts';
import { startWatch } from '../src/watch/service.ts';

/** What the parent reads: one line of JSON on stdout. */
export interface CycleResult {
  targets: number;
  scanned: number;
  failedRuns: number;
  /** Config load, policy load, store open, server start. */
  startupWallMs: number;
  startupCpuMs: number;
  /** From the scheduler's start to the last target's scan recorded. */
  cycleWallMs: number;
  cycleCpuUserMs: number;
  cycleCpuSystemMs: number;
  /** Module loading before the watch starts (Node compiling the TypeScript sources). */
  importCpuMs: number;
  peakRssMiB: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** target label → [up, V9.2.1 status, V9.2.4 status] */
  verdicts: Record<string, [boolean, string, string]>;
  failures: string[];
  /** target label → finding ids of its scan, for targets not passing both requirements (read from the store after the cycle). */
  findings: Record<string, string[]>;
  /** Up to DIAGNOSED targets whose scan ended in `error` or down: what the store kept, to see why. */
  diagnosed: Array<{ target: string; downReason?: string; findings: string[]; ms: number }>;
}

/** Targets in `error` or down whose stored snapshot is printed (enough to see a pattern, not a flood). */
const DIAGNOSED = 5;

/** A cycle that has not finished in this long is reported as stuck, not waited on forever. */
const CYCLE_DEADLINE_MS = 30 * 60_000;

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (!configPath) throw new Error('usage: node bench/watch-cycle.ts CONFIG');
  const importCpu = process.cpuUsage();
  const t0 = performance.now();
  const config = loadWatchConfig(configPath);
  const total = config.targets.length;
  const verdicts: CycleResult['verdicts'] = {};
  const failures: string[] = [];
  let scanned = 0;
  let failedRuns = 0;
  let cycleStart = { wall: 0, cpu: process.cpuUsage() };
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const log = (e: Record<string, unknown>): void => {
    if (e.msg === 'watch_scan') {
      verdicts[e.target as string] = [e.up as boolean, String(e.v921), String(e.v924)];
      scanned++;
    } else if (e.msg === 'watch_scan_failed') {
      failedRuns++;
      if (failures.length < 20) failures.push(`${String(e.target)}: ${String(e.error)}`);
    } else if (e.msg === 'watch_started') {
      // The scheduler started inside startWatch, just before this line.
      cycleStart = { wall: performance.now(), cpu: process.cpuUsage() };
      delay.enable();
    }
    if (scanned + failedRuns === total) finish();
  };
  const running = await startWatch(config, { port: 0, log });
  const startupWallMs = performance.now() - t0;
  const stuck = setTimeout(() => {
    process.stderr.write(`watch-cycle: ${scanned + failedRuns} of ${total} targets done after ${CYCLE_DEADLINE_MS / 60_000} min\n`);
    finish();
  }, CYCLE_DEADLINE_MS);
  await finished;
  clearTimeout(stuck);
  const cycleWallMs = performance.now() - cycleStart.wall;
  const cycleCpu = process.cpuUsage(cycleStart.cpu);
  delay.disable();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const findings: CycleResult['findings'] = {};
  for (const [target, [up, v921, v924]] of Object.entries(verdicts)) {
    if (up && v921 === 'pass' && v924 === 'pass') continue;
    findings[target] = [...new Set(((await running.store.latest(target))?.findings ?? []).map((f) => f.id))];
  }
  const diagnosed: CycleResult['diagnosed'] = [];
  for (const [target, [up, v921, v924]] of Object.entries(verdicts)) {
    if (diagnosed.length >= DIAGNOSED) break;
    if (up && v921 !== 'error' && v924 !== 'error') continue;
    const s = await running.store.latest(target);
    diagnosed.push({ target, ...(s?.downReason ? { downReason: s.downReason } : {}), findings: (s?.findings ?? []).map((f) => `${f.id}: ${f.message}`.slice(0, 300)), ms: s?.durationMs ?? -1 });
  }
  await running.stop();
  const result: CycleResult = {
    targets: total,
    scanned,
    failedRuns,
    startupWallMs: Math.round(startupWallMs),
    startupCpuMs: Math.round(cpuMs(cycleStart.cpu) - cpuMs(importCpu)),
    cycleWallMs: Math.round(cycleWallMs),
    cycleCpuUserMs: Math.round(cycleCpu.user / 1000),
    cycleCpuSystemMs: Math.round(cycleCpu.system / 1000),
    importCpuMs: Math.round(cpuMs(importCpu)),
    peakRssMiB: Math.round(peakRssMiB),
    eventLoopDelayP99Ms: +(delay.percentile(99) / 1e6).toFixed(1),
    eventLoopDelayMaxMs: +(delay.max / 1e6).toFixed(1),
    verdicts,
    failures,
    findings,
    diagnosed,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`watch-cycle: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 2;
});
