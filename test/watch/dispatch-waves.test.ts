/** How the service groups workers' results for recording (dispatch.ts): different targets together, one target in order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inOrderWaves } from '../../src/watch/dispatch.ts';

const r = (target: string, slot: string): { target: string; slot: string } => ({ target, slot });

test('results of different targets share a wave (one group commit); a target never has two results in one wave', () => {
  const waves = inOrderWaves([r('a', 'a1'), r('b', 'b1'), r('a', 'a2'), r('c', 'c1'), r('a', 'a3'), r('b', 'b2')]);
  assert.deepEqual(
    waves.map((w) => w.map((x) => x.slot)),
    [['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']],
  );
  for (const w of waves) assert.equal(new Set(w.map((x) => x.target)).size, w.length);
});

test('a target\'s results keep their order across waves (each judged against the one before)', () => {
  const results = [r('a', 'a1'), r('a', 'a2'), r('a', 'a3'), r('b', 'b1')];
  const order = inOrderWaves(results).flat().filter((x) => x.target === 'a').map((x) => x.slot);
  assert.deepEqual(order, ['a1', 'a2', 'a3']);
});

test('no results, no waves', () => {
  assert.deepEqual(inOrderWaves([]), []);
});
