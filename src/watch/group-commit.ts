/**
 * Group commit for the watch's scan records. Each record is one durable
 * transaction (synchronous=FULL: an fsync of the WAL, ~5 ms on an ordinary
 * disk), and node:sqlite commits on the event loop: at 10,000 targets a cycle
 * spent ~50 s with the loop blocked in fsync, stalling every handshake in
 * flight (bench/watch-fleet.ts). Scans that finish close together are instead
 * written in one transaction: each caller's promise still resolves only once
 * its own rows are committed, so durability is unchanged (a caller never
 * learns of a record that a crash could lose).
 *
 * A lone record in a quiet service is committed at once (on the next turn of
 * the event loop); under load, commits are at least MIN_COMMIT_INTERVAL_MS
 * apart, and whatever finished meanwhile joins the next one.
 */
import type { WatchEvent } from './events.ts';
import type { OpenCondition } from './detect.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Commits at most this often under load: with an fsync of ~5 ms, 50 ms
 * between commits keeps the event loop blocked under a tenth of the time, and
 * a scan's record waits at most this long (intervals are 10 s or more).
 */
export const MIN_COMMIT_INTERVAL_MS = 50;
/** Records per transaction: bounds the memory held and the time one commit blocks the loop. */
export const MAX_BATCH = 500;

export interface ScanRecord {
  snapshot: Snapshot;
  open: readonly OpenCondition[];
  events: readonly WatchEvent[];
  channels: readonly string[];
}

/** What the group commit needs of a store: several scans in one transaction, all or none. */
export interface BatchRecorder {
  recordScans(batch: readonly ScanRecord[]): void | Promise<void>;
}

interface Pending {
  record: ScanRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  readonly #store: BatchRecorder;
  #queue: Pending[] = [];
  /** A flush waiting to run: on the next turn of the loop, or after the interval. */
  #scheduled: 'none' | 'immediate' | 'timer' = 'none';
  #lastCommit = Number.NEGATIVE_INFINITY;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: BatchRecorder) {
    this.#store = store;
  }

  /** Resolves once `record` is committed; rejects with the store's error if its own rows could not be. */
  record(record: ScanRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      if (this.#queue.length >= MAX_BATCH) this.#flushSoon(0);
      else this.#flushSoon(Math.max(0, this.#lastCommit + MIN_COMMIT_INTERVAL_MS - performance.now()));
    });
  }

  #flushSoon(delayMs: number): void {
    if (this.#scheduled === 'immediate' || (this.#scheduled === 'timer' && delayMs > 0)) return;
    this.#scheduled = delayMs > 0 ? 'timer' : 'immediate';
    const run = (): void => {
      this.#scheduled = 'none';
      this.#flushing = this.#flushing.then(() => this.#flush());
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#lastCommit = performance.now();
      try {
        await this.#store.recordScans(batch.map((p) => p.record));
        for (const p of batch) p.resolve();
      } catch (err) {
        // One bad record must not fail the others: each is tried alone, and only the failing ones reject.
        if (batch.length === 1) batch[0]!.reject(err);
        else {
          for (const p of batch) {
            try {
              await this.#store.recordScans([p.record]);
              p.resolve();
            } catch (own) {
              p.reject(own);
            }
          }
        }
      }
      if (this.#queue.length < MAX_BATCH) break; // the rest waits for the interval (a full batch goes now)
    }
    if (this.#queue.length > 0) this.#flushSoon(Math.max(0, this.#lastCommit + MIN_COMMIT_INTERVAL_MS - performance.now()));
  }
}
