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
  baseDir: string;
  now: Date;
  problems: Problem[];
  warnings: PolicyWarning[];
  warned: Set<string>;
  files: Map<string, { certificates: Certificate[] } | { error: string }>;
}

export function problem(ctx: Ctx, path: readonly PathSeg[], message: string, at: 'value' | 'key' = 'value'): void {
  const location = ctx.src.locate(path, at);
  ctx.problems.push({ message, location, offset: location.offset });
}

export function warn(ctx: Ctx, path: readonly PathSeg[], message: string): void {
  const location = ctx.src.locate(path);
  const key = `${location.path}\0${message}`;
  if (ctx.warned.has(key)) return;
  ctx.warned.add(key);
  const { offset: _, ...clean } = location;
  ctx.warnings.push({ message: `${ctx.src.prefix(clean)} ${message}`, text: message, location: clean });
}

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
