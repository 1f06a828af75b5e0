/**
 * The scan runner: targets run concurrently (--concurrency), connections to
 * one endpoint are capped by the limiter, and each target has a time budget
 * (--timeout) after which its unfinished checks are recorded as `error`
 * (reason connectivity) and its sockets are closed, so a dead or slow target
 * never stalls the others. Checks never crash the runner: whatever they
 * throw becomes an attempt with a reason from a closed set.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Policy } from '../policy/types.ts';
import { OcspCache } from '../ocsp/cache.ts';
import { CrlCache } from '../crl/cache.ts';
import { resolveDestination } from '../policy/match.ts';
import { CHECKS, type RegisteredCheck } from './registry.ts';
import { LiveSource, RecordedSource, ScanContext, type ObservationSource, type ScanSettings } from './context.ts';
import { EndpointLimiter, DEFAULT_CONNECTIONS_PER_ENDPOINT } from './limiter.ts';
import { DEFAULT_STAPLE_ATTEMPTS, DEFAULT_STAPLE_RETRY_DELAY_MS, stapleRetryDelays } from './staple-retry.ts';
import { ParsedCertificates, SharedOcspCaches } from './caches.ts';
import { mintProbeCredentials } from './credentials.ts';
import { AttemptReason, messageOf, reasonOf } from './failure.ts';
import { checkOption } from './options.ts';
import { RevocationFetchBudget } from './fetch-gate.ts';
import { boundedFetch, type FetchOptions, type FetchResult } from '../net/http-fetch.ts';
import { REQUIREMENTS, type Finding, type Requirement } from './findings.ts';
import { REPORT_VERSION, requirementStatus, summarize, type CheckAttempt, type RequirementResult, type ScanReport, type TargetResult } from './report.ts';
import { EvidenceRecorder, ReplayOcspCache, readRunManifest, readTargetManifest, replayCrlFetch, targetDirName, writeRunManifest, writeTargetEvidence } from './evidence.ts';
import { endpointLabel, type ScanTarget } from './target.ts';
import type { Endpoint } from './connect.ts';
import type { ObservationLog } from './observations.ts';
import { targetLocation } from './location.ts';
import { TOOL_VERSION } from '../core/version.ts';

/** Re-exported for callers that imported it from here; the one definition is in core/version.ts. */
export { TOOL_VERSION };

/**
 * Targets scanned at once. A fleet scan is mostly waiting (handshake round
 * trips, OCSP fetches, the staple retries), so the window is wide; the
 * connections to any one endpoint are capped separately by the limiter
 * (limiter.ts). Each target holds at most that cap of TLS connections plus
 * one OCSP or CRL fetch: 100 × 5 stays well under the common 1,024
 * open-files soft limit.
 */
export const DEFAULT_CONCURRENCY = 100;
/** Per target: enough for the handshakes, the staple retries (750 ms of waiting by default), the probes and OCSP/CRL fetches, with room for a slow network. */
export const DEFAULT_TARGET_TIMEOUT_MS = 30_000;
/** One connection (TCP, STARTTLS preamble, TLS handshake): a server that has not answered in 10 s is unreachable for a scan. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export { DEFAULT_STAPLE_ATTEMPTS, DEFAULT_STAPLE_RETRY_DELAY_MS };
/** Long enough for a TLS 1.3 server's post-Finished alert (one round trip plus its certificate check). */
export const DEFAULT_CLIENT_AUTH_SETTLE_MS = 500;

export const DEFAULT_SETTINGS: ScanSettings = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  stapleAttempts: DEFAULT_STAPLE_ATTEMPTS,
  stapleRetryDelayMs: DEFAULT_STAPLE_RETRY_DELAY_MS,
  clientAuthSettleMs: DEFAULT_CLIENT_AUTH_SETTLE_MS,
};

