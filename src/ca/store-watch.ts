/**
 * Following a CA store that other processes write to (the `ca revoke` CLI,
 * other `ca serve` workers): the store bumps a change sequence on every
 * issue and revocation (store.ts), so a reader polls that one number and
 * reads only the records changed since the last look.
 */
import type { CaStore, IssuedRecord } from './store.ts';

/** How often another process's changes are looked for. */
export const DEFAULT_POLL_MS = 200;

export interface StoreWatch {
  /** Look for changes now (what the timer does); returns the changed records, already handed to `onChanged`. */
  sync(): IssuedRecord[];
  stop(): void;
}

/**
 * Watch `store` from its current change sequence: changes made before this
 * call are not reported. `onChanged` runs for every non-empty batch; a
 * failure while polling is logged, never thrown from the timer.
 */
export function watchStore(store: CaStore, onChanged: (records: IssuedRecord[]) => void, o: { pollMs?: number; log?: (event: Record<string, unknown>) => void } = {}): StoreWatch {
  let seq = store.changeSeq();
  const sync = (): IssuedRecord[] => {
    const current = store.changeSeq();
    if (current === seq) return [];
    const changed = store.changedSince(seq);
    seq = current;
    if (changed.length > 0) onChanged(changed);
    return changed;
  };
  const timer = setInterval(() => {
    try {
      sync();
    } catch (err) {
      o.log?.({ event: 'ca_poll_failed', error: (err as Error).message });
    }
  }, o.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();
  return { sync, stop: () => clearInterval(timer) };
}
