/**
 * The probe report (JSON contract, published as
 * schema/probe-report.schema.json): scan's top-level shape (version, tool,
 * at, results[], summary) and scan's per-requirement vocabulary (status,
 * findings with severities), with one result per client and, in it, one
 * entry per case.
 *
 * Verdict rules, in {@link judgeCase} and {@link requirementResult}:
 * - exit status 0 = accepted, anything else = rejected; a run that timed out
 *   or could not start is `error`, never a pass;
 * - what the server saw must agree: exit 0 without an HTTP request is an
 *   error (the exit status proves nothing), and an HTTP request followed by
 *   a non-zero exit counts as accepted (the client trusted the connection
 *   enough to send data over it);
 * - a client that rejects the control is misconfigured: both requirements
 *   are `error` unless a finding already fails them.
 */
import { judgeRequirement, SEVERITY_RANK, summarize, type Requirement, type RequirementStatus, type Severity, type Summary } from '../report/model.ts';
import { CONTROL_CASE, expectedFor, REJECTED_PIN_SEVERITY, type CaseId, type CaseSpec } from './cases.ts';
import type { ServerObservation } from './farm.ts';
import type { LimboCaseId, LimboSkip, LimboSkipReason } from './limbo-plan.ts';

/** A case of the case table, or an x509-limbo vector run over the wire (`limbo:<id>`). */
export type ProbeCaseId = CaseId | LimboCaseId;

export const PROBE_REPORT_VERSION = 1;

export type Got = 'accepted' | 'rejected' | 'error';

/** What running the client once produced (before judging). */
export interface ClientRun {
  /** Exit status; null when killed or never started. */
  exitStatus: number | null;
  signal: string | null;
  /** Set when the run could not complete (timeout, spawn failure). */
  error?: string;
  stderrTail: string;
  durationMs: number;
  server: ServerObservation;
}

export interface CaseResult {
  id: ProbeCaseId;
  /** null for the control, which gates both requirements. */
  requirement: Requirement | null;
  expected: 'reject' | 'accept';
  got: Got;
  /** `ok`: got what was expected; `wrong`: a finding; `error`: no verdict. */
  verdict: 'ok' | 'wrong' | 'error';
  exitStatus: number | null;
  signal: string | null;
  /** Why the verdict is `error`, or what contradicts the exit status. */
  reason?: string;
  /** The client's exit status disagrees with what the server saw. */
  contradiction?: string;
  server: ServerObservation;
  /** The end of the client's stderr (bounded; raw here, escaped by text renderers). */
  stderrTail: string;
  durationMs: number;
}

export interface ProbeFinding {
  /** `client-accepts-<case>` or `client-rejects-<case>` (`<case>` is `limbo:<id>` for a limbo vector). */
  id: string;
  severity: Severity;
  message: string;
  check: 'probe';
  details: { case: ProbeCaseId };
}

export interface ProbeRequirementResult {
  status: RequirementStatus;
  findings: ProbeFinding[];
  reason?: string;
}

export interface NotServableCase {
  id: CaseId;
  requirement: Requirement | null;
  reason: string;
}

/** `--suite limbo`: what the file held, what ran, and what was skipped and why. */
export interface LimboSummary {
  /** The --limbo path as given. */
  file: string;
  /** Testcases in the file. */
  testcases: number;
  /** Vectors run as cases (`limbo:<id>` in `cases`). */
  applied: number;
  /** Skipped vectors counted per reason (reasons with none left out), with the reason's text. */
  skippedByReason: { reason: LimboSkipReason; count: number; text: string }[];
  /** Every skipped vector with its reason. */
  skipped: LimboSkip[];
}

export interface ProbeResult {
  /** The client command line exactly as given (or the profile name and its expansion). */
  target: string;
  command: string[];
  profile?: string;
  /** Whether the client was declared to pin `{pin}` (decides pinned-self-signed). */
  pinning: boolean;
  /** Set when the clients ran through the probe's CONNECT proxy (--proxy). */
  proxy?: boolean;
  suites: string[];
  requirements: Record<Requirement, ProbeRequirementResult>;
  cases: CaseResult[];
  notServable: NotServableCase[];
  /** Set when the limbo suite ran. */
  limbo?: LimboSummary;
  durationMs: number;
}

export interface ProbeReport {
  version: typeof PROBE_REPORT_VERSION;
  tool: { name: 'certwarden'; version: string };
  at: string;
  results: ProbeResult[];
  summary: Summary;
}

