/**
 * The in-process scheduler: each target runs every `everyMs` (± jitter), at
 * most `concurrency` runs at once, and never two runs of one target at the
 * same time (a run that outlasts its interval delays the next one; it is not
 * queued twice). Time is injected (`Clock`), so tests step it without sleeping.
 */
import { MinHeap } from '../util/min-heap.ts';

export interface Clock {
  now(): number;
  /** Call `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export interface ScheduledJob {
  id: string;
  everyMs: number;
}

export interface SchedulerOptions<J extends ScheduledJob> {
  jobs: readonly J[];
  concurrency: number;
  /** Fraction of the interval each run is moved by, at random, either way (0 to 0.5). */
  jitter: number;
  clock: Clock;
  run: (job: J, at: number) => Promise<void>;
  /** Random in [0, 1); injectable for tests. */
  random?: () => number;
  /** A run that throws is reported here; the target stays scheduled. */
  onError?: (job: J, err: unknown) => void;
}

interface Slot<J> {
  job: J;
  due: number;
  running: boolean;
  /** Position in the configuration: among runs due at the same time, the earlier target goes first. */
  order: number;
}

export class Scheduler<J extends ScheduledJob> {
  readonly #o: SchedulerOptions<J>;
  readonly #slots: Slot<J>[];
  /** The slots not running, soonest due first: each pump looks at the few due, not at every target. */
  readonly #waiting = new MinHeap<Slot<J>>((a, b) => a.due < b.due || (a.due === b.due && a.order < b.order));
  readonly #random: () => number;
  #active = 0;
  #cancelTimer: (() => void) | undefined;
  #stopped = true;
  readonly #inflight = new Set<Promise<void>>();

  constructor(o: SchedulerOptions<J>) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (!(o.jitter >= 0 && o.jitter <= 0.5)) throw new RangeError('jitter must be between 0 and 0.5');
    this.#o = o;
    this.#random = o.random ?? Math.random;
    const start = o.clock.now();
    // First runs are spread over the jitter window too, so a restart does not scan the whole fleet at one instant.
    this.#slots = o.jobs.map((job, order) => ({ job, due: start + Math.floor(this.#random() * job.everyMs * o.jitter), running: false, order }));
    for (const slot of this.#slots) this.#waiting.push(slot);
  }

  start(): void {
    this.#stopped = false;
    this.#pump();
  }

  /** Stop scheduling; resolves once the runs in flight have finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await Promise.all([...this.#inflight]);
  }

  /** When each job is next due (for status pages and tests). */
  dueTimes(): Array<{ id: string; due: number; running: boolean }> {
    return this.#slots.map((s) => ({ id: s.job.id, due: s.due, running: s.running }));
  }

  #next(everyMs: number, from: number): number {
    const spread = everyMs * this.#o.jitter;
    return from + everyMs + Math.round((this.#random() * 2 - 1) * spread);
  }

  #pump(): void {
    if (this.#stopped) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const now = this.#o.clock.now();
    while (this.#active < this.#o.concurrency && this.#waiting.size > 0 && this.#waiting.peek()!.due <= now) this.#launch(this.#waiting.pop()!, now);
    const soonest = this.#waiting.peek();
    if (!soonest || this.#active >= this.#o.concurrency) return; // a finishing run pumps again
    this.#cancelTimer = this.#o.clock.setTimer(() => this.#pump(), Math.max(0, soonest.due - now));
  }

  #launch(slot: Slot<J>, now: number): void {
    slot.running = true;
    this.#active++;
    const p: Promise<void> = Promise.resolve().then(async () => {
      try {
        await this.#o.run(slot.job, now);
      } catch (err) {
        this.#o.onError?.(slot.job, err);
      } finally {
        slot.running = false;
        this.#active--;
        // The next run is measured from the end of this one: runs of one target never overlap.
        slot.due = this.#next(slot.job.everyMs, Math.max(this.#o.clock.now(), now));
        this.#waiting.push(slot);
        this.#inflight.delete(p);
        this.#pump();
      }
    });
    this.#inflight.add(p);
  }
}
