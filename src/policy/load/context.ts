/**
 * What every section reader shares: the source (for locations), the base
 * folder, the clock, and where problems and warnings are collected; plus the
 * duration reader every section uses.
 */
import type { Certificate } from '../../x509/certificate.ts';
import type { PolicyWarning } from '../types.ts';
import { formatDuration, parseDuration } from '../values.ts';
import type { Problem } from './problems.ts';
import { formatPath, type Obj, type PathSeg, type Source } from './source.ts';

export interface Ctx {
  src: Source;
  /** Where relative CA paths resolve from: the policy file's folder, or `baseDir` for object input. */
  baseDir: string;
  /** The instant pin and anchor expiry is judged against. */
  now: Date;
  /** Every problem found; all sections run so that one error lists them all. */
  problems: Problem[];
  warnings: PolicyWarning[];
  /** Path and message of each warning given: an inherited setting checked once per destination warns once. */
  warned: Set<string>;
  /** CA files read so far, by absolute path: a file named by many rules is read and parsed once. */
  files: Map<string, { certificates: Certificate[] } | { error: string }>;
}

/** Record a problem at `path` (or at its key, for unknown keys). */
export function problem(ctx: Ctx, path: readonly PathSeg[], message: string, at: 'value' | 'key' = 'value'): void {
  const location = ctx.src.locate(path, at);
  ctx.problems.push({ message, location, offset: location.offset });
}

/** Record a warning at `path`, once per path and message. */
export function warn(ctx: Ctx, path: readonly PathSeg[], message: string): void {
  const location = ctx.src.locate(path);
  const key = `${location.path}\0${message}`;
  if (ctx.warned.has(key)) return;
  ctx.warned.add(key);
  const { offset: _, ...clean } = location;
  ctx.warnings.push({ message: `${ctx.src.prefix(clean)} ${message}`, text: message, location: clean });
}

/** `obj[key]` as a duration in ms within `limits`, or undefined when absent or bad (a problem is then recorded). */
export function durationAt(ctx: Ctx, obj: Obj | undefined, key: string, path: readonly PathSeg[], limits: { min?: number; max: number }): number | undefined {
  if (!obj || !(key in obj)) return undefined;
  const p = [...path, key];
  const parsed = parseDuration(obj[key]);
  if (!parsed.ok) {
    problem(ctx, p, `${formatPath(p)} ${parsed.problem}`);
    return undefined;
  }
  if (limits.min !== undefined && parsed.value < limits.min) {
    problem(ctx, p, `${formatPath(p)} must be more than 0 (got ${JSON.stringify(obj[key])})`);
    return undefined;
  }
  if (parsed.value > limits.max) {
    problem(ctx, p, `${formatPath(p)} must be at most ${formatDuration(limits.max)} (got ${JSON.stringify(obj[key])})`);
    return undefined;
  }
  return parsed.value;
}