/** Judge one client run against its case. */
export function judgeCase(spec: CaseSpec, pinning: boolean, run: ClientRun): CaseResult {
  const expected = expectedFor(spec, pinning);
  const base = { id: spec.id as ProbeCaseId, requirement: spec.requirement, expected, exitStatus: run.exitStatus, signal: run.signal, server: run.server, stderrTail: run.stderrTail, durationMs: run.durationMs };
  if (run.error !== undefined) return { ...base, got: 'error', verdict: 'error', reason: run.error };
  const got: Got = run.exitStatus === 0 ? 'accepted' : 'rejected';
  if (got === 'accepted' && run.server.requests === 0) {
    const contradiction = run.server.handshakes === 0 ? 'the client exited 0 but never completed a handshake with the case server' : 'the client exited 0 but sent no HTTP request to the case server';
    return { ...base, got, verdict: 'error', contradiction, reason: `${contradiction}: its exit status proves nothing (wrong URL, or a command that does not connect?)` };
  }
  if (got === 'rejected' && run.server.requests > 0) {
    const contradiction = `the client sent an HTTP request over the connection (so it trusted it) and then exited ${run.exitStatus ?? run.signal}`;
    // Data went to the server: that is acceptance, whatever the exit status says.
    if (expected === 'reject') return { ...base, got, verdict: 'wrong', contradiction };
    return { ...base, got, verdict: 'error', contradiction, reason: `${contradiction}: the exchange did not complete` };
  }
  if (got === 'accepted' && run.server.tunnels === 0) {
    // Not a verdict change (the client did accept this server), but the proxy mode was not exercised.
    return { ...base, got, verdict: (expected === 'accept') ? 'ok' : 'wrong', contradiction: 'the client reached the case server without the proxy (--proxy): it ignores HTTPS_PROXY' };
  }
  if (spec.id === CONTROL_CASE && got === 'rejected') {
    // Not a finding: a client that refuses a good server is misconfigured, and nothing it rejects proves anything.
    return { ...base, got, verdict: 'error', reason: `the client rejected the control case (a good server chaining to {ca}): misconfigured client (exit ${run.exitStatus ?? run.signal})` };
  }
  return { ...base, got, verdict: (got === 'accepted') === (expected === 'accept') ? 'ok' : 'wrong' };
}

function findingFor(spec: CaseSpec, r: CaseResult): ProbeFinding {
  if (r.expected === 'reject') {
    const soft = spec.id === 'responder-down' ? ' (soft-fail: revocation sources unreachable, or no revocation check at all)' : '';
    return { id: `client-accepts-${spec.id}`, severity: spec.severity, message: `the client accepted ${spec.id}${soft}: ${spec.models}${r.contradiction ? ` (${r.contradiction})` : ''}`, check: 'probe', details: { case: r.id } };
  }
  if (spec.expected === 'accept') return { id: `client-rejects-${spec.id}`, severity: spec.severity, message: `the client rejected ${spec.id}, which it should accept: ${spec.models}`, check: 'probe', details: { case: r.id } };
  return { id: `client-rejects-${spec.id}`, severity: REJECTED_PIN_SEVERITY, message: `the client was declared pinning but rejected ${spec.id}: ${spec.models}`, check: 'probe', details: { case: r.id } };
}

/** A requirement's status from its cases and the control: fail beats error beats warn. */
export function requirementResult(requirement: Requirement, specs: ReadonlyMap<string, CaseSpec>, results: readonly CaseResult[], inSuite: boolean): ProbeRequirementResult {
  if (!inSuite) return { status: 'na', findings: [], reason: 'no case of this requirement was in the selected suites' };
  const own = results.filter((r) => r.requirement === requirement);
  const findings = own.filter((r) => r.verdict === 'wrong').map((r) => findingFor(specs.get(r.id)!, r));
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const control = results.find((r) => r.id === CONTROL_CASE);
  const errors: string[] = [];
  if (!control) errors.push('the control case did not run');
  else if (control.verdict !== 'ok') errors.push(`control: ${control.reason ?? 'no verdict'}; so the client's rejections prove nothing`);
  for (const r of own) if (r.verdict === 'error') errors.push(`${r.id}: ${r.reason ?? 'no verdict'}`);
  const judged = judgeRequirement(findings, errors.length > 0 ? errors.join('; ') : undefined);
  return { status: judged.status, findings, ...(judged.reason !== undefined ? { reason: judged.reason } : {}) };
}

/** The shared summary (report/model.ts), counted over the probe's results. */
export function summarizeProbe(results: readonly ProbeResult[]): Summary {
  return summarize(results);
}
