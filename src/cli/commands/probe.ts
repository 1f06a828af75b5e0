/**
 * `certwarden probe`: run an outbound client against a hermetic, loopback
 * farm of bad servers minted at run time, and judge it on ASVS V9.2.1 and
 * V9.2.4 with scan's vocabulary. See docs/probe.md.
 */
import { parseCommandArgs, parseFormat, optionalString, usageError } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeOutputFile, type Io } from '../output.ts';
import { REQUIREMENTS } from '../../scan/findings.ts';
import type { ProbeReport } from '../../probe/report.ts';
import { PROBE_FORMATS, renderProbeReport } from '../../probe/render/index.ts';
import { DEFAULT_CASE_TIMEOUT_MS, DEFAULT_CONCURRENCY, runProbe, type ProbeOptions } from '../../probe/runner.ts';
import { SUITES } from '../../probe/suites.ts';
import { profiles } from '../../probe/profiles.ts';
import { progressReporter } from '../../scan/progress.ts';

/** 1 when a requirement fails; else 2 when one could not be judged; else 0 (warn passes). */
export function probeExitCode(report: ProbeReport): ExitCode {
  const statuses = report.results.flatMap((r) => REQUIREMENTS.map((q) => r.requirements[q].status));
  if (statuses.includes('fail')) return ExitCode.REJECTED;
  if (statuses.includes('error')) return ExitCode.ERROR;
  return ExitCode.OK;
}

function positiveNumber(v: string | undefined, name: string, whole: boolean): number | undefined {
  if (v === undefined) return undefined;
  const ok = whole ? /^\d+$/.test(v) : /^\d+(\.\d+)?$/.test(v);
  if (!ok || Number(v) <= 0) throw usageError(`--${name} must be a positive ${whole ? 'whole number' : 'number of seconds'} (got "${v}")`);
  return Number(v);
}

const command: Command = {
  summary: 'run an outbound TLS client against a loopback farm of bad servers (V9.2.1, V9.2.4)',
  usage: `Usage: certwarden probe [--suite NAME]... [--limbo FILE] [--format text|json|sarif|junit|html] [--output FILE]
                        [--keep DIR] [--timeout SECONDS] [--concurrency N] [--pinning] [--proxy] [--verbose]
                        (--profile NAME | -- COMMAND [ARG...])

Starts loopback HTTPS servers, one per case (expired, wrong host, revoked...),
an OCSP responder and a CRL server, all minted now, and runs COMMAND once per
case (no shell). In its arguments, and in CERTWARDEN_PROBE_URL, _HOST, _PORT, _ADDR,
_CA, _PIN, _PIN_HOST:
  {url}       https://localhost:PORT/ of the case    {host} {port}
  {addr}      127.0.0.1, where every case server listens
  {ca}        PEM file of the probe's internal root: the one CA to trust
  {pin}       sha256/ pin of the pinned self-signed certificate
  {pin-host}  the host that certificate is served under (127.0.0.1)
Exit status 0 of COMMAND means it accepted the server; anything else, rejected.
A client must accept the control case, reject every bad one; a client that
pins ({pin} in its arguments, or --pinning) must accept pinned-self-signed.

Suites: ${Object.entries(SUITES).map(([k, v]) => `${k} (${v.description})`).join('; ')}.
--suite limbo --limbo FILE serves each x509-limbo vector that applies to a
TLS client (server validation, a DNS or IP name, a leaf key in the file, a
clock-independent verdict) with its own chain, {ca} = its trusted_certs and
{host} = its expected name; the rest are skipped, counted per reason. Names
that are not loopback (example.com) run only when the client has a route
that never resolves them: {addr} in its command (curl --connect-to ::{addr}:,
openssl -connect {addr}:{port}) or --proxy honoured on the control.
Profiles: ${Object.keys(profiles()).join(', ')}.
--proxy runs the client through a loopback HTTP CONNECT proxy ({proxy}, and
HTTPS_PROXY, https_proxy, HTTP_PROXY... set to it) that tunnels only to the
farm; without it, proxy variables are removed from the client's environment.
--keep DIR keeps the farm's files (ca.pem, each case's chain, the client's work folder,
limbo/ with each vector's {ca} and chain).
Exit: 0 both requirements pass (or warn), 1 a requirement fails, 2 usage or
operational error (the control rejected, a timeout, a missing command).
Defaults: --timeout ${DEFAULT_CASE_TIMEOUT_MS / 1000} (per case), --concurrency ${DEFAULT_CONCURRENCY}. See docs/probe.md.`,
  async run(argv, io: Io) {
    const dash = argv.indexOf('--');
    const own = dash < 0 ? argv : argv.slice(0, dash);
    const client = dash < 0 ? [] : argv.slice(dash + 1);
    const args = parseCommandArgs(own, {
      suite: { type: 'string', multiple: true },
      format: { type: 'string' },
      output: { type: 'string' },
      keep: { type: 'string' },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      profile: { type: 'string' },
      pinning: { type: 'boolean' },
      proxy: { type: 'boolean' },
      limbo: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    const format = parseFormat(args, PROBE_FORMATS, 'text');
    const suites = (args.values.suite as string[] | undefined) ?? [];
    const profileName = optionalString(args, 'profile');
    const limboFile = optionalString(args, 'limbo');
    const options: ProbeOptions = { command: client, suites, ...(limboFile !== undefined ? { limboFile } : {}) };
    if (profileName !== undefined) {
      if (client.length > 0) throw usageError('give either --profile NAME or -- COMMAND, not both');
      const profile = profiles()[profileName];
      if (!profile) throw usageError(`unknown profile "${profileName}" (known: ${Object.keys(profiles()).join(', ')})`);
      Object.assign(options, { command: profile.command, target: `--profile ${profileName}`, profile: profileName, ...(profile.files ? { files: profile.files } : {}), ...(profile.setup ? { setup: profile.setup } : {}), ...(profile.stdin !== undefined ? { stdin: profile.stdin } : {}) });
    } else if (client.length === 0) {
      throw usageError('give the client to probe: -- COMMAND [ARG...] (with {url}, {ca}... placeholders) or --profile NAME');
    }
    const timeout = positiveNumber(optionalString(args, 'timeout'), 'timeout', false);
    if (timeout !== undefined) options.caseTimeoutMs = Math.round(timeout * 1000);
    const concurrency = positiveNumber(optionalString(args, 'concurrency'), 'concurrency', true);
    if (concurrency !== undefined) options.concurrency = concurrency;
    const keep = optionalString(args, 'keep');
    if (keep !== undefined) options.keepDir = keep;
    if (args.values.pinning === true) options.pinning = true;
    if (args.values.proxy === true) options.proxy = true;
    options.env = io.env;
    // Scan's progress bar (stderr, TTY only): a JVM client takes seconds per case. Limbo vectors skipped at run time count as done.
    options.onStart = (total) => {
      const progress = progressReporter(io, total);
      if (!progress) return;
      let done = 0;
      options.onCase = () => progress(Math.min(++done, total), total);
    };
    const report = await runProbe(options);
    const text = await renderProbeReport(report, format, palette(io), args.values.verbose === true);
    const output = optionalString(args, 'output');
    if (output !== undefined) {
      await writeOutputFile(output, text);
    } else io.stdout.write(text);
    return probeExitCode(report);
  },
};

export default command;
