/**
 * Regression for finding 10.15: locating each unknown key searched its parent
 * mapping from the start, so a policy with n unknown keys cost O(n²) (20k keys
 * 8.6 s, 100k over a minute). Every problem is now located in time
 * independent of the mapping's size: 10x the keys costs about 10x the time.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { fixture } from './fixtures.ts';
import { MAX_LISTED_PROBLEMS } from '../../src/policy/load.ts';

const f = fixture();
after(() => f.cleanup());

function unknownKeys(n: number, indent = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${indent}unknown-key-${i}: ${i}`);
  return `${lines.join('\n')}\n`;
}

function timeRejection(yaml: string, n: number): number {
  const t0 = performance.now();
  const e = f.fail(yaml);
  const ms = performance.now() - t0;
  assert.equal(e.code, 'CW_ERR_POLICY');
  assert.match(e.message, new RegExp(`and ${n - 1} more problems`));
  // All are counted; the first MAX_LISTED_PROBLEMS are listed (test/policy/problem-cap.test.ts).
  assert.equal((e.details as { problems: unknown[] }).problems.length, Math.min(n, MAX_LISTED_PROBLEMS));
  assert.equal(e.details.omittedProblems, n - MAX_LISTED_PROBLEMS);
  return ms;
}

/** Linear: 10x the keys within 10x the time, times 3 for noise, plus a floor for jitter. */
function assertLinear(make: (n: number) => string): void {
  timeRejection(make(1000), 1000); // warm up ajv and the YAML parser
  const small = Math.min(timeRejection(make(10_000), 10_000), timeRejection(make(10_000), 10_000));
  const large = timeRejection(make(100_000), 100_000);
  assert.ok(large <= 10 * 3 * small + 1000, `100k unknown keys took ${large.toFixed(0)} ms, 10k took ${small.toFixed(0)} ms: not linear`);
}

test('100k unknown top-level keys are all counted, in linear time', () => {
  assertLinear((n) => `version: 1\ntrust:\n  system: true\n${unknownKeys(n)}`);
});

test('100k unknown keys inside a section are all counted, in linear time', () => {
  assertLinear((n) => `version: 1\ntrust:\n  system: true\nrevocation:\n  mode: hard-fail\n${unknownKeys(n, '  ')}`);
});

test('unknown keys are still located at their line and column', () => {
  const e = f.fail('version: 1\ntrust:\n  system: true\nrevocation:\n  mode: hard-fail\n  bogus: 1\n');
  assert.match(e.message, /policy\.yaml:6:3: unknown key "bogus" in revocation/);
});
