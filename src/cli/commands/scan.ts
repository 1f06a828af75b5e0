/**
 * `certwarden scan`: audit TLS endpoints for ASVS V9.2.1 (trusted
 * certificates only) and V9.2.4 (revocation enabled and configured), with
 * evidence that can be replayed offline. See docs/scan.md.
 */
import { loadCommandPolicy } from '../policy.ts';
import { parseCommandArgs, parseFormat, requireString, optionalString, usageError, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeOutputFile, type Io } from '../output.ts';
import { applyResolve, parseResolve, parseStarttls, parseTarget, readTargetsFile, type ScanTarget } from '../../scan/target.ts';
import { runScan, replayScan, DEFAULT_CONCURRENCY, DEFAULT_STAPLE_ATTEMPTS, DEFAULT_STAPLE_RETRY_DELAY_MS, DEFAULT_TARGET_TIMEOUT_MS } from '../../scan/runner.ts';
import { hasFindingAtOrAbove, type ScanReport } from '../../scan/report.ts';
import { SEVERITIES, type Severity } from '../../scan/findings.ts';
import { progressReporter } from '../../scan/progress.ts';
import { RENDERERS } from '../../scan/render/index.ts';
import { FORMATS, type Format } from '../../report/render/registry.ts';
import { parseOptionText, type ScanOptionName } from '../../scan/options.ts';

export const SCAN_FORMATS = FORMATS;
export type ScanFormat = Format;

/** Default --fail-on: `high`, i.e. any finding that fails a requirement. */
export const DEFAULT_FAIL_ON: Severity = 'high';

/** A numeric option, parsed and range-checked by the scan's own limits (scan/options.ts). */
function numeric(args: ParsedArgs, name: string, option: ScanOptionName): number | undefined {
  const v = optionalString(args, name);
  return v === undefined ? undefined : parseOptionText(option, v);
}

export async function renderReport(report: ScanReport, format: ScanFormat, io: Io, verbose: boolean): Promise<string> {
  return RENDERERS[format](report, { palette: palette(io), verbose });
}

/** 1 when a finding reaches the threshold; else 2 when a target could not be scanned; else 0. */
export function exitCodeFor(report: ScanReport, failOn: Severity): ExitCode {
  if (hasFindingAtOrAbove(report, failOn)) return ExitCode.REJECTED;
  if (report.summary.errors > 0) return ExitCode.ERROR;
  return ExitCode.OK;
}

const command: Command = {
  summary: 'audit TLS endpoints for ASVS V9.2.1 and V9.2.4, with replayable evidence',
  usage: `Usage: certwarden scan [TARGET...] --policy FILE [--targets FILE] [--resolve HOST:PORT:ADDR]...
                       [--starttls smtp|imap|pop3|ftp|ldap|postgres] [--format text|json|sarif|junit|html]
                       [--output FILE] [--evidence DIR] [--replay DIR] [--concurrency N] [--timeout SECONDS]
                       [--fail-on critical|high|medium|low|info] [--staple-attempts N] [--staple-retry-delay SECONDS]
                       [--verbose]

TARGET is host[:port] (default 443) or an https:// URL; --targets reads one per
line (# comments). --resolve connects to ADDR while sending SNI and checking the
name HOST (as curl). Each target is checked against the policy: the chain must
validate to its anchors or pins only, client certificates (when the server asks
for one) must be verified, OCSP stapling must work on TLS 1.2 and 1.3 with a
valid staple, and the live OCSP/CRL status must be established.
--evidence DIR writes the raw chain, staples, OCSP responses, CRLs, the time and
the policy hash per target; --replay DIR re-runs the checks on that evidence
offline, at the recorded time.
Exit: 0 no finding at or above --fail-on (default high: any failed requirement),
1 findings, 2 usage error or a target that could not be scanned.
Defaults: --concurrency ${DEFAULT_CONCURRENCY}, --timeout ${DEFAULT_TARGET_TIMEOUT_MS / 1000} (per target),
--staple-attempts ${DEFAULT_STAPLE_ATTEMPTS} looks per TLS version before staple-missing, the first retry after
--staple-retry-delay ${DEFAULT_STAPLE_RETRY_DELAY_MS / 1000} s, each later wait doubled (cold stapling caches). See docs/scan.md.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(
      argv,
      {
        policy: { type: 'string' },
        targets: { type: 'string' },
        resolve: { type: 'string', multiple: true },
        starttls: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string' },
        evidence: { type: 'string' },
        replay: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        'fail-on': { type: 'string' },
        'staple-attempts': { type: 'string' },
        'staple-retry-delay': { type: 'string' },
        verbose: { type: 'boolean' },
      },
      true,
    );
    const format = parseFormat(args, SCAN_FORMATS, 'text');
    const failOnText = optionalString(args, 'fail-on') ?? DEFAULT_FAIL_ON;
    if (!(SEVERITIES as readonly string[]).includes(failOnText)) throw usageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOnText}")`);
    const failOn = failOnText as Severity;
    const policy = loadCommandPolicy(requireString(args, 'policy'), io);
    const replay = optionalString(args, 'replay');
    const verbose = args.values.verbose === true;
    let report: ScanReport;
    if (replay !== undefined) {
      if (args.positionals.length > 0 || args.values.targets !== undefined || args.values.evidence !== undefined) throw usageError('--replay takes no targets and no --evidence: it re-runs the recorded ones');
      report = await replayScan(replay, policy);
      if (!report.replay?.policyMatches) io.stderr.write('certwarden: note: the policy differs from the one recorded in the evidence; verdicts reflect the policy given\n');
    } else {
      const starttls = parseStarttls(optionalString(args, 'starttls'));
      const targets: ScanTarget[] = args.positionals.map((t) => parseTarget(t, starttls));
      const file = optionalString(args, 'targets');
      if (file !== undefined) targets.push(...(await readTargetsFile(file, starttls)));
      if (targets.length === 0) throw usageError('give at least one TARGET or --targets FILE');
      const overrides = ((args.values.resolve as string[] | undefined) ?? []).map(parseResolve);
      const attempts = numeric(args, 'staple-attempts', 'stapleAttempts');
      const delay = numeric(args, 'staple-retry-delay', 'stapleRetryDelayMs');
      const concurrency = numeric(args, 'concurrency', 'concurrency');
      const timeout = numeric(args, 'timeout', 'targetTimeoutMs');
      const evidence = optionalString(args, 'evidence');
      const progress = progressReporter(io, targets.length);
      report = await runScan({
        policy,
        targets: applyResolve(targets, overrides),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(timeout !== undefined ? { targetTimeoutMs: timeout } : {}),
        settings: { ...(attempts !== undefined ? { stapleAttempts: attempts } : {}), ...(delay !== undefined ? { stapleRetryDelayMs: delay } : {}) },
        ...(evidence !== undefined ? { evidenceDir: evidence } : {}),
        ...(progress ? { onProgress: (d: number, t: number) => progress(d, t) } : {}),
      });
    }
    const text = await renderReport(report, format, io, verbose);
    const output = optionalString(args, 'output');
    if (output !== undefined) {
      await writeOutputFile(output, text);
    } else io.stdout.write(text);
    return exitCodeFor(report, failOn);
  },
};

export default command;
