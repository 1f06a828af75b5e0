/** The policy's `expiry:` section (src/policy/expiry.ts): defaults, both value forms, and the problems it refuses. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXPIRY, insideRemainingWindow } from '../../src/policy/expiry.ts';
import { fixture, type Fixture } from './fixtures.ts';

const DAY = 86_400_000;
let f: Fixture;
before(() => {
  f = fixture();
});
after(() => f.cleanup());

describe('policy expiry section', () => {
  test('absent: the documented defaults (leaf 30d/7d, chain 60d/14d, staple and CRL 25%)', () => {
    const p = f.load('version: 1\ntrust:\n  cas: [root.pem]\n');
    assert.deepEqual(p.expiry, DEFAULT_EXPIRY);
    assert.deepEqual(p.expiry.leaf, { warnMs: 30 * DAY, failMs: 7 * DAY });
    assert.deepEqual(p.expiry.staple, { fraction: 0.25 });
  });
  test('durations and percentages are read; keys left out keep their defaults', () => {
    const p = f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  leaf: { warn: 14d }\n  chain: { warn: 90d, fail: 30d }\n  staple: { warn: 1d }\n  crl: { warn: "10%" }\n');
    assert.deepEqual(p.expiry.leaf, { warnMs: 14 * DAY, failMs: 7 * DAY });
    assert.deepEqual(p.expiry.chain, { warnMs: 90 * DAY, failMs: 30 * DAY });
    assert.deepEqual(p.expiry.staple, { ms: DAY });
    assert.deepEqual(p.expiry.crl, { fraction: 0.1 });
  });
  test('a fail window longer than the warn window is refused, with its line', () => {
    assert.throws(() => f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  leaf: { warn: 7d, fail: 30d }\n'), /policy\.yaml:5.*expiry\.leaf\.fail \(30d\) must not be longer than expiry\.leaf\.warn/s);
  });
  test('bad values are refused: 0% or 100%, a unit typo, an unknown key', () => {
    assert.throws(() => f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  staple: { warn: "100%" }\n'), /percentage/);
    assert.throws(() => f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  crl: { warn: "0%" }\n'), /percentage/);
    assert.throws(() => f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  leaf: { warn: 30days }\n'), /duration/);
    assert.throws(() => f.load('version: 1\ntrust:\n  cas: [root.pem]\nexpiry:\n  leef: { warn: 30d }\n'), /leef/);
  });
  test('remaining window: a share of thisUpdate..nextUpdate or a fixed time; an expired response is not "expiring"', () => {
    const thisUpdate = new Date('2026-01-01T00:00:00Z');
    const nextUpdate = new Date('2026-01-05T00:00:00Z'); // 4 days: a quarter is 1 day
    assert.equal(insideRemainingWindow({ fraction: 0.25 }, thisUpdate, nextUpdate, new Date('2026-01-03T00:00:00Z')), false);
    assert.equal(insideRemainingWindow({ fraction: 0.25 }, thisUpdate, nextUpdate, new Date('2026-01-04T12:00:00Z')), true);
    assert.equal(insideRemainingWindow({ ms: 3 * DAY }, thisUpdate, nextUpdate, new Date('2026-01-02T12:00:00Z')), true);
    assert.equal(insideRemainingWindow({ fraction: 0.25 }, thisUpdate, nextUpdate, new Date('2026-01-06T00:00:00Z')), false);
  });
});
