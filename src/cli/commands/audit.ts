/**
 * `certwarden audit`: server configurations and the trust stores they name,
 * checked for ASVS V9.2.1 and V9.2.4, with fixes as line edits. See docs/audit.md.
 */
import { loadCommandPolicy } from '../policy.ts';
import { SEVERITIES, type Severity } from '../../scan/findings.ts';
import { escapeControl } from '../../util/terminal.ts';
import { parseCommandArgs, parseFormat, optionalString, usageError } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeOutputFile, type Io } from '../output.ts';
import { DIALECTS, parseDialect } from '../../audit/dialects.ts';
import { auditHasFindingAtOrAbove, type AuditReport } from '../../audit/report.ts';
import { runAudit } from '../../audit/run.ts';
import { auditLive } from '../../audit/live/run.ts';
import { parseResolve } from '../../scan/target.ts';
import { RENDERERS } from '../../audit/render/index.ts';
import { FORMATS, type Format } from '../../report/render/registry.ts';
import { applyEdits, unifiedDiff, writeFixes, writeInPlace } from '../../audit/fix.ts';

export const AUDIT_FORMATS = FORMATS;
export type AuditFormat = Format;

/** As scan: `high`, i.e. any finding that fails a requirement. */
export const DEFAULT_FAIL_ON: Severity = 'high';

export async function renderAuditReport(report: AuditReport, format: AuditFormat, io: Io, lines?: (file: string) => string[] | undefined): Promise<string> {
  return RENDERERS[format](report, { palette: palette(io), verbose: false, ...(lines ? { lines } : {}) });
}

/** 1 when a finding reaches the threshold; else 2 when a configuration could not be audited; else 0. */
export function auditExitCode(report: AuditReport, failOn: Severity): ExitCode {
  if (auditHasFindingAtOrAbove(report, failOn)) return ExitCode.REJECTED;
  if (report.summary.errors > 0) return ExitCode.ERROR;
  return ExitCode.OK;
}

const command: Command = {
  summary: 'audit server configurations (nginx, Apache, HAProxy, Tomcat, Envoy, Caddy, AWS ELB exports), code and trust stores for V9.2.1 and V9.2.4, with fixes',
  usage: `Usage: certwarden audit PATH... [--policy FILE] [--dialect ${DIALECTS.join('|')}]
                        [--format text|json|sarif|junit|html] [--output FILE]
                        [--fix DIR | --diff | --write] [--live [--live-resolve HOST:PORT:ADDR]...]
                        [--fail-on critical|high|medium|low|info]

PATH is a configuration file or a folder (walked; the dialect is detected from
names and content, --dialect forces it); \`nginx -T\` output is one input.
Includes are followed; a missing include is a finding. --policy names the
organisation's CAs and pins, against which every CA file a configuration names
is classified. Fixes are line edits: --diff prints a unified diff, --fix DIR
writes the changed files under DIR, --write edits in place keeping FILE.certwarden-bak.
--live (needs --policy) also scans each TLS listener an nginx server block,
Apache virtual host, HAProxy bind, Tomcat Connector, Caddy server or Envoy
listener declares, with SNI = its server name, and
reports where the running server disagrees (stapling, client certificates,
nothing answering). Only loopback is contacted (all addresses: 127.0.0.1);
any other address is skipped unless mapped with --live-resolve HOST:PORT:ADDR.
Exit: 0 no finding at or above --fail-on (default high), 1 findings,
2 usage error or a configuration that could not be audited. See docs/audit.md.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(
      argv,
      {
        policy: { type: 'string' },
        dialect: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string' },
        fix: { type: 'string' },
        diff: { type: 'boolean' },
        write: { type: 'boolean' },
        live: { type: 'boolean' },
        'live-resolve': { type: 'string', multiple: true },
        'fail-on': { type: 'string' },
      },
      true,
    );
    const format = parseFormat(args, AUDIT_FORMATS, 'text');
    const failOnText = optionalString(args, 'fail-on') ?? DEFAULT_FAIL_ON;
    if (!(SEVERITIES as readonly string[]).includes(failOnText)) throw usageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOnText}")`);
    const fixDir = optionalString(args, 'fix');
    const modes = [fixDir !== undefined, args.values.diff === true, args.values.write === true].filter(Boolean).length;
    if (modes > 1) throw usageError('--fix DIR, --diff and --write exclude each other: pick one');
    const live = args.values.live === true;
    const liveResolve = ((args.values['live-resolve'] as string[] | undefined) ?? []).map((t) => {
      try {
        return parseResolve(t);
      } catch (e) {
        throw usageError(`--live-resolve: ${(e as Error).message.replace(/^--resolve /, '')}`);
      }
    });
    if (liveResolve.length > 0 && !live) throw usageError('--live-resolve maps listeners for --live: give --live too');
    if (live && optionalString(args, 'policy') === undefined) throw usageError('--live needs --policy FILE: the live endpoints are judged against the organisation\'s CAs and revocation policy, as scan does');
    const dialectText = optionalString(args, 'dialect');
    const dialect = dialectText !== undefined ? parseDialect(dialectText) : undefined;
    if (args.positionals.length === 0) throw usageError('give at least one PATH (a configuration file or folder)');
    const policyFile = optionalString(args, 'policy');
    const policy = policyFile !== undefined ? loadCommandPolicy(policyFile, io) : undefined;
    const run = runAudit({ paths: args.positionals, ...(dialect ? { dialect } : {}), ...(policy ? { policy } : {}) });
    if (live) await auditLive(run, { policy: policy!, resolve: liveResolve });
    const lines = (file: string): string[] | undefined => run.load.texts.get(file)?.split('\n');
    const text = await renderAuditReport(run.report, format, io, lines);
    const output = optionalString(args, 'output');
    const fixed = modes > 0 ? applyEdits(run.edits, run.load.texts, run.load.diskPaths) : [];
    if (args.values.diff === true) {
      io.stdout.write(fixed.map((f) => unifiedDiff(f.before, f.after, f.file)).join(''));
    } else if (output === undefined) io.stdout.write(text);
    if (output !== undefined) {
      await writeOutputFile(output, text);
    }
    const inputs = [...new Map(run.load.configs.map((c) => [c.input.path, c.input])).values()];
    if (fixDir !== undefined) {
      for (const t of writeFixes(fixed, fixDir, inputs)) io.stderr.write(`certwarden: wrote ${escapeControl(t)}\n`);
    } else if (args.values.write === true) {
      for (const w of writeInPlace(fixed)) io.stderr.write(`certwarden: fixed ${escapeControl(w.file)} (backup ${escapeControl(w.backup)})\n`);
    }
    if (modes > 0 && fixed.length === 0) io.stderr.write('certwarden: no automatic fix applies (see each finding\'s fix text)\n');
    return auditExitCode(run.report, failOnText as Severity);
  },
};

export default command;
