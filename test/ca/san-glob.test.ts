/** `ca list --san` globs (10.16): linear matching, same answers as a regular expression on ordinary patterns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatches, sanMatcher } from '../../src/ca/san-glob.ts';
import { freshCa } from './fixtures.ts';

test('a glob with many wildcards against a long name answers at once (no exponential backtracking)', async () => {
  const pattern = `${'*a'.repeat(25)}*b`;
  const name = `DNS:${'a'.repeat(5000)}`;
  const started = process.hrtime.bigint();
  assert.equal(sanMatcher(pattern)(name), false);
  // The regexp version needed over 60 s for 10 wildcards; linear matching is microseconds. A generous bound.
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
});

test('globs match like the documented "*" semantics', async () => {
  const cases: [string, string, boolean][] = [
    ['*.example', 'DNS:a.example', true],
    ['*.example', 'DNS:a.b.example', true],
    ['*.example', 'DNS:example', false],
    ['DNS:*.example', 'DNS:a.example', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['*ab*ba*', 'aba', false],
    ['*ab*ba*', 'abba', true],
    ['ab*ab', 'ab', false],
    ['*', '', true],
    ['**', 'x', true],
    ['*.EXAMPLE', 'DNS:a.example', true],
    ['10.0.*', 'IP:10.0.0.5', true],
  ];
  for (const [p, s, want] of cases) assert.equal(sanMatcher(p)(s), want, `${p} vs ${s}`);
  assert.equal(globMatches('x', 'x'), true);
});

test('ca list --san: substring and glob filters', async () => {
  const f = await freshCa();
  try {
    await f.ca.issue({ profile: 'server', sans: ['DNS:api.internal.test'] });
    await f.ca.issue({ profile: 'server', sans: ['DNS:db.internal.test', 'IP:10.0.0.5'] });
    await f.ca.issue({ profile: 'server', sans: ['DNS:web.other.test'] });
    assert.equal((await f.ca.list({ san: '*.internal.test' })).length, 2);
    assert.equal((await f.ca.list({ san: 'internal' })).length, 2);
    assert.equal((await f.ca.list({ san: '10.0.*' })).length, 1);
    assert.equal((await f.ca.list({ san: `${'*a'.repeat(30)}*z` })).length, 0);
  } finally {
    await f.cleanup();
  }
});
