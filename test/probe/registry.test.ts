/**
 * The case table is declared once (src/probe/cases.ts); every other place
 * that publishes it must agree: the JSON Schema's enums, docs/probe.md, the
 * suites and the SARIF rules.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/shared.ts';
import { CASES, probeFindingIds, type CaseSpec } from '../../src/probe/cases.ts';
import { resolveSuites, SUITES } from '../../src/probe/suites.ts';
import { probeRules } from '../../src/probe/render/sarif.ts';
import { profiles } from '../../src/probe/profiles.ts';
import { isCertwardenError } from '../../src/errors.ts';

const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'probe-report.schema.json'), 'utf8'));
const docs = readFileSync(join(projectRoot, 'docs', 'probe.md'), 'utf8');
const all = CASES as readonly CaseSpec[];

describe('probe case registry', () => {
  test('case ids are unique and kebab-case', () => {
    const ids = all.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  test('the schema enumerates exactly the case ids and the finding ids', () => {
    assert.deepEqual(schema.definitions.caseId.enum, all.map((c) => c.id));
    assert.deepEqual(schema.definitions.finding.properties.id.enum, probeFindingIds());
  });

  test('docs/probe.md documents every case (a heading per id) and every finding id', () => {
    for (const c of all) assert.match(docs, new RegExp(`^#### \`${c.id}\`$`, 'm'), `docs/probe.md lacks a heading for ${c.id}`);
    for (const id of probeFindingIds()) assert.ok(docs.includes(`\`${id}\``) || docs.includes(`client-accepts-<case>`), id);
  });

  test('docs/probe.md lists every profile and every suite', () => {
    for (const p of Object.keys(profiles())) assert.ok(docs.includes(`\`${p}\``), `profile ${p} missing from docs/probe.md`);
    for (const s of Object.keys(SUITES)) assert.ok(docs.includes(`\`${s}\``), `suite ${s} missing from docs/probe.md`);
  });

  test('SARIF has one rule per finding id, plus probe-error', () => {
    assert.deepEqual(probeRules().map((r) => r.id), [...probeFindingIds(), 'probe-error']);
  });

  test('suites: asvs is both requirements, control always first and once', () => {
    const asvs = resolveSuites([]);
    assert.equal(asvs[0], 'control');
    assert.equal(asvs.length, all.length);
    const v921 = resolveSuites(['v9.2.1']);
    assert.ok(v921.every((id) => id === 'control' || all.find((c) => c.id === id)!.requirement === 'V9.2.1'));
    assert.deepEqual(resolveSuites(['v9.2.1', 'v9.2.4']), asvs);
  });

  test('the limbo suite is declared but says "not yet" (a usage error), never an empty pass', () => {
    assert.throws(() => resolveSuites(['limbo']), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE' && /not implemented yet/.test(e.message));
    assert.throws(() => resolveSuites(['nope']), (e: unknown) => isCertwardenError(e) && /unknown suite/.test(e.message));
  });

  test('public-root is declared but not servable, with the reason', () => {
    const pr = all.find((c) => c.id === 'public-root')!;
    assert.match(pr.notServable ?? '', /private key/);
  });
});
