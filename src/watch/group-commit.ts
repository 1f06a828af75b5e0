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
 * Each record carries recordScan's options (slot, worker, held) and gets
 * recordScan's answer: the store applies them per record in the shared
 * transaction, so a slot is still recorded at most once (a slot already
 * recorded resolves false) and the events a silence holds are marked in the
 * same transaction as their scan. On Postgres (whose commits do not block the
 * event loop) the batch saves WAL flushes on the server: postgres-store.ts.
 *
 * A lone record in a quiet service is committed at once (on the next turn of
 * the event loop); under load, commits are at least MIN_COMMIT_INTERVAL_MS
 * apart, and whatever finished meanwhile joins the next one.
 */
import type { ScanRecord, WatchStore } from './store.ts';

export type { ScanRecord } from './store.ts';

/**
 * Commits at most this often under load: with an fsync of ~5 ms, 50 ms
 * between commits keeps the event loop blocked under a tenth of the time, and
 * a scan's record waits at most this long (intervals are 10 s or more).
 */
export const MIN_COMMIT_INTERVAL_MS = 50;
/** Records per transaction: bounds the memory held and the time one commit blocks the loop. */
export const MAX_BATCH = 500;

/** What the group commit needs of a store: several scans in one transaction, one outcome each. */
export type BatchRecorder = Pick<WatchStore, 'recordScans'>;

interface Pending {
  record: ScanRecord;
  resolve: (recorded: boolean) => void;
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

  /**
   * Resolves once `record` is committed, with what recordScan returns (false:
   * its slot was already recorded, nothing changed); rejects with the store's
   * error if its own rows could not be.
   */
  record(record: ScanRecord): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
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
        // A record the store refuses comes back rejected on its own (rolled back to its savepoint): the others commit.
        const outcomes = await this.#store.recordScans(batch.map((p) => p.record));
        batch.forEach((p, i) => {
          const o = outcomes[i];
          if (o === undefined) p.reject(new Error(`the store returned ${outcomes.length} outcomes for ${batch.length} records`));
          else if (o.status === 'fulfilled') p.resolve(o.value);
          else p.reject(o.reason);
        });
      } catch (err) {
        // The transaction itself failed (begin or commit): none of the batch is known to be recorded.
        for (const p of batch) p.reject(err);
      }
      if (this.#queue.length < MAX_BATCH) break; // the rest waits for the interval (a full batch goes now)
    }
    if (this.#queue.length > 0) this.#flushSoon(Math.max(0, this.#lastCommit + MIN_COMMIT_INTERVAL_MS - performance.now()));
  }
}
