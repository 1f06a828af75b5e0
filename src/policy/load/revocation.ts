/**
 * A `revocation` section (top level, a destination's, inbound, a listener's),
 * each key falling back to the section it inherits from. Inbound sections
 * drop "staple" from inherited sources: a client cannot staple.
 */
import type { RevocationSource } from '../../core/revocation-vocabulary.ts';
import { readCrlNumberRule } from '../crl-number.ts';
import { DEFAULTS, LIMITS } from '../defaults.ts';
import type { RevocationSettings } from '../types.ts';
import { durationAt, problem, type Ctx } from './context.ts';
import { formatPath, type Obj, type PathSeg } from './source.ts';
import { readTimeouts } from './timeouts.ts';

/** A revocation section over `base`; `inbound` for client certificates (no staples). */
export function readRevocation(ctx: Ctx, obj: Obj | undefined, path: readonly PathSeg[], base: RevocationSettings, inbound: boolean): RevocationSettings {
  const o = obj ?? {};
  const mode = (o.mode as RevocationSettings['mode'] | undefined) ?? base.mode;
  let sources = Array.isArray(o.sources) ? (o.sources as RevocationSource[]) : base.sources;
  if (inbound && !Array.isArray(o.sources)) {
    sources = base.sources.filter((s) => s !== 'staple');
    if (sources.length === 0) {
      problem(ctx, path, `${formatPath(path)}: the inherited revocation sources hold only "staple", which clients cannot provide; set ${formatPath([...path, 'sources'])} to [ocsp, crl]`);
    }
  }
  const requireStaple = inbound ? false : typeof o['require-staple'] === 'boolean' ? o['require-staple'] : base.requireStaple;
  if (requireStaple && !sources.includes('staple')) {
    const fix = 'add "staple" to sources or turn require-staple off';
    if ('require-staple' in o) {
      const where = [...path, 'require-staple'];
      problem(ctx, where, `${formatPath(where)} is true but "staple" is not in sources ${JSON.stringify(sources)}; ${fix}`);
    } else {
      const where = [...path, 'sources'];
      problem(ctx, where, `${formatPath(where)} ${JSON.stringify(sources)} lacks "staple", but the inherited require-staple is true; ${fix}`);
    }
  }
  const mrb = o['max-response-bytes'];
  const mrbPath = [...path, 'max-response-bytes'];
  const maxResponseBytes = { ...base.maxResponseBytes };
  if (typeof mrb === 'number') {
    maxResponseBytes.ocsp = maxResponseBytes.crl = mrb;
  } else if (mrb && typeof mrb === 'object' && !Array.isArray(mrb)) {
    if (typeof mrb.ocsp === 'number') maxResponseBytes.ocsp = mrb.ocsp;
    if (typeof mrb.crl === 'number') maxResponseBytes.crl = mrb.crl;
  }
  for (const k of ['ocsp', 'crl'] as const) {
    if (maxResponseBytes[k] > LIMITS.maxResponseBytes) {
      problem(ctx, typeof mrb === 'object' ? [...mrbPath, k] : mrbPath, `${formatPath(mrbPath)} must be at most ${LIMITS.maxResponseBytes} bytes (1 GiB)`);
    }
  }
  return {
    mode,
    tolerates: mode === 'soft-fail' ? ['unreachable'] : [],
    requireStaple,
    check: (o.check as RevocationSettings['check'] | undefined) ?? base.check,
    crlNumber: readCrlNumberRule(o, base.crlNumber),
    sources: [...sources],
    maxResponseAgeMs: durationAt(ctx, o, 'max-response-age', path, { min: 1, max: LIMITS.maxResponseAgeMs }) ?? base.maxResponseAgeMs,
    maxStalenessMs: durationAt(ctx, o, 'max-staleness', path, { min: 1, max: LIMITS.maxResponseAgeMs }) ?? base.maxStalenessMs,
    timeouts: readTimeouts(ctx, o.timeouts as Obj | undefined, [...path, 'timeouts'], base.timeouts),
    maxResponseBytes,
    ocspGet: typeof o['ocsp-get'] === 'boolean' ? o['ocsp-get'] : base.ocspGet,
  };
}

/** What a policy without a revocation section gets (see defaults.ts). */
export const DEFAULT_REVOCATION: RevocationSettings = {
  mode: DEFAULTS.revocation.mode,
  tolerates: [],
  requireStaple: DEFAULTS.revocation.requireStaple,
  check: DEFAULTS.revocation.check,
  crlNumber: DEFAULTS.revocation.crlNumber,
  sources: DEFAULTS.revocation.sources,
  maxResponseAgeMs: DEFAULTS.revocation.maxResponseAgeMs,
  maxStalenessMs: DEFAULTS.revocation.maxStalenessMs,
  timeouts: { ...DEFAULTS.revocation.timeouts },
  maxResponseBytes: { ...DEFAULTS.revocation.maxResponseBytes },
  ocspGet: DEFAULTS.revocation.ocspGet,
};
