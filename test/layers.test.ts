/**
 * Layering of src/ (docs/architecture.md, "Layers"): cli/ is the top, so no
 * module below it imports from it; and no two top-level folders depend on
 * each other, directly or in a ring. The graph is read from the sources by
 * scripts/import-graph.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileImports, folderCycles, folderGraph, folderOf } from '../scripts/import-graph.ts';

test('no module outside src/cli imports from src/cli (cli is the top layer)', () => {
  const offenders = fileImports().filter((e) => folderOf(e.from) !== 'cli' && folderOf(e.to) === 'cli').map((e) => `${e.from} -> ${e.to}`);
  assert.deepEqual(offenders, []);
});

test('nothing imports the public API barrel src/index.ts', () => {
  assert.deepEqual(fileImports().filter((e) => e.to === 'index.ts').map((e) => e.from), []);
});

test('no import cycle between top-level folders of src/ (the revocation vocabulary lives in core/, below ocsp/, crl/ and revocation/)', () => {
  const rings = folderCycles(folderGraph(fileImports()));
  assert.deepEqual(rings, [], `folder cycles: ${rings.map((r) => r.join(' <-> ')).join('; ')}`);
});

test('the cycle finder finds a ring of three and ignores a chain', () => {
  const g = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a'])],
    ['d', new Set(['a'])],
  ]);
  assert.deepEqual(folderCycles(g), [['a', 'b', 'c']]);
  assert.deepEqual(folderCycles(new Map([['a', new Set(['b'])], ['b', new Set(['c'])]])), []);
});
