/**
 * One watch step for one target: scan it with `runScan` (every check of
 * scan, at the given time), keep the snapshot, turn the change since the last
 * scan into events, and record scan, conditions, events and outbox rows in
 * one transaction. The scheduler calls it; tests call it with `at`.
 */
import type { Policy } from '../policy/types.ts';
import { runScan, type ScanOptions } from '../scan/runner.ts';
import { detect } from './detect.ts';
import { GroupCommit } from './group-commit.ts';
import type { WatchEvent } from './events.ts';
import type { CaInventory } from './inventory.ts';
import { DurationHistogram, renderMetrics } from './metrics.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';
import type { WatchStore } from './store.ts';
import type { WatchTarget } from './config.ts';

export interface EngineOptions {
  policy: Policy;
  targets: readonly WatchTarget[];
  store: WatchStore;
  inventory?: CaInventory;
  /** Alert channel names: one outbox row per event and channel. */
  channels: readonly string[];
  repeatMs: number;
  /** Passed to runScan (timeouts, staple retry settings). */
  scan?: Pick<ScanOptions, 'targetTimeoutMs' | 'settings' | 'connectionsPerEndpoint'>;
}

export class WatchEngine {
  readonly #o: EngineOptions;
  readonly durations = new DurationHistogram();
  readonly #targets: Map<string, WatchTarget>;
  readonly #commits: GroupCommit;

  constructor(o: EngineOptions) {
    this.#o = o;
    this.#commits = new GroupCommit(o.store);
    this.#targets = new Map(o.targets.map((t) => [t.label, t]));
  }

  get targets(): readonly WatchTarget[] {
    return this.#o.targets;
  }

  target(label: string): WatchTarget | undefined {
    return this.#targets.get(label);
  }

  /** Scan one target at `at` (default now) and record what changed. */
  async scanTarget(t: WatchTarget, at: Date = new Date()): Promise<{ snapshot: Snapshot; events: WatchEvent[] }> {
    await this.#o.inventory?.refresh();
    const report = await runScan({ policy: this.#o.policy, targets: [t.scan], concurrency: 1, at, ...this.#o.scan });
    const snapshot = snapshotOf(report.results[0]!, t.label);
    const store = this.#o.store;
    const d = detect(snapshot, store.lastUp(t.label), store.openConditions(t.label), this.#o.inventory, this.#o.repeatMs);
    // Scans finishing together share one durable commit (group-commit.ts); this resolves once ours is committed.
    await this.#commits.record({ snapshot, open: d.open, events: d.events, channels: this.#o.channels });
    this.durations.observe(snapshot.durationMs / 1000);
    return { snapshot, events: d.events };
  }

  metrics(): string {
    const store = this.#o.store;
    return renderMetrics({
      targets: this.#o.targets.map((t) => ({ label: t.label, latest: store.latest(t.label), lastUp: store.lastUp(t.label) })),
      durations: this.durations,
      alertCounts: store.alertCounts(),
      pending: store.pending(),
    });
  }

  /** The read-only view behind /api/targets. */
  overview(): Array<Record<string, unknown>> {
    const store = this.#o.store;
    return this.#o.targets.map((t) => {
      const s = store.latest(t.label);
      const leaf = (s?.up ? s : store.lastUp(t.label))?.chain[0];
      return {
        target: t.label,
        ...(t.zone ? { zone: t.zone } : {}),
        everySeconds: t.everyMs / 1000,
        lastScan: s?.at ?? null,
        up: s?.up ?? null,
        statuses: s?.statuses ?? null,
        ...(s?.downReason ? { downReason: s.downReason } : {}),
        leaf: leaf ? { subject: leaf.subject, notAfter: leaf.notAfter, sha256: leaf.sha256 } : null,
        stapleNextUpdate: s?.stapleNextUpdate ?? null,
        conditions: store.openConditions(t.label).map((c) => ({ event: c.event, since: c.since })),
      };
    });
  }
}
