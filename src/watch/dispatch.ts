/**
 * The service's side of scans-as-jobs (Postgres store): it sends each
 * target's slots to its zone's queue when due, works the default zone itself,
 * and records the results workers write back: detection, events and outbox
 * rows happen here, once per slot (`recordScan` with the slot: the store's
 * UNIQUE slot makes a second record a no-op), in slot order per target;
 * results of different targets share a group commit.
 */
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { WatchConfig, WatchTarget } from './config.ts';
import type { WatchEngine } from './engine.ts';
import { DEFAULT_ZONE, JOB_RETRY_DELAY_S, JOB_RETRY_LIMIT, JobWorker, openJobs, queueOf, type Log, type ScanJob } from './jobs.ts';
import type { Clock } from './scheduler.ts';
import { currentSlot, jobIdOf, type Slot } from './slots.ts';
import type { WatchStore } from './store.ts';
import { scanJobRunner } from './worker.ts';

/** Due slots are looked for every second: a slot is sent at most 1 s late, and computing 10,000 slots takes about a millisecond. */
export const DISPATCH_TICK_MS = 1_000;
/** Workers' results are looked for every second: a result waits at most that to become history and alerts. */
export const RESULT_POLL_MS = 1_000;
/** Jobs per insert: one statement per 500 slots, so a 10,000-target fleet starts in 20 statements. */
export const DISPATCH_BATCH = 500;

export interface JobScheduling {
  /** Slots sent, per target label (tests and logs). */
  sent(): Map<string, string[]>;
  stop(): Promise<void>;
}

export interface JobSchedulingOptions {
  config: WatchConfig;
  engine: WatchEngine;
  store: WatchStore;
  clock: Clock;
  log: Log;
  /** After a result became history with events (the service delivers the outbox). */
  onEvents: () => void;
}

export async function startJobScheduling(o: JobSchedulingOptions): Promise<JobScheduling> {
  const { config, engine, store, clock, log } = o;
  const zones = [DEFAULT_ZONE, ...config.targets.map((t) => t.zone ?? DEFAULT_ZONE)];
  const boss = await openJobs(config.storeUrl!, { expiryMs: config.jobExpiryMs, zones, log, applicationName: 'certwarden-watch' });
  const expireInSeconds = Math.max(1, Math.round(config.jobExpiryMs / 1000));
  const lastSent = new Map<string, number>();
  const sent = new Map<string, string[]>();
  let stopped = false;

  const jobOf = (t: WatchTarget, s: Slot): PgBoss.JobInsert<ScanJob> => ({
    id: jobIdOf(s.key),
    name: queueOf(t.zone),
    data: { slot: s.key, target: t.label, due: s.at },
    retryLimit: JOB_RETRY_LIMIT,
    retryDelay: JOB_RETRY_DELAY_S,
    expireInSeconds,
    // A slot no worker took before the next one is due is superseded by it: no backlog of stale scans.
    keepUntil: new Date(s.at + t.everyMs + config.jobExpiryMs).toISOString(),
  });

  let ticking: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    const now = clock.now();
    const due: PgBoss.JobInsert<ScanJob>[] = [];
    for (const t of config.targets) {
      const s = currentSlot(t, now);
      if ((lastSent.get(t.label) ?? -Infinity) >= s.n) continue;
      due.push(jobOf(t, s));
      lastSent.set(t.label, s.n);
      sent.set(t.label, [...(sent.get(t.label) ?? []), s.key]);
    }
    for (let i = 0; i < due.length; i += DISPATCH_BATCH) {
      const batch = due.slice(i, i + DISPATCH_BATCH);
      try {
        // ON CONFLICT DO NOTHING on the id: a slot sent before a restart is not sent twice.
        await boss.insert(batch);
      } catch (err) {
        log({ msg: 'watch_dispatch_failed', jobs: batch.length, error: (err as Error).message });
        for (const j of batch) lastSent.delete(j.data!.target); // sent again at the next tick
      }
    }
    if (due.length > 0) log({ msg: 'watch_dispatched', jobs: due.length });
  };
  let cancelTick = (): void => {};
  const loopTick = (): void => {
    if (stopped) return;
    ticking = tick()
      .catch((err: unknown) => log({ msg: 'watch_dispatch_failed', error: (err as Error).message }))
      .finally(() => {
        if (!stopped) cancelTick = clock.setTimer(loopTick, DISPATCH_TICK_MS);
      });
  };

  let recording: Promise<void> = Promise.resolve();
  const record = async (): Promise<void> => {
    for (;;) {
      const results = await store.pendingResults();
      if (results.length === 0 || stopped) return;
      // Results of different targets are recorded together (one group commit: group-commit.ts); a target's
      // results one after another, in slot order, each judged against the one before (inOrderWaves).
      for (const wave of inOrderWaves(results)) {
        const outcomes = await Promise.allSettled(wave.map((r) => engine.record(r.snapshot, { slot: r.slot, worker: r.worker })));
        let failed: unknown;
        wave.forEach((r, i) => {
          const out = outcomes[i]!;
          if (out.status === 'rejected') {
            failed ??= out.reason;
            return;
          }
          const events = out.value;
          log({ msg: 'watch_scan', target: r.target, slot: r.slot, worker: r.worker, up: r.snapshot.up, v921: r.snapshot.statuses['V9.2.1'], v924: r.snapshot.statuses['V9.2.4'], events: events.map((e) => e.event), ms: r.snapshot.durationMs });
          if (events.length > 0) o.onEvents();
        });
        // A result that could not be recorded stays pending: stop here, so that no later result of its
        // target is recorded before it (retried at the next poll, as before).
        if (failed !== undefined) throw failed;
      }
    }
  };
  let cancelRecord = (): void => {};
  const loopRecord = (): void => {
    if (stopped) return;
    recording = record()
      .catch((err: unknown) => log({ msg: 'watch_record_failed', error: (err as Error).message }))
      .finally(() => {
        if (!stopped) cancelRecord = clock.setTimer(loopRecord, RESULT_POLL_MS);
      });
  };

  // The service works the default zone itself (targets without `zone`).
  const workerId = `${DEFAULT_ZONE}/${hostname()}:${process.pid}`;
  const own = new JobWorker(boss, queueOf(DEFAULT_ZONE), config.concurrency, scanJobRunner(engine, store, DEFAULT_ZONE, workerId, log), log);
  own.start();
  loopTick();
  loopRecord();
  return {
    sent: () => sent,
    async stop() {
      stopped = true;
      cancelTick();
      cancelRecord();
      await ticking;
      await own.stop();
      await recording;
      await boss.stop({ graceful: true, wait: true });
    },
  };
}

/**
 * Results (oldest scan first) in waves holding at most one result per
 * target: a target's n-th pending result is in wave n. Each wave can be
 * recorded at once; a target's results stay in order, each recorded after
 * the one before it is committed.
 */
export function inOrderWaves<R extends { target: string }>(results: readonly R[]): R[][] {
  const waves: R[][] = [];
  const seen = new Map<string, number>();
  for (const r of results) {
    const n = seen.get(r.target) ?? 0;
    seen.set(r.target, n + 1);
    (waves[n] ??= []).push(r);
  }
  return waves;
}
