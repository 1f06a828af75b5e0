import test from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl, hasControl } from '../../src/util/terminal.ts';

test('escapeControl makes newlines, ESC sequences, C1 and bidi overrides visible', () => {
  assert.equal(escapeControl('CN=a\nverdict: TRUSTED'), 'CN=a\\nverdict: TRUSTED');
  assert.equal(escapeControl('\x1b[8mhidden'), '\\e[8mhidden');
  assert.equal(escapeControl('a\u009bb'), 'a\\x9bb');
  assert.equal(escapeControl('x\u202ey'), 'x\\u202ey');
  assert.equal(escapeControl('plain ünïcode ✓'), 'plain ünïcode ✓');
  assert.equal(hasControl('ok'), false);
  assert.equal(hasControl('a\rb'), true);
  assert.equal(hasControl('a\rb'), true);
});
