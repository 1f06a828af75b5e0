/**
 * Where a target "lives" in files a code-scanning platform can show: the
 * --targets line that named it; otherwise the policy's destination rule that
 * applies to it (or the policy file when the top level applies). A target
 * given on the command line with a policy not read from a file has no file:
 * the SARIF renderer then uses the endpoint URI (render/sarif.ts).
 */
import type { Policy } from '../policy/types.ts';
import { resolveDestination } from '../policy/match.ts';
import type { TargetLocation } from './report.ts';
import type { ScanTarget } from './target.ts';

export function targetLocation(policy: Policy, target: ScanTarget, at: Date): TargetLocation | undefined {
  if (target.origin) return { file: target.origin.file, line: target.origin.line, from: 'targets-file' };
  if (!policy.file) return undefined;
  const rule = resolveDestination(policy, target.host, target.port, { at }).rule;
  const line = rule ? policy.destinations[rule.index]?.location.line : undefined;
  return { file: policy.file, ...(line !== undefined ? { line } : {}), from: 'policy' };
}
