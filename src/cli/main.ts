/**
 * certwarden's command-line entry point.
 *
 * One file per command, loaded on demand; this file only dispatches and maps
 * errors to exit codes: 0 clean, 1 rejected or findings, 2 usage or
 * operational error. Errors print as one line (`certwarden: CODE: message`),
 * never as a stack trace; set CERTWARDEN_DEBUG=1 to see the stack.
 */
import { isCertwardenError, ErrorCode } from '../errors.ts';
import type { Command } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { escapeControl } from '../util/terminal.ts';
import type { Io } from './output.ts';
import { TOOL_VERSION } from '../core/version.ts';

type Loader = () => Promise<{ default: Command }>;

/** The command table: adding a command touches this table and one new file. */
const COMMANDS: Readonly<Record<string, Loader>> = {
  verify: () => import('./commands/verify.ts'),
  'ocsp verify': () => import('./commands/ocsp-verify.ts'),
  'ocsp check': () => import('./commands/ocsp-check.ts'),
  'crl verify': () => import('./commands/crl-verify.ts'),
  pin: () => import('./commands/pin.ts'),
  demo: () => import('./commands/demo.ts'),
  scan: () => import('./commands/scan.ts'),
  audit: () => import('./commands/audit.ts'),
  probe: () => import('./commands/probe.ts'),
  'ca init': () => import('./commands/ca-init.ts'),
  'ca issue': () => import('./commands/ca-issue.ts'),
  'ca renew': () => import('./commands/ca-renew.ts'),
  'ca revoke': () => import('./commands/ca-revoke.ts'),
  'ca list': () => import('./commands/ca-list.ts'),
  'ca crl': () => import('./commands/ca-crl.ts'),
  'ca serve': () => import('./commands/ca-serve.ts'),
  watch: () => import('./commands/watch.ts'),
  'incident key-compromise': () => import('./commands/incident-key-compromise.ts'),
  'incident ca-compromise': () => import('./commands/incident-ca-compromise.ts'),
  'incident unexpected-certificate': () => import('./commands/incident-unexpected-certificate.ts'),
};

/** Command groups: `certwarden ca` (or `ca --help`) lists the group's commands. */
const GROUPS: Readonly<Record<string, string>> = {
  ca: 'a small CA for internal services: issue, renew, revoke, publish CRLs, answer OCSP',
  ocsp: 'OCSP responses: verify a saved one, or query a responder live',
  crl: 'CRLs: check a certificate against one',
  incident: 'incident playbooks: a compromised key, a compromised CA, an unexpected certificate',
};

const isHelpFlag = (arg: string | undefined): boolean => arg === '--help' || arg === '-h' || arg === 'help';

/** `certwarden --version`: the one version string (core/version.ts). */
export const VERSION = TOOL_VERSION;

async function commandLines(prefix: string): Promise<string[]> {
  const names = Object.keys(COMMANDS).filter((name) => prefix === '' || name.startsWith(`${prefix} `));
  // One column for the summaries, as wide as the longest name listed (`incident unexpected-certificate`).
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines: string[] = [];
  for (const name of names) {
    const cmd = (await COMMANDS[name]!()).default;
    lines.push(`  ${name.padEnd(width)}  ${cmd.summary}`);
  }
  return lines;
}

async function help(io: Io): Promise<void> {
  const lines = ['certwarden: trusted TLS certificates and working revocation (OWASP ASVS V9.2.1, V9.2.4)', '', 'Usage: certwarden <command> [options]', '', 'Commands:', ...(await commandLines(''))];
  lines.push('', 'Run `certwarden <command> --help` for a command\'s options.', 'Exit codes: 0 trusted/good, 1 rejected/revoked/invalid, 2 usage or operational error.');
  io.stdout.write(`${lines.join('\n')}\n`);
}

async function groupHelp(group: string, io: Io): Promise<void> {
  const lines = [`certwarden ${group}: ${GROUPS[group]}`, '', `Usage: certwarden ${group} <command> [options]`, '', 'Commands:', ...(await commandLines(group))];
  lines.push('', `Run \`certwarden ${group} <command> --help\` for a command's options.`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [first, second] = argv;
    if (first === undefined || isHelpFlag(first)) {
      await help(io);
      return first === undefined ? ExitCode.ERROR : ExitCode.OK;
    }
    if (first === '--version' || first === 'version') {
      io.stdout.write(`certwarden ${VERSION}\n`);
      return ExitCode.OK;
    }
    const grouped = Object.hasOwn(GROUPS, first);
    if (grouped && (second === undefined || isHelpFlag(second))) {
      // `certwarden ca` alone is a usage error (exit 2), as `certwarden` alone is; asking for help is not.
      await groupHelp(first, io);
      return second === undefined ? ExitCode.ERROR : ExitCode.OK;
    }
    const name = grouped ? `${first} ${second ?? ''}`.trim() : first;
    const load = COMMANDS[name];
    if (!load) {
      const options = Object.keys(COMMANDS).filter((c) => c.startsWith(grouped ? first : name.slice(0, 2)));
      const hint = options.length > 0 ? ` (did you mean: ${options.join(', ')}?)` : '';
      io.stderr.write(`certwarden: unknown command "${escapeControl(name)}"${hint}. Run \`certwarden ${grouped ? `${first} ` : ''}--help\`.\n`);
      return ExitCode.ERROR;
    }
    const command = (await load()).default;
    const rest = argv.slice(grouped ? 2 : 1);
    // Only options before `--` are certwarden's: `probe -- curl -h` runs curl with -h.
    const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (own.includes('--help') || own.includes('-h')) {
      io.stdout.write(`${command.usage}\n`);
      return ExitCode.OK;
    }
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: Io): number {
  if (isCertwardenError(err)) {
    io.stderr.write(`certwarden: ${err.code}: ${escapeControl(err.message)}\n`);
    if (err.code === ErrorCode.USAGE) io.stderr.write('Run with --help for usage.\n');
  } else {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`certwarden: ${ErrorCode.INTERNAL}: unexpected error: ${escapeControl(message)} (this is a bug; please report it with CERTWARDEN_DEBUG=1 output)\n`);
  }
  if (io.env.CERTWARDEN_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return ExitCode.ERROR;
}

/** Run as a program. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}

if (import.meta.main) await run();
