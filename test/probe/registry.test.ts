/**
 * The case table (src/probe/cases.ts) and the suites built from it. Where it
 * is published (schema enums, docs/probe.md, SARIF rules) is checked by
 * test/contract.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, type CaseSpec } from '../../src/probe/cases.ts';
import { resolveSuites } from '../../src/probe/suites.ts';
import { isCertwardenError } from '../../src/errors.ts';

const all = CASES as readonly CaseSpec[];

describe('probe case registry', () => {
  test('case ids are unique and kebab-case', () => {
    const ids = all.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  test('suites: asvs is both requirements, control always first and once', () => {
    const asvs = resolveSuites([]);
    assert.equal(asvs[0], 'control');
    assert.equal(asvs.length, all.length);
    const v921 = resolveSuites(['v9.2.1']);
    assert.ok(v921.every((id) => id === 'control' || all.find((c) => c.id === id)!.requirement === 'V9.2.1'));
    assert.deepEqual(resolveSuites(['v9.2.1', 'v9.2.4']), asvs);
  });

  test('the limbo suite adds no table case (its vectors come from --limbo FILE): the control only; an unknown suite is a usage error', () => {
    assert.deepEqual(resolveSuites(['limbo']), ['control']);
    assert.deepEqual(resolveSuites(['limbo', 'v9.2.4']), resolveSuites(['v9.2.4']));
    assert.throws(() => resolveSuites(['nope']), (e: unknown) => isCertwardenError(e) && /unknown suite/.test(e.message));
  });

  test('public-root is declared but not servable, with the reason', () => {
    const pr = all.find((c) => c.id === 'public-root')!;
    assert.match(pr.notServable ?? '', /private key/);
  });
});
