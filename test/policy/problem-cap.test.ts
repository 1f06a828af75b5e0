/**
 * A policy with thousands of problems (a hostile file of unknown keys) lists
 * only the first MAX_LISTED_PROBLEMS in `details.problems`, in file order, and
 * says how many more there were: the error stays small however bad the file.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LISTED_PROBLEMS } from '../../src/policy/load.ts';
import { fixture } from './fixtures.ts';

const f = fixture();
after(() => f.cleanup());

function unknownKeys(n: number): string {
  let out = 'version: 1\ntrust:\n  system: true\n';
  for (let i = 0; i < n; i++) out += `unknown-key-${i}: ${i}\n`;
  return out;
}

test('details.problems lists at most MAX_LISTED_PROBLEMS, the first in the file, and counts the rest in omittedProblems', () => {
  const n = MAX_LISTED_PROBLEMS * 3 + 7;
  const e = f.fail(unknownKeys(n));
  assert.match(e.message, /policy\.yaml:4:1: unknown key "unknown-key-0" at the top level/);
  assert.match(e.message, new RegExp(`\\(and ${n - 1} more problems\\)$`));
  const problems = e.details.problems as { line: number; message: string }[];
  assert.equal(problems.length, MAX_LISTED_PROBLEMS);
  assert.deepEqual(
    problems.map((p) => p.line),
    Array.from({ length: MAX_LISTED_PROBLEMS }, (_, i) => i + 4),
  );
  assert.equal(e.details.omittedProblems, n - MAX_LISTED_PROBLEMS);
});

test('a policy with no more than MAX_LISTED_PROBLEMS problems lists them all and omits nothing', () => {
  const e = f.fail(unknownKeys(MAX_LISTED_PROBLEMS));
  assert.equal((e.details.problems as unknown[]).length, MAX_LISTED_PROBLEMS);
  assert.equal('omittedProblems' in e.details, false);
});
