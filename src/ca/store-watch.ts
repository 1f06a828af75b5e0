/**
 * Following a CA store that other processes write to (the `ca revoke` CLI,
 * other `ca serve` processes or workers): the store bumps a change sequence
 * on every issue and revocation (store.ts), so a reader polls that one
 * number and reads only the records changed since the last look. A store
 * that can push (Postgres LISTEN/NOTIFY) also wakes the reader at once; the
 * poll stays as the fallback for a lost notification or connection.
 */
import type { CaStore, IssuedRecord } from './store.ts';

/** How often another process's changes are looked for. */
export const DEFAULT_POLL_MS = 200;

export interface StoreWatch {
  /** Look for changes now (what the timer does); resolves to the changed records, already handed to `onChanged`. */
  sync(): Promise<IssuedRecord[]>;
  stop(): Promise<void>;
}

/**
 * Watch `store` from its current change sequence: changes made before this
 * call are not reported. `onChanged` runs for every non-empty batch; a
 * failure while polling is logged, never thrown from the timer. Looks never
 * overlap: a sync asked for during one runs right after it.
 */
export async function watchStore(
  store: CaStore,
  onChanged: (records: IssuedRecord[]) => void,
  o: { pollMs?: number; log?: (event: Record<string, unknown>) => void; /** Every push from the store (a change, or a shared CRL published elsewhere). */ onPush?: () => void } = {},
): Promise<StoreWatch> {
  let seq = await store.changeSeq();
  let running: Promise<IssuedRecord[]> | undefined;
  let queued: Promise<IssuedRecord[]> | undefined;
  const look = async (): Promise<IssuedRecord[]> => {
    const current = await store.changeSeq();
    if (current === seq) return [];
    const changed = await store.changedSince(seq);
    // The highest sequence actually read: a change committed between the two reads is picked up next time, not skipped.
    seq = changed.length > 0 ? Math.max(seq, changed[changed.length - 1]!.seq) : current;
    if (changed.length > 0) onChanged(changed);
    return changed;
  };
  const sync = (): Promise<IssuedRecord[]> => {
    if (!running) {
      running = look().finally(() => (running = undefined));
      return running;
    }
    queued ??= running.catch(() => []).then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  };
  const background = (): void => {
    sync().catch((err: unknown) => o.log?.({ event: 'ca_poll_failed', error: (err as Error).message }));
  };
  const timer = setInterval(background, o.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();
  let unsubscribe: (() => Promise<void>) | undefined;
  try {
    unsubscribe = await store.subscribe?.(() => {
      o.onPush?.();
      background();
    });
  } catch (err) {
    // Polling alone still keeps the bound of one poll interval.
    o.log?.({ event: 'ca_listen_failed', error: (err as Error).message });
  }
  return {
    sync,
    stop: async () => {
      clearInterval(timer);
      await unsubscribe?.();
    },
  };
}
