/**
 * Run `certwarden scan --format json` against loopback servers the way a
 * user would (a separate process, `--resolve NAME:PORT:127.0.0.1` so SNI and
 * the hostname check use real DNS names), and read the verdicts back.
 */
import assert from 'node:assert/strict';
import { runCli } from '../cli.ts';
import { tempDir } from '../pki.ts';

export type RequirementStatus = 'pass' | 'fail' | 'warn' | 'na' | 'error';

export interface ScanFinding {
  id: string;
  severity: string;
  message: string;
}

export interface ScanResult {
  target: string;
  address?: string;
  serverName?: string;
  requirements: Record<'V9.2.1' | 'V9.2.4', { status: RequirementStatus; findings: ScanFinding[] }>;
  evidence: Record<string, unknown>;
}

export interface ScanReport {
  version: number;
  results: ScanResult[];
  summary: Record<string, unknown>;
}

export interface ScanTargetSpec {
  /** DNS name: sent as SNI and checked against the certificate. */
  name: string;
  port: number;
}

/** The target string the scan is given for `t`. */
export function targetOf(t: ScanTargetSpec): string {
  return `${t.name}:${t.port}`;
}

/** A policy trusting only `rootPem`, hard-fail revocation, plus `extraYaml` lines at top level. */
export function writePolicy(rootPem: string, extraYaml: string[] = []): { path: string; cleanup: () => void } {
  const tmp = tempDir('certwarden-scan-policy-');
  tmp.write('root.pem', rootPem);
  const path = tmp.write('policy.yaml', ['version: 1', 'trust:', '  cas: [root.pem]', 'revocation:', '  mode: hard-fail', ...extraYaml, ''].join('\n'));
  return { path, cleanup: tmp.cleanup };
}

/** Scan `targets` in one run; resolves with the parsed report and the exit code. */
export async function scanJson(targets: ScanTargetSpec[], policyPath: string, extraArgs: string[] = []): Promise<{ code: number; report: ScanReport; stderr: string }> {
  const args = ['scan', ...targets.map(targetOf), '--policy', policyPath, '--format', 'json', ...targets.flatMap((t) => ['--resolve', `${t.name}:${t.port}:127.0.0.1`]), ...extraArgs];
  const r = await runCli(args);
  let report: ScanReport;
  try {
    report = JSON.parse(r.stdout) as ScanReport;
  } catch {
    throw new Error(`scan did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

/** The result for `t` in `report`. */
export function resultFor(report: ScanReport, t: ScanTargetSpec): ScanResult {
  const want = targetOf(t);
  const r = report.results.find((x) => x.target === want) ?? report.results.find((x) => x.target.includes(want));
  assert.ok(r, `no result for ${want} among ${report.results.map((x) => x.target).join(', ')}`);
  return r;
}

export interface Expectation {
  status: RequirementStatus | { not: RequirementStatus[] };
  /** Finding ids that must be present. */
  ids?: string[];
}

/** Assert one requirement's verdict; the message shows everything the scanner said about it. */
export function assertRequirement(result: ScanResult, requirement: 'V9.2.1' | 'V9.2.4', want: Expectation): void {
  const got = result.requirements[requirement];
  const shown = `${result.target} ${requirement}: ${JSON.stringify(got)}`;
  assert.ok(got, `no ${requirement} verdict for ${result.target}`);
  if (typeof want.status === 'string') assert.equal(got.status, want.status, shown);
  else assert.ok(!want.status.not.includes(got.status), shown);
  const ids = got.findings.map((f) => f.id);
  for (const id of want.ids ?? []) assert.ok(ids.includes(id), `expected finding ${id}: ${shown}`);
}
