/**
 * What the `certwarden incident ...` playbooks share on the command line: the
 * fleet to sweep (--targets FILE or --watch-config FILE), the policy, the
 * --until-clean loop and its timing, and the exit code a sweep gives.
 */
import { anchorPolicy, DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_UNTIL_CLEAN_TIMEOUT_MS, loadFleet, MIN_SWEEP_INTERVAL_MS, sweep, sweepUntilClean, type AffectedTest, type Fleet, type Sweep } from '../../incident/fleet.ts';
import type { ScanReport } from '../../scan/report.ts';
import type { Certificate } from '../../x509/certificate.ts';
import { escapeControl } from '../../util/terminal.ts';
import { optionalString, usageError, type OptionSpec, type ParsedArgs } from '../args.ts';
import { formatDuration, parseDuration } from '../duration-option.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Io } from '../output.ts';

export const FLEET_OPTIONS: OptionSpec = {
  targets: { type: 'string' },
  'watch-config': { type: 'string' },
  policy: { type: 'string' },
  'until-clean': { type: 'boolean' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
};

export const FLEET_USAGE = `Fleet options:
  --targets FILE          endpoints to sweep, one host[:port] a line (# comments)
  --watch-config FILE     or the targets of a \`certwarden watch\` configuration (and its policy)
  --policy FILE           the policy (pins to rotate; the sweep's trust verdicts); default: the
                          watch configuration's, else one anchored at the CA's root
  --until-clean           sweep again every --interval (default ${formatDuration(DEFAULT_SWEEP_INTERVAL_MS)}) until every endpoint is
                          reached and none is affected, or --timeout (default ${formatDuration(DEFAULT_UNTIL_CLEAN_TIMEOUT_MS)}) passes`;

export interface FleetArgs {
  fleet?: Fleet;
  untilClean: boolean;
  intervalMs: number;
  timeoutMs: number;
}

/** Parse the fleet options; `anchors` make the fallback policy when neither --policy nor a watch configuration gives one. */
export async function fleetArgs(args: ParsedArgs, anchors: () => readonly Certificate[]): Promise<FleetArgs> {
  const targetsFile = optionalString(args, 'targets');
  const watchConfig = optionalString(args, 'watch-config');
  const policyFile = optionalString(args, 'policy');
  if (targetsFile !== undefined && watchConfig !== undefined) throw usageError('give --targets FILE or --watch-config FILE, not both');
  const untilClean = args.values['until-clean'] === true;
  const interval = optionalString(args, 'interval');
  const timeout = optionalString(args, 'timeout');
  const intervalMs = interval === undefined ? DEFAULT_SWEEP_INTERVAL_MS : parseDuration(interval, 'interval');
  if (intervalMs < MIN_SWEEP_INTERVAL_MS) throw usageError(`--interval must be at least ${MIN_SWEEP_INTERVAL_MS / 1000}s`);
  const timeoutMs = timeout === undefined ? DEFAULT_UNTIL_CLEAN_TIMEOUT_MS : parseDuration(timeout, 'timeout');
  if ((interval !== undefined || timeout !== undefined) && !untilClean) throw usageError('--interval and --timeout apply to --until-clean');
  const fleet = await loadFleet({ ...(targetsFile !== undefined ? { targetsFile } : {}), ...(watchConfig !== undefined ? { watchConfig } : {}), ...(policyFile !== undefined ? { policyFile } : {}), fallback: () => anchorPolicy(anchors()) });
  if (untilClean && !fleet) throw usageError('--until-clean needs a fleet: --targets FILE or --watch-config FILE');
  return { ...(fleet ? { fleet } : {}), untilClean, intervalMs, timeoutMs };
}

export interface FleetOutcome {
  source: string;
  sweep: Sweep;
  rounds: number;
  clean: boolean;
  report: ScanReport;
}

/** Sweep once, or until clean; progress lines on stderr while looping. */
export async function runFleet(f: FleetArgs, affected: AffectedTest, io: Io): Promise<FleetOutcome | undefined> {
  if (!f.fleet) return undefined;
  if (!f.untilClean) {
    const r = await sweep(f.fleet, affected);
    return { source: f.fleet.source, sweep: r.sweep, rounds: 1, clean: r.sweep.affected === 0 && r.sweep.unreachable === 0, report: r.report };
  }
  const r = await sweepUntilClean(f.fleet, affected, {
    intervalMs: f.intervalMs,
    timeoutMs: f.timeoutMs,
    onSweep: (s, round) => {
      if (s.affected + s.unreachable === 0) return;
      const names = s.endpoints.filter((x) => x.state !== 'clean').map((x) => `${escapeControl(x.target)} (${x.state})`);
      io.stderr.write(`certwarden: sweep ${round}: ${names.join(', ')}; next in ${formatDuration(f.intervalMs)}\n`);
    },
  });
  return { source: f.fleet.source, sweep: r.sweep, rounds: r.rounds, clean: r.clean, report: r.report };
}

/**
 * 1 when an endpoint is still affected (or --until-clean ran out of time
 * before every endpoint was reached and clean), else 2 when one could not be
 * reached (not known to be clean: never reported as clean), else 0.
 */
export function fleetExitCode(o: FleetOutcome | undefined, untilClean: boolean): ExitCode {
  if (!o || o.clean) return ExitCode.OK;
  if (o.sweep.affected > 0 || untilClean) return ExitCode.REJECTED;
  return ExitCode.ERROR;
}

/** The fleet part of a JSON report: the sweep, and the scan report it came from (scan's report shape). */
export function fleetJson(o: FleetOutcome | undefined): Record<string, unknown> | null {
  return o ? { source: o.source, rounds: o.rounds, allClean: o.clean, ...o.sweep, scan: o.report } : null;
}
