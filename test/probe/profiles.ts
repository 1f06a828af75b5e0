/**
 * Shared by the client tests: run a profile against a farm, and the measured
 * per-client verdicts (which cases each client gets wrong), asserted exactly
 * and published in docs/probe.md.
 */
import { spawnSync } from 'node:child_process';
import { profiles } from '../../src/probe/profiles.ts';
import { runProbe } from '../../src/probe/runner.ts';
import type { Farm } from '../../src/probe/farm.ts';
import type { ProbeResult } from '../../src/probe/report.ts';

export const V924_ALL = ['revoked-staple', 'revoked-ocsp', 'revoked-crl', 'revoked-intermediate', 'must-staple-no-staple', 'stale-staple', 'forged-staple', 'responder-down', 'unknown-status'];

/** Cases each client accepts although it must reject them (measured; docs/probe.md has the table). */
export const EXPECTED_WRONG: Readonly<Record<string, readonly string[]>> = {
  curl: ['ca-as-leaf', ...V924_ALL],
  'curl-cert-status': ['ca-as-leaf', 'revoked-intermediate'],
  wget: ['wrong-eku', 'ca-as-leaf', 'weak-key', 'revoked-ocsp', 'revoked-crl', 'revoked-intermediate', 'responder-down', 'unknown-status'],
  'python-urllib': ['ca-as-leaf', ...V924_ALL],
  'python-requests': ['ca-as-leaf', ...V924_ALL],
  java: ['ca-as-leaf', 'weak-key', 'sha1-signature', ...V924_ALL],
  'java-revocation': ['ca-as-leaf', 'weak-key', 'sha1-signature', 'must-staple-no-staple'],
  'node-https': ['ca-as-leaf', ...V924_ALL],
  'node-fetch': ['ca-as-leaf', ...V924_ALL],
  'node-certwarden-agent': [],
  'node-certwarden-dispatcher': [],
  openssl: ['ca-as-leaf', ...V924_ALL],
  'gnutls-cli': ['ca-as-leaf', 'weak-key', 'revoked-ocsp', 'revoked-crl', 'revoked-intermediate', 'responder-down', 'unknown-status'],
};

/** Whether the profile's program is installed (tests of missing clients skip, naming what to install). */
export function available(name: string, probeArgs: string[] = ['--version']): boolean {
  const cmd = profiles()[name]!.command[0]!;
  return spawnSync(cmd, probeArgs, { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

export async function runProfile(name: string, farm: Farm, concurrency = 4, suites: string[] = []): Promise<ProbeResult> {
  const p = profiles()[name]!;
  const report = await runProbe({
    command: p.command,
    profile: name,
    target: `--profile ${name}`,
    farm,
    concurrency,
    suites,
    ...(p.files ? { files: p.files } : {}),
    ...(p.setup ? { setup: p.setup } : {}),
    ...(p.stdin !== undefined ? { stdin: p.stdin } : {}),
  });
  return report.results[0]!;
}

export function wrongCases(r: ProbeResult): string[] {
  return r.cases.filter((c) => c.verdict !== 'ok').map((c) => `${c.id}${c.verdict === 'error' ? ` (error: ${c.reason})` : ''}`);
}
