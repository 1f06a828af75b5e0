/**
 * Turning collected problems into the one CW_ERR_POLICY error: the first in
 * the file leads the message (`file:line:column: what to fix`), the others are
 * counted and listed in `details.problems`.
 */
import { CertwardenError, ErrorCode } from '../../errors.ts';
import type { SourceLocation } from '../types.ts';
import { cleanLocation, type PathSeg, type Source } from './source.ts';

export interface Problem {
  message: string;
  location: SourceLocation;
  offset: number;
}

/**
 * How many problems `details.problems` lists: a hostile policy with 100k
 * unknown keys must not become a 100k-entry error (memory, and the time to
 * print it). The message still counts them all; `details.omittedProblems`
 * says how many were left out.
 */
export const MAX_LISTED_PROBLEMS = 100;

export function policyError(src: Source, problems: Problem[]): CertwardenError {
  problems.sort((a, b) => a.offset - b.offset);
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  const { location } = first;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const details: Record<string, unknown> = {
    file: location.file ?? src.display,
    line: location.line,
    column: location.column,
    path: location.path,
    problems: listed.map((p) => ({ message: `${src.prefix(p.location)} ${p.message}`, ...cleanLocation(p.location) })),
  };
  if (problems.length > listed.length) details.omittedProblems = problems.length - listed.length;
  return new CertwardenError(ErrorCode.POLICY, `${src.prefix(location)} ${first.message}${more}`, { details });
}

export function fatal(src: Source, message: string, path: readonly PathSeg[] = [], at: 'value' | 'key' = 'value'): CertwardenError {
  const location = src.locate(path, at);
  return policyError(src, [{ message, location, offset: location.offset }]);
}
