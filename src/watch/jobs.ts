/**
 * Scans as jobs on pg-boss (Postgres store only): one queue per zone, a job
 * per scheduled slot whose id is derived from the slot (a second send of the
 * same slot is a no-op), retried when its worker dies (pg-boss expires a job
 * held longer than its expiry and hands it out again). pg-boss keeps its own
 * schema (`certwarden_watch_jobs`), versioned and migrated by pg-boss itself.
 *
 * `JobWorker` is the taking side: it fetches up to `concurrency` jobs, runs
 * each as soon as it has it, and completes or fails each on its own (a slow
 * target does not hold back the others, as a whole batch would).
 */
import type PgBoss from 'pg-boss';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { redactStoreUrl } from './config.ts';
import { WATCH_PG_CONNECT_TIMEOUT_MS } from './postgres-store.ts';

/** pg-boss's schema in the database (its own: it installs and migrates it). */
export const JOBS_PG_SCHEMA = 'certwarden_watch_jobs';
/** The zone of targets that name none; the service works it itself. */
export const DEFAULT_ZONE = 'default';
export const QUEUE_PREFIX = 'certwarden-watch-';
/**
 * A job fails when its worker dies (expiry) or cannot reach the store: 5
 * retries ride out a worker restart or a short outage; after them the slot
 * is given up (logged by pg-boss as failed) and the next slot scans the target.
 */
export const JOB_RETRY_LIMIT = 5;
/** Retry a failed job after 1 s: a dead worker's job is already late by its expiry. */
export const JOB_RETRY_DELAY_S = 1;
/** An idle worker asks for jobs this often: pg-boss's minimum (500 ms); a slot waits at most that for a free worker. */
export const WORKER_POLL_MS = 500;
/**
 * pg-boss looks for expired jobs every quarter of the expiry (at least every
 * second, its minimum): a dead worker's job is handed out again within 1.25
 * expiries.
 */
export const MAINTENANCE_FRACTION = 4;
/** Connections per process for pg-boss (fetch, complete, send, maintenance). */
export const JOBS_PG_POOL_SIZE = 4;

export interface ScanJob {
  /** The slot key (slots.ts). */
  slot: string;
  /** The target's label. */
  target: string;
  /** When the slot was due (ms). */
  due: number;
}

export type Log = (entry: Record<string, unknown>) => void;

export function queueOf(zone: string | undefined): string {
  return `${QUEUE_PREFIX}${zone ?? DEFAULT_ZONE}`;
}

/** The queue's defaults (each job repeats them). */
export function queueOptions(expiryMs: number): PgBoss.Queue {
  return { name: '', policy: 'standard', retryLimit: JOB_RETRY_LIMIT, retryDelay: JOB_RETRY_DELAY_S, expireInSeconds: Math.max(1, Math.round(expiryMs / 1000)) };
}

/**
 * pg_advisory_lock key ("cwwj") serialising pg-boss's start and queue creation
 * across processes: creating a queue attaches a partition to pg-boss's job
 * table, and two processes doing it at once (workers of two zones starting
 * together) deadlock in Postgres.
 */
const JOBS_SETUP_LOCK_KEY = 0x6377776a;

/**
 * Start pg-boss on the store's database (installing or migrating its schema)
 * and create `zones`' queues, one process at a time. Failures are
 * CW_ERR_STORE, with the URL's password left out.
 */
export async function openJobs(url: string, o: { expiryMs: number; zones: readonly string[]; log: Log; applicationName: string }): Promise<PgBoss> {
  const redacted = redactStoreUrl(url);
  const { default: pg } = await import('pg');
  const lock = new pg.Client({ connectionString: url, connectionTimeoutMillis: WATCH_PG_CONNECT_TIMEOUT_MS, application_name: `${o.applicationName}-setup` });
  let boss: PgBoss | undefined;
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [JOBS_SETUP_LOCK_KEY]);
    boss = await startBoss(url, redacted, o);
    for (const zone of new Set(o.zones)) {
      const name = queueOf(zone);
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { ...queueOptions(o.expiryMs), name });
    }
    return boss;
  } catch (cause) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
    throw new CertwardenError(ErrorCode.STORE, `the job queue on ${redacted}: cannot start it: ${(cause as Error).message.split(url).join(redacted)}`, { cause });
  } finally {
    // Ending the session releases the advisory lock too, even if the unlock is not reached.
    await lock.end().catch(() => {});
  }
}

async function startBoss(url: string, redacted: string, o: { expiryMs: number; log: Log; applicationName: string }): Promise<PgBoss> {
  const { default: Boss } = await import('pg-boss');
  const boss = new Boss({
    connectionString: url,
    schema: JOBS_PG_SCHEMA,
    application_name: o.applicationName,
    max: JOBS_PG_POOL_SIZE,
    schedule: false,
    supervise: true,
    migrate: true,
    maintenanceIntervalSeconds: Math.max(1, Math.floor(o.expiryMs / 1000 / MAINTENANCE_FRACTION)),
  });
  // pg-boss reports background failures as events; they are logged (never with the URL's password) and it retries on its own.
  boss.on('error', (err: Error) => o.log({ msg: 'watch_jobs_error', error: err.message.split(url).join(redacted) }));
  await boss.start();
  return boss;
}

/** Takes jobs from one queue, at most `concurrency` at once; never throws into nowhere. */
export class JobWorker {
  readonly #boss: PgBoss;
  readonly #queue: string;
  readonly #concurrency: number;
  readonly #run: (job: PgBoss.Job<ScanJob>) => Promise<void>;
  readonly #log: Log;
  readonly #inflight = new Set<Promise<void>>();
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(boss: PgBoss, queue: string, concurrency: number, run: (job: PgBoss.Job<ScanJob>) => Promise<void>, log: Log) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    this.#boss = boss;
    this.#queue = queue;
    this.#concurrency = concurrency;
    this.#run = run;
    this.#log = log;
  }

  start(): void {
    this.#loop ??= this.#pump();
  }

  /** Take no more jobs; resolves when the ones in hand are completed or failed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.all([...this.#inflight]);
  }

  async #pump(): Promise<void> {
    while (!this.#stopped) {
      const room = this.#concurrency - this.#inflight.size;
      let got = 0;
      if (room > 0) {
        try {
          const jobs = await this.#boss.fetch<ScanJob>(this.#queue, { batchSize: room });
          got = jobs.length;
          for (const job of jobs) this.#start(job);
        } catch (err) {
          this.#log({ msg: 'watch_jobs_error', queue: this.#queue, error: (err as Error).message });
        }
      }
      // Full, or nothing to do: wait for a job to end or the poll interval, whichever first.
      if (got === 0 || this.#inflight.size >= this.#concurrency) await this.#sleep(WORKER_POLL_MS);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }

  #start(job: PgBoss.Job<ScanJob>): void {
    const p: Promise<void> = (async () => {
      try {
        await this.#run(job);
        await this.#boss.complete(this.#queue, job.id);
      } catch (err) {
        this.#log({ msg: 'watch_job_failed', queue: this.#queue, job: job.id, target: job.data.target, slot: job.data.slot, error: (err as Error).message });
        // pg-boss retries it (up to JOB_RETRY_LIMIT); if even this fails, the expiry hands it out again.
        await this.#boss.fail(this.#queue, job.id, { message: (err as Error).message }).catch(() => {});
      }
    })().finally(() => {
      this.#inflight.delete(p);
      this.#wake?.();
    });
    this.#inflight.add(p);
  }
}
