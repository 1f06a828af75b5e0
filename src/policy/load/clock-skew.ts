/** `clock-skew` (top level, per destination, inbound, per listener): bounded by LIMITS.maxClockSkewMs. */
import { LIMITS } from '../defaults.ts';
import { durationAt, type Ctx } from './context.ts';
import type { Obj, PathSeg } from './source.ts';

/** The skew the section at `path` sets, or undefined (inherit) when it sets none or sets a bad one (a problem is recorded). */
export function readClockSkew(ctx: Ctx, section: Obj | undefined, path: readonly PathSeg[]): number | undefined {
  return durationAt(ctx, section, 'clock-skew', path, { max: LIMITS.maxClockSkewMs });
}
