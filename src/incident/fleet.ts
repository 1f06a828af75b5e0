/**
 * The fleet an incident playbook sweeps: which endpoints still serve what the
 * incident made bad (a compromised key's certificate, a chain through a
 * compromised CA). Each sweep is one `runScan` with the trust-chain check
 * only: it records the served chain whatever the verdict, and an endpoint
 * that cannot be reached is `unreachable`, never clean (a sweep that could
 * not look has not shown anything is gone).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/types.ts';
import { runScan } from '../scan/runner.ts';
import { CHECKS } from '../scan/registry.ts';
import type { ScanReport } from '../scan/report.ts';
import { readTargetsFile, type ScanTarget } from '../scan/target.ts';
import { loadWatchConfig } from '../watch/config.ts';
import { snapshotOf, type Snapshot } from '../watch/snapshot.ts';
import type { Certificate } from '../x509/certificate.ts';

/**
 * Per endpoint and sweep: one handshake with the served chain is all a sweep
 * needs, so 10 s (scan's connect timeout) is enough; a slow endpoint is
 * reported unreachable for this sweep and looked at again in the next.
 */
export const SWEEP_TARGET_TIMEOUT_MS = 10_000;
/** Endpoints swept at once: the fleet's handshakes are mostly waiting, as in scan. */
export const SWEEP_CONCURRENCY = 50;
/** `--until-clean`: time between sweeps. Deployments take minutes; 30 s notices them soon without hammering endpoints. */
export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
/** `--until-clean`: the shortest interval accepted (a sweep itself takes up to SWEEP_TARGET_TIMEOUT_MS). */
export const MIN_SWEEP_INTERVAL_MS = 1_000;
/** `--until-clean` without `--timeout`: a working day; an incident that drags on longer wants a person, not a loop. */
export const DEFAULT_UNTIL_CLEAN_TIMEOUT_MS = 8 * 3_600_000;

/** The trust-chain check alone: it records what is served; the playbook judges it. */
const SWEEP_CHECKS = CHECKS.filter((c) => c.id === 'trust-chain');

export type EndpointState = 'affected' | 'clean' | 'unreachable';

export interface EndpointResult {
  target: string;
  state: EndpointState;
  /** SHA-256 of the served leaf (absent when unreachable). */
  leafSha256?: string;
  /** The served chain, leaf first. */
  chain: Snapshot['chain'];
  /** Why it is affected, or why it could not be looked at. */
  detail?: string;
}

export interface Sweep {
  at: string;
  endpoints: EndpointResult[];
  affected: number;
  unreachable: number;
  clean: number;
}

export interface Fleet {
  /** Where the targets came from, for the report. */
  source: string;
  targets: ScanTarget[];
  policy: Policy;
}

/** Decides whether a served chain is still affected by the incident: a reason when it is, undefined when it is clean. */
export type AffectedTest = (chain: Snapshot['chain']) => string | undefined;

/**
 * A policy that anchors at the given certificates only. A sweep judges by
 * fingerprint, not by the verdict, but the scan needs a policy; this one
 * makes the report's trust verdict mean "chains to our CA".
 */
export function anchorPolicy(anchors: readonly Certificate[]): Policy {
  return loadPolicy({ version: 1, trust: { cas: anchors.map((c) => c.toPem()), system: false } }, { sourceName: '<incident: the CA root>' });
}

/**
 * The fleet from `--targets FILE` or the watch configuration's targets, and
 * the policy: `--policy`, else the watch configuration's, else `fallback`.
 * Undefined when neither source of targets was given.
 */
export async function loadFleet(o: { targetsFile?: string; watchConfig?: string; policyFile?: string; fallback: () => Policy }): Promise<Fleet | undefined> {
  let fleet: Fleet | undefined;
  if (o.targetsFile !== undefined) {
    const targets = await readTargetsFile(o.targetsFile);
    fleet = { source: o.targetsFile, targets, policy: o.policyFile !== undefined ? loadPolicy(o.policyFile) : o.fallback() };
  } else if (o.watchConfig !== undefined) {
    const config = loadWatchConfig(o.watchConfig);
    const targets = config.targets.map((t) => ({ ...t.scan, input: t.label }));
    fleet = { source: o.watchConfig, targets, policy: loadPolicy(o.policyFile ?? config.policyFile) };
  }
  // A fleet of nobody would sweep "clean": refused instead.
  if (fleet && fleet.targets.length === 0) throw new CertwardenError(ErrorCode.USAGE, `${fleet.source} names no target to sweep`);
  return fleet;
}

/** Look at every endpoint once. Never throws for an endpoint's failure: it is `unreachable`. */
export async function sweep(fleet: Fleet, affected: AffectedTest, o: { targetTimeoutMs?: number } = {}): Promise<{ sweep: Sweep; report: ScanReport }> {
  const report = await runScan({ policy: fleet.policy, targets: fleet.targets, checks: SWEEP_CHECKS, concurrency: SWEEP_CONCURRENCY, targetTimeoutMs: o.targetTimeoutMs ?? SWEEP_TARGET_TIMEOUT_MS });
  const endpoints = report.results.map((r): EndpointResult => {
    const snap = snapshotOf(r, r.target);
    if (!snap.up) return { target: r.target, state: 'unreachable', chain: [], detail: snap.downReason ?? 'no certificate was served' };
    const why = affected(snap.chain);
    return { target: r.target, state: why ? 'affected' : 'clean', leafSha256: snap.chain[0]!.sha256, chain: snap.chain, ...(why ? { detail: why } : {}) };
  });
  const count = (s: EndpointState): number => endpoints.filter((e) => e.state === s).length;
  return { sweep: { at: report.at, endpoints, affected: count('affected'), unreachable: count('unreachable'), clean: count('clean') }, report };
}

export interface UntilCleanOptions {
  intervalMs: number;
  timeoutMs: number;
  targetTimeoutMs?: number;
  /** Each sweep as it completes (progress on stderr). */
  onSweep?: (s: Sweep, round: number) => void;
  /** Waits between sweeps (tests pass a short one; production: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a sweep shows every endpoint reached and none affected. */
export function isClean(s: Sweep): boolean {
  return s.affected === 0 && s.unreachable === 0;
}

/**
 * Sweep until every endpoint is reached and clean, or the time runs out;
 * returns the last sweep and whether it was clean. An unreachable endpoint
 * keeps the loop going: it may still serve the bad certificate.
 */
export async function sweepUntilClean(fleet: Fleet, affected: AffectedTest, o: UntilCleanOptions): Promise<{ sweep: Sweep; report: ScanReport; rounds: number; clean: boolean }> {
  const deadline = Date.now() + o.timeoutMs;
  const sleep = o.sleep ?? defaultSleep;
  for (let round = 1; ; round++) {
    const r = await sweep(fleet, affected, o.targetTimeoutMs !== undefined ? { targetTimeoutMs: o.targetTimeoutMs } : {});
    o.onSweep?.(r.sweep, round);
    if (isClean(r.sweep)) return { ...r, rounds: round, clean: true };
    const left = deadline - Date.now();
    if (left <= 0) return { ...r, rounds: round, clean: false };
    await sleep(Math.min(o.intervalMs, left));
    if (Date.now() >= deadline) {
      // One last look at the deadline: a deployment finished while we slept counts.
      const last = await sweep(fleet, affected, o.targetTimeoutMs !== undefined ? { targetTimeoutMs: o.targetTimeoutMs } : {});
      o.onSweep?.(last.sweep, round + 1);
      return { ...last, rounds: round + 1, clean: isClean(last.sweep) };
    }
  }
}