export interface ScanOptions {
  policy: Policy;
  targets: readonly ScanTarget[];
  concurrency?: number;
  targetTimeoutMs?: number;
  connectionsPerEndpoint?: number;
  settings?: Partial<ScanSettings>;
  /** Write evidence here. */
  evidenceDir?: string;
  /** Called as targets finish (progress). */
  onProgress?: (done: number, total: number, result: TargetResult) => void;
  checks?: readonly RegisteredCheck[];
  /** The scan's time: every validity, freshness and expiry judgement is made at it (default: now). */
  at?: Date;
}

interface TargetJob {
  target: ScanTarget;
  address: string | null;
  at: Date;
  source: ObservationSource;
  ocspCache: OcspCache;
  crlCache: CrlCache;
  recorder: EvidenceRecorder;
  replay: boolean;
  /** Shared by the scan's targets (caches.ts). */
  certificates: ParsedCertificates;
  /** Live: OCSP requests through the target's fetch budget (fetch-gate.ts). */
  ocspFetch?: (url: string, options: FetchOptions) => Promise<FetchResult>;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

function emptyRequirements(): Record<Requirement, RequirementResult> {
  return { 'V9.2.1': { status: 'error', findings: [] }, 'V9.2.4': { status: 'error', findings: [] } };
}

/** Run every check on one target within its budget. */
async function runTarget(policy: Policy, job: TargetJob, settings: ScanSettings, timeoutMs: number, checks: readonly RegisteredCheck[], credentials: (() => ReturnType<typeof mintProbeCredentials>) | undefined): Promise<TargetResult> {
  const started = performance.now();
  const controller = new AbortController();
  const t = job.target;
  const result: TargetResult = {
    target: t.input,
    address: job.address,
    serverName: t.host,
    port: t.port,
    ...(t.starttls ? { starttls: t.starttls } : {}),
    ...withLocation(policy, t, job.at),
    requirements: emptyRequirements(),
    attempts: [],
    evidence: { at: job.at.toISOString(), policyHash: policy.hash, checks: {} },
    durationMs: 0,
  };
  const endpoint: Endpoint = { address: job.address ?? t.host, port: t.port, ...(isIP(t.host) ? {} : { serverName: t.host }), ...(t.starttls ? { starttls: t.starttls } : {}) };
  const ctx = new ScanContext({
    target: t,
    endpoint,
    policy,
    at: job.at,
    settings: { ...settings, connectTimeoutMs: Math.min(settings.connectTimeoutMs, timeoutMs) },
    source: job.source,
    signal: controller.signal,
    ocspCache: job.ocspCache,
    crlCache: job.crlCache,
    replay: job.replay,
    recorder: job.recorder,
    certificates: job.certificates,
    ...(job.ocspFetch ? { ocspFetch: job.ocspFetch } : {}),
    ...(credentials ? { credentials } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const findings = new Map<string, Finding[]>();
  const attempts = await Promise.all(
    checks.map(async (check): Promise<CheckAttempt> => {
      const t0 = performance.now();
      const base = { check: check.id, requirement: check.requirement };
      const ms = (): number => Math.round(performance.now() - t0);
      try {
        const outcome = await Promise.race([check.run(ctx), deadline]);
        if (outcome === 'timeout') return { ...base, status: 'error', reason: AttemptReason.CONNECTIVITY, message: `the target's ${timeoutMs} ms budget ran out`, durationMs: ms() };
        findings.set(check.id, outcome.findings);
        result.evidence.checks[check.id] = outcome.details;
        if (outcome.notApplicable !== undefined) return { ...base, status: 'not-applicable', message: outcome.notApplicable, durationMs: ms() };
        return { ...base, status: 'completed', durationMs: ms() };
      } catch (err) {
        return { ...base, status: 'error', reason: reasonOf(err), message: messageOf(err), durationMs: ms() };
      }
    }),
  );
  clearTimeout(timer);
  controller.abort();
  result.attempts = attempts;
  for (const req of REQUIREMENTS) {
    const reqAttempts = attempts.filter((a) => a.requirement === req);
    const reqFindings = reqAttempts.flatMap((a) => findings.get(a.check) ?? []);
    const s = requirementStatus(reqAttempts, reqFindings);
    result.requirements[req] = { status: s.status, findings: reqFindings, ...(s.reason ? { reason: s.reason } : {}) };
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

async function resolveAddress(t: ScanTarget, timeoutMs: number): Promise<string> {
  if (t.address) return t.address;
  if (isIP(t.host)) return t.host;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`DNS lookup of ${t.host} took over ${timeoutMs} ms`)), timeoutMs).unref());
  return (await Promise.race([lookup(t.host), timeout])).address;
}

function failedTarget(policy: Policy, t: ScanTarget, at: Date, reason: AttemptReason, message: string, checks: readonly RegisteredCheck[]): TargetResult {
  const attempts: CheckAttempt[] = checks.map((c) => ({ check: c.id, requirement: c.requirement, status: 'error', reason, message, durationMs: 0 }));
  const requirements = emptyRequirements();
  for (const req of REQUIREMENTS) requirements[req] = { status: 'error', findings: [], reason: message };
  return { target: t.input, address: null, serverName: t.host, port: t.port, ...(t.starttls ? { starttls: t.starttls } : {}), ...withLocation(policy, t, at), requirements, attempts, evidence: { at: at.toISOString(), policyHash: policy.hash, checks: {} }, durationMs: 0 };
}

function withLocation(policy: Policy, t: ScanTarget, at: Date): { location?: TargetResult['location'] } {
  const location = targetLocation(policy, t, at);
  return location ? { location } : {};
}

function report(policy: Policy, at: Date, results: TargetResult[]): ScanReport {
  return {
    version: REPORT_VERSION,
    tool: { name: 'certwarden', version: TOOL_VERSION },
    at: at.toISOString(),
    policy: { ...(policy.file ? { file: policy.file } : {}), hash: policy.hash },
    results,
    summary: summarize(results),
  };
}

/** Refuse out-of-range numbers before any connection (options.ts has the ranges and why). */
function validateScanOptions(o: Pick<ScanOptions, 'concurrency' | 'targetTimeoutMs' | 'connectionsPerEndpoint' | 'settings'>): void {
  checkOption('concurrency', o.concurrency);
  checkOption('targetTimeoutMs', o.targetTimeoutMs);
  checkOption('connectionsPerEndpoint', o.connectionsPerEndpoint);
  for (const name of ['connectTimeoutMs', 'stapleAttempts', 'stapleRetryDelayMs', 'clientAuthSettleMs'] as const) checkOption(name, o.settings?.[name]);
}

/** Scan live targets. Never throws for a target's failure (it is a result); throws CW_ERR_IO when evidence cannot be written. */
export async function runScan(o: ScanOptions): Promise<ScanReport> {
  validateScanOptions(o);
  const settings: ScanSettings = { ...DEFAULT_SETTINGS, ...o.settings };
  const timeoutMs = o.targetTimeoutMs ?? DEFAULT_TARGET_TIMEOUT_MS;
  const limiter = new EndpointLimiter(o.connectionsPerEndpoint ?? DEFAULT_CONNECTIONS_PER_ENDPOINT);
  const checks = o.checks ?? CHECKS;
  const at = o.at ?? new Date();
  let minted: ReturnType<typeof mintProbeCredentials> | undefined;
  const credentials = (): ReturnType<typeof mintProbeCredentials> => (minted ??= mintProbeCredentials(at));
  stapleRetryDelays(settings.stapleAttempts, settings.stapleRetryDelayMs); // refuses bad settings before any connection
  const ocspCaches = new SharedOcspCaches();
  const certificates = new ParsedCertificates();
  let done = 0;
  const dirs: Array<{ target: string; dir: string }> = [];
  const results = await mapLimit(o.targets, o.concurrency ?? DEFAULT_CONCURRENCY, async (t, index) => {
    let result: TargetResult;
    const recorder = new EvidenceRecorder();
    let source: LiveSource | undefined;
    let address: string | null = null;
    try {
      address = await resolveAddress(t, Math.min(timeoutMs, settings.connectTimeoutMs));
    } catch (err) {
      result = failedTarget(o.policy, t, at, AttemptReason.CONNECTIVITY, `cannot resolve ${t.host}: ${messageOf(err)}`, checks);
    }
    if (address !== null) {
      source = new LiveSource(limiter, endpointLabel(address, t.port));
      const resolved = resolveDestination(o.policy, t.host, t.port, { at });
      const budget = new RevocationFetchBudget();
      const crlCache = new CrlCache({
        fetch: budget.wrap(recorder.recordingFetch()),
        fetchOptions: { timeoutMs: resolved.revocation.timeouts.crlMs, maxBytes: resolved.revocation.maxResponseBytes.crl, allowFile: false },
        maxAgeMs: resolved.revocation.maxResponseAgeMs,
        clockSkewMs: resolved.clockSkewMs,
      });
      const job: TargetJob = { target: t, address, at, source, ocspCache: ocspCaches.for(resolved), crlCache, recorder, replay: false, certificates, ocspFetch: budget.wrap(boundedFetch) };
      result = await runTarget(o.policy, job, settings, timeoutMs, checks, credentials);
    }
    if (o.evidenceDir) {
      const dir = targetDirName(index, t.input);
      dirs[index] = { target: t.input, dir };
      result!.evidence.dir = join(o.evidenceDir, dir);
      await writeTargetEvidence(join(o.evidenceDir, dir), { target: t, address, at: at.toISOString(), policyHash: o.policy.hash, observations: source?.log ?? {}, ocsp: recorder.ocsp, crls: recorder.crls });
    }
    o.onProgress?.(++done, o.targets.length, result!);
    return result!;
  });
  if (o.evidenceDir) await writeRunManifest(o.evidenceDir, { tool: `certwarden ${TOOL_VERSION}`, at: at.toISOString(), policyHash: o.policy.hash, settings, targets: dirs });
  return report(o.policy, at, results);
}

/** Reproduce a recorded scan offline, at the recorded time, under `policy`. */
export async function replayScan(dir: string, policy: Policy, options: { checks?: readonly RegisteredCheck[]; settings?: Partial<ScanSettings> } = {}): Promise<ScanReport> {
  validateScanOptions(options);
  const run = await readRunManifest(dir);
  const checks = options.checks ?? CHECKS;
  const settings: ScanSettings = { ...DEFAULT_SETTINGS, ...run.settings, ...options.settings, stapleRetryDelayMs: 0 };
  const results: TargetResult[] = [];
  const certificates = new ParsedCertificates();
  for (const entry of run.targets) {
    const m = await readTargetManifest(join(dir, entry.dir));
    const at = new Date(m.at);
    const recorder = new EvidenceRecorder();
    const log: ObservationLog = m.observations;
    if (m.address === null) {
      const firstError = Object.values(log).find((o) => !o.ok);
      results.push(failedTarget(policy, m.target, at, AttemptReason.CONNECTIVITY, firstError && !firstError.ok ? firstError.message : 'the target could not be resolved when recorded', checks));
      continue;
    }
    const job: TargetJob = {
      target: m.target,
      address: m.address,
      at,
      source: new RecordedSource(log),
      ocspCache: new ReplayOcspCache(m.ocsp),
      crlCache: new CrlCache({ fetch: replayCrlFetch(m.crls), now: () => at.getTime() }),
      recorder,
      replay: true,
      certificates,
    };
    const r = await runTarget(policy, job, settings, DEFAULT_TARGET_TIMEOUT_MS, checks, undefined);
    r.evidence.dir = join(dir, entry.dir);
    results.push(r);
  }
  const out = report(policy, new Date(run.at), results);
  out.replay = { dir, recordedPolicyHash: run.policyHash, policyMatches: run.policyHash === policy.hash };
  return out;
}
