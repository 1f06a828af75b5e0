import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from '../../src/util/min-heap.ts';

test('pops in order whatever the order of pushes, ties in the order the comparator gives', () => {
  const h = new MinHeap<{ due: number; order: number }>((a, b) => a.due < b.due || (a.due === b.due && a.order < b.order));
  const items = Array.from({ length: 500 }, (_, order) => ({ due: (order * 7919) % 37, order }));
  for (const i of [...items].reverse()) h.push(i);
  assert.equal(h.size, 500);
  const out: Array<{ due: number; order: number }> = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x);
  const expected = [...items].sort((a, b) => a.due - b.due || a.order - b.order);
  assert.deepEqual(out, expected);
  assert.equal(h.peek(), undefined);
  assert.equal(h.pop(), undefined);
});

test('interleaved pushes and pops keep the smallest on top', () => {
  const h = new MinHeap<number>((a, b) => a < b);
  h.push(5);
  h.push(3);
  assert.equal(h.pop(), 3);
  h.push(4);
  h.push(1);
  assert.equal(h.peek(), 1);
  assert.deepEqual([h.pop(), h.pop(), h.pop(), h.pop()], [1, 4, 5, undefined]);
});
