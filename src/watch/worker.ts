/**
 * `certwarden watch worker --zone NAME`: takes the scan jobs of one zone from
 * pg-boss, scans with the same engine as the service (every check of scan),
 * and writes each result back to the store (`putResult`: the first result of
 * a slot is kept, a retried job's second one is a no-op). It judges nothing
 * and alerts nobody: the service turns results into history and events, so a
 * worker needs only the policy and the database, not the CA inventory or the
 * alert channels' secrets (fewer secrets in remote zones).
 */
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/types.ts';
import type { ScanOptions } from '../scan/runner.ts';
import { DEFAULT_ZONE, JobWorker, openJobs, queueOf, type Log, type ScanJob } from './jobs.ts';
import type { WatchConfig } from './config.ts';
import { WatchEngine } from './engine.ts';
import { openWatchStore, type WatchStore } from './store.ts';

export interface RunningWorker {
  /** `zone/host:pid`: recorded with each result. */
  id: string;
  zone: string;
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  zone: string;
  /** Jobs at once (default: the configuration's concurrency). */
  concurrency?: number;
  log?: Log;
  policy?: Policy;
  scan?: Pick<ScanOptions, 'targetTimeoutMs' | 'settings' | 'connectionsPerEndpoint'>;
}

/** Run one job: the target from this worker's configuration (never from the job), in this worker's zone. */
export function scanJobRunner(engine: WatchEngine, store: WatchStore, zone: string, workerId: string, log: Log): (job: PgBoss.Job<ScanJob>) => Promise<void> {
  return async (job) => {
    const { slot, target } = job.data;
    const t = engine.target(target);
    if (!t) throw new CertwardenError(ErrorCode.WATCH_JOB, `job ${job.id} names target "${target}", which this worker's configuration does not list (are the service's and the worker's configurations the same?)`);
    if ((t.zone ?? DEFAULT_ZONE) !== zone) throw new CertwardenError(ErrorCode.WATCH_JOB, `job ${job.id} for target "${target}" (zone ${t.zone ?? DEFAULT_ZONE}) reached a worker of zone ${zone}`);
    log({ msg: 'watch_job_started', job: job.id, target, slot, worker: workerId });
    const snapshot = await engine.scanOnly(t);
    const kept = await store.putResult({ slot, target, snapshot, worker: workerId });
    log({ msg: 'watch_job_done', job: job.id, target, slot, worker: workerId, up: snapshot.up, kept, ms: snapshot.durationMs });
  };
}

export async function startWatchWorker(config: WatchConfig, o: StartWorkerOptions): Promise<RunningWorker> {
  const log = o.log ?? (() => {});
  if (config.storeUrl === undefined) throw new CertwardenError(ErrorCode.WATCH_CONFIG, `${config.file}: watch worker needs store: postgres://... (the SQLite store is the service's alone)`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(o.zone)) throw new CertwardenError(ErrorCode.USAGE, 'a zone name is letters, digits, "_", "." and "-", at most 64 characters');
  const policy = o.policy ?? loadPolicy(config.policyFile);
  const id = `${o.zone}/${hostname()}:${process.pid}`;
  const store = await openWatchStore(config);
  let boss: PgBoss | undefined;
  try {
    boss = await openJobs(config.storeUrl, { expiryMs: config.jobExpiryMs, zones: [o.zone], log, applicationName: 'certwarden-watch-worker' });
    const engine = new WatchEngine({ policy, targets: config.targets, store, channels: [], repeatMs: config.repeatMs, ...(o.scan ? { scan: o.scan } : {}) });
    const worker = new JobWorker(boss, queueOf(o.zone), o.concurrency ?? config.concurrency, scanJobRunner(engine, store, o.zone, id, log), log);
    worker.start();
    const zoneTargets = config.targets.filter((t) => (t.zone ?? DEFAULT_ZONE) === o.zone).length;
    log({ msg: 'watch_worker_started', worker: id, zone: o.zone, targets: zoneTargets, store: store.description });
    const b = boss;
    return {
      id,
      zone: o.zone,
      async stop() {
        await worker.stop();
        await b.stop({ graceful: true, wait: true });
        await store.close();
        log({ msg: 'watch_worker_stopped', worker: id });
      },
    };
  } catch (err) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
    await store.close();
    throw err;
  }
}
