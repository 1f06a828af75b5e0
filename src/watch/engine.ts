/**
 * One watch step for one target: scan it with `runScan` (every check of
 * scan, at the given time), keep the snapshot, turn the change since the last
 * scan into events, mark those a silence covers as held, and record scan,
 * conditions, events, held marks and outbox rows in one transaction. The
 * scheduler calls it (scanTarget); with Postgres, workers run the scan part
 * (scanOnly) and the service the record part (record); tests call it with
 * `at`.
 */
import type { Policy } from '../policy/types.ts';
import { runScan, type ScanOptions } from '../scan/runner.ts';
import { detect } from './detect.ts';
import { GroupCommit } from './group-commit.ts';
import type { WatchEvent } from './events.ts';
import type { CaInventory } from './inventory.ts';
import { DurationHistogram, renderMetrics } from './metrics.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';
import { heldBy } from './silences.ts';
import type { FleetInput } from './dashboard/api.ts';
import type { RecordOptions, WatchStore } from './store.ts';
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
  /** The service's clock (which silences are in effect, for metrics); default the system's. */
  now?: () => number;
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

  readonly #now = (): number => (this.#o.now ?? Date.now)();

  get targets(): readonly WatchTarget[] {
    return this.#o.targets;
  }

  target(label: string): WatchTarget | undefined {
    return this.#targets.get(label);
  }

  /** Scan one target at `at` (default now) and record what changed. */
  async scanTarget(t: WatchTarget, at: Date = new Date()): Promise<{ snapshot: Snapshot; events: WatchEvent[] }> {
    const snapshot = await this.scanOnly(t, at);
    const events = await this.record(snapshot);
    return { snapshot, events };
  }

  /** The scan part alone (what a `watch worker` runs): runScan at `at`, kept as a snapshot. */
  async scanOnly(t: WatchTarget, at: Date = new Date()): Promise<Snapshot> {
    const report = await runScan({ policy: this.#o.policy, targets: [t.scan], concurrency: 1, at, ...this.#o.scan });
    return snapshotOf(report.results[0]!, t.label);
  }

  /**
   * The record part: the change since the last scan as events, recorded with
   * the scan in one transaction. With `o.slot`, a slot already recorded
   * records nothing (returns no events). A result older than the target's
   * latest recorded scan (a retried job that finished late) is kept as
   * history only: judging it would compare the past with the future.
   */
  async record(snapshot: Snapshot, o: RecordOptions = {}): Promise<WatchEvent[]> {
    await this.#o.inventory?.refresh();
    const store = this.#o.store;
    const latest = await store.latest(snapshot.target);
    const open = await store.openConditions(snapshot.target);
    // The histogram counts recorded scans (a worker's included, a slot recorded twice not), in the service that records them.
    const observe = (recorded: boolean): void => {
      if (recorded) this.durations.observe(snapshot.durationMs / 1000);
    };
    if (latest && Date.parse(latest.at) > Date.parse(snapshot.at)) {
      observe(await this.#commits.record({ snapshot, open, events: [], channels: this.#o.channels, options: o }));
      return [];
    }
    const d = detect(snapshot, await store.lastUp(snapshot.target), open, this.#o.inventory, this.#o.repeatMs);
    // Silences: an event one of them covers is recorded but not queued (silences.ts). Judged here, where
    // every scan is recorded (in-process and workers' results alike), against the scan's own time.
    const held = d.events.length > 0 ? heldBy(await store.silences(Date.parse(snapshot.at)), d.events) : undefined;
    // Scans finishing together share one durable commit (group-commit.ts); this resolves once ours is committed.
    const recorded = await this.#commits.record({ snapshot, open: d.open, events: d.events, channels: this.#o.channels, options: { ...o, ...(held && held.size > 0 ? { held } : {}) } });
    observe(recorded);
    return recorded ? d.events : [];
  }

  async metrics(): Promise<string> {
    const store = this.#o.store;
    const targets = [];
    for (const t of this.#o.targets) targets.push({ label: t.label, latest: await store.latest(t.label), lastUp: await store.lastUp(t.label) });
    const now = this.#now();
    return renderMetrics({
      targets,
      durations: this.durations,
      alertCounts: await store.alertCounts(),
      pending: await store.pending(),
      silenced: await store.silencedCounts(),
      activeSilences: (await store.silences(now)).filter((s) => Date.parse(s.startsAt) <= now).length,
    });
  }

  /** What the dashboard's API pages through (dashboard/api.ts): per configured target its latest scan, last scan up and open conditions. */
  async fleet(): Promise<FleetInput[]> {
    const store = this.#o.store;
    const out: FleetInput[] = [];
    for (const t of this.#o.targets) {
      const [latest, lastUp, open] = [await store.latest(t.label), await store.lastUp(t.label), await store.openConditions(t.label)];
      out.push({ target: t.label, ...(t.zone ? { zone: t.zone } : {}), latest, lastUp, conditions: open.map((c) => ({ event: c.event, since: c.since })) });
    }
    return out;
  }

  /** The read-only view behind /api/targets. */
  async overview(): Promise<Array<Record<string, unknown>>> {
    const store = this.#o.store;
    const out: Array<Record<string, unknown>> = [];
    for (const t of this.#o.targets) {
      const s = await store.latest(t.label);
      const leaf = (s?.up ? s : await store.lastUp(t.label))?.chain[0];
      out.push({
        target: t.label,
        ...(t.zone ? { zone: t.zone } : {}),
        everySeconds: t.everyMs / 1000,
        lastScan: s?.at ?? null,
        up: s?.up ?? null,
        statuses: s?.statuses ?? null,
        ...(s?.downReason ? { downReason: s.downReason } : {}),
        leaf: leaf ? { subject: leaf.subject, notAfter: leaf.notAfter, sha256: leaf.sha256 } : null,
        stapleNextUpdate: s?.stapleNextUpdate ?? null,
        conditions: (await store.openConditions(t.label)).map((c) => ({ event: c.event, since: c.since })),
      });
    }
    return out;
  }
}
