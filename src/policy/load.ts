/**
 * Loading a policy: read, parse (YAML 1.2; JSON is YAML), validate against the
 * published JSON Schema, then check what a schema cannot (pin counts and
 * expiry, CA files, contradictions) and normalise into a frozen {@link Policy}.
 *
 * Every problem is a CW_ERR_POLICY error whose message starts with
 * `file:line:column:` and says what to fix; `details` carries
 * `{ file, line, column, path }` and the `problems` list.
 *
 * The steps live in load/: read-source.ts (the text and its positions),
 * schema-errors.ts (ajv errors as messages), one module per section
 * (trust.ts, certificates.ts, pins.ts, revocation.ts, timeouts.ts,
 * clock-skew.ts, destinations.ts, inbound.ts; expiry.ts and crl-number.ts
 * beside this file), problems.ts (the one error), canonical.ts, freeze.ts.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { assertSupportedNode } from '../util/runtime.ts';
import { DEFAULTS } from './defaults.ts';
import { readExpiry } from './expiry.ts';
import { computePolicyHash } from './hash.ts';
import type { LoadPolicyOptions, Policy, Purpose } from './types.ts';
import { canonicalJson } from './load/canonical.ts';
import { readClockSkew } from './load/clock-skew.ts';
import { problem, type Ctx } from './load/context.ts';
import { readDestinations } from './load/destinations.ts';
import { deepFreeze } from './load/freeze.ts';
import { readInbound } from './load/inbound.ts';
import { policyError } from './load/problems.ts';
import { readSource } from './load/read-source.ts';
import { DEFAULT_REVOCATION, readRevocation } from './load/revocation.ts';
import { validateSchema } from './load/schema-errors.ts';
import type { Obj } from './load/source.ts';
import { checkTopTrust, readTrust } from './load/trust.ts';

export { policyHash } from './hash.ts';
export { canonicalJson } from './load/canonical.ts';
export { MAX_LISTED_PROBLEMS } from './load/problems.ts';

type PolicyBody = Omit<Policy, 'canonical' | 'hash' | 'warnings' | 'file' | 'baseDir'>;

/**
 * Each section in turn, recording problems and warnings in `ctx`. The order is
 * part of the output: warnings are reported in the order they are found.
 */
function normalise(ctx: Ctx, data: Obj): PolicyBody {
  const trust = readTrust(ctx, data.trust as Obj, ['trust'], undefined);
  const revocation = readRevocation(ctx, data.revocation as Obj | undefined, ['revocation'], DEFAULT_REVOCATION, false);
  const purpose = (data.purpose as Purpose | undefined) ?? DEFAULTS.purpose;
  const clockSkewMs = readClockSkew(ctx, data, []) ?? DEFAULTS.clockSkewMs;
  const rawRules = Array.isArray(data.destinations) ? (data.destinations as Obj[]) : [];
  checkTopTrust(ctx, trust, rawRules.length > 0);
  const destinations = readDestinations(ctx, rawRules, { trust, revocation, purpose, clockSkewMs });
  const inbound = readInbound(ctx, data.inbound as Obj | undefined, revocation, clockSkewMs);
  const body: PolicyBody = {
    version: 1,
    trust: trust.settings,
    revocation,
    purpose,
    clockSkewMs,
    destinations,
    expiry: readExpiry(data.expiry as Obj | undefined, (p, m) => problem(ctx, ['expiry', ...p], m)),
  };
  if (inbound) body.inbound = inbound;
  return body;
}

/**
 * Load, validate and normalise a policy.
 *
 * @param input a file path (YAML or JSON), or an already-parsed policy object
 *   (relative CA paths then resolve from `options.baseDir`, default cwd).
 * @throws CertwardenError CW_ERR_POLICY, message `file:line:column: what to fix`,
 *   details `{ file, line, column, path, problems }`.
 */
export function loadPolicy(input: string | object, options: LoadPolicyOptions = {}): Policy {
  assertSupportedNode();
  if (typeof input !== 'string' && (input === null || typeof input !== 'object')) {
    throw new CertwardenError(ErrorCode.POLICY, `loadPolicy needs a file path or a policy object (got ${input === null ? 'null' : typeof input})`, {
      details: { path: '' },
    });
  }
  const { src, data, baseDir } = readSource(input, options);
  validateSchema(src, data);
  const ctx: Ctx = { src, baseDir, now: options.now ?? new Date(), problems: [], warnings: [], warned: new Set(), files: new Map() };
  const body = normalise(ctx, data as Obj);
  if (ctx.problems.length > 0) throw policyError(src, ctx.problems);
  const policy: Policy = { ...body, baseDir, warnings: ctx.warnings, canonical: canonicalJson(data), hash: '' };
  if (src.file !== undefined) policy.file = src.file;
  policy.hash = computePolicyHash(policy);
  for (const w of ctx.warnings) options.onWarning?.(w);
  return deepFreeze(policy);
}
