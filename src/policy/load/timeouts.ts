/** `revocation.timeouts`: per-fetch deadlines, each bounded so a hung responder cannot stall a handshake for long. */
import { LIMITS } from '../defaults.ts';
import type { RevocationSettings } from '../types.ts';
import { durationAt, type Ctx } from './context.ts';
import type { Obj, PathSeg } from './source.ts';

/** A timeout must be positive and at most LIMITS.maxTimeoutMs. */
const TIMEOUT_LIMITS = { min: 1, max: LIMITS.maxTimeoutMs };

/** The section's timeouts (ocsp, crl, connect, in that order), each else the inherited one. */
export function readTimeouts(ctx: Ctx, obj: Obj | undefined, path: readonly PathSeg[], base: RevocationSettings['timeouts']): RevocationSettings['timeouts'] {
  return {
    ocspMs: durationAt(ctx, obj, 'ocsp', path, TIMEOUT_LIMITS) ?? base.ocspMs,
    crlMs: durationAt(ctx, obj, 'crl', path, TIMEOUT_LIMITS) ?? base.crlMs,
    connectMs: durationAt(ctx, obj, 'connect', path, TIMEOUT_LIMITS) ?? base.connectMs,
  };
}
