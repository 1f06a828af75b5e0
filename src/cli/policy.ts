/**
 * Loading the policy a command was given, and telling the user what the
 * loader warned about (a non-CA anchor that is never revocation-checked, pins
 * beside CAs that none of them carry, an expired pin...). Warnings go to
 * stderr only, one line each, and never change the exit code or stdout
 * (which may be JSON another program reads).
 */
import { loadPolicy } from '../policy/load.ts';
import type { Policy, PolicyWarning } from '../policy/types.ts';
import { escapeControl } from '../util/terminal.ts';
import type { Io } from './output.ts';

/** `certwarden: warning: FILE:LINE: text`, escaped: the text quotes certificate subjects and file names, which are untrusted. */
export function policyWarningLine(file: string, warning: PolicyWarning): string {
  const where = warning.location.line === undefined ? file : `${file}:${warning.location.line}`;
  return `certwarden: warning: ${escapeControl(`${where}: ${warning.text}`)}\n`;
}

/** Write each of the policy's warnings to stderr, once. `file` is the path as the user gave it. */
export function reportPolicyWarnings(policy: Policy, file: string, io: Io): void {
  const printed = new Set<string>();
  for (const warning of policy.warnings) {
    const line = policyWarningLine(file, warning);
    if (printed.has(line)) continue;
    printed.add(line);
    io.stderr.write(line);
  }
}

/** {@link loadPolicy} for a command: the policy at `file`, its warnings reported on stderr. */
export function loadCommandPolicy(file: string, io: Io): Policy {
  const policy = loadPolicy(file);
  reportPolicyWarnings(policy, file, io);
  return policy;
}
