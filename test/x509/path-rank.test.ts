/**
 * When several candidate paths fail, the most specific failure is reported,
 * through one ranking (src/x509/path/rank.ts): an anchored path's own problem
 * beats a broken link, which beats an untrusted root, which beats a dead end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMoreSpecific, rankAttempt, type Attempt, type AttemptKind } from '../../src/x509/path/rank.ts';
import { validatePath } from '../../src/x509/path/validate.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const attempt = (kind: AttemptKind, pathLength: number, reasonCount: number): Attempt => ({
  kind,
  path: Array.from({ length: pathLength }) as Attempt['path'],
  reasons: Array.from({ length: reasonCount }, () => ({ code: 'expired' as const, message: '' })),
});

test('rankAttempt orders dead-end < untrusted-root < broken-link < anchored', () => {
  const kinds: AttemptKind[] = ['dead-end', 'untrusted-root', 'broken-link', 'anchored'];
  assert.deepEqual([...kinds].reverse().sort((a, b) => rankAttempt(a) - rankAttempt(b)), kinds);
});

test('isMoreSpecific: rank first; then fewer problems (anchored) or a longer path (others); a tie keeps the first', () => {
  assert.equal(isMoreSpecific(attempt('dead-end', 1, 1), undefined), true);
  assert.equal(isMoreSpecific(attempt('anchored', 2, 3), attempt('broken-link', 5, 1)), true);
  assert.equal(isMoreSpecific(attempt('broken-link', 5, 1), attempt('anchored', 2, 3)), false);
  assert.equal(isMoreSpecific(attempt('anchored', 3, 1), attempt('anchored', 3, 2)), true);
  assert.equal(isMoreSpecific(attempt('anchored', 3, 2), attempt('anchored', 3, 1)), false);
  assert.equal(isMoreSpecific(attempt('dead-end', 3, 1), attempt('dead-end', 2, 1)), true);
  assert.equal(isMoreSpecific(attempt('dead-end', 2, 1), attempt('dead-end', 2, 1)), false);
});

test('an expired intermediate on an anchored path is reported, not the impostor issuer whose signature fails', () => {
  const root = makeRoot('CN=Rank Root');
  const expired = makeIntermediate(root, 'CN=Rank CA', { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
  const impostor = makeIntermediate(root, 'CN=Rank CA'); // same name, another key: the leaf's signature fails under it
  const leaf = makeLeaf(expired, 'rank.test');
  for (const intermediates of [[impostor.certificate, expired.certificate], [expired.certificate, impostor.certificate]]) {
    const r = validatePath(leaf.certificate, { anchors: [root.certificate], intermediates, hostname: 'rank.test' });
    assert.equal(r.trusted, false);
    assert.deepEqual(r.reasons.map((x) => x.code), ['expired']);
  }
});

test('a valid path is found and trusted beside an impostor issuer (the ranking only speaks when every path fails)', () => {
  const root = makeRoot('CN=Rank Root 2');
  const good = makeIntermediate(root, 'CN=Rank CA 2');
  const impostor = makeIntermediate(root, 'CN=Rank CA 2');
  const leaf = makeLeaf(good, 'rank.test');
  const r = validatePath(leaf.certificate, { anchors: [root.certificate], intermediates: [impostor.certificate, good.certificate], hostname: 'rank.test' });
  assert.deepEqual([r.trusted, r.reasons], [true, []]);
});
