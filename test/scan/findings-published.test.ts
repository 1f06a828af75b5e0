/**
 * Finding ids and check ids are declared once (findings.ts, registry.ts) and
 * published in the report schema and docs/scan.md: these tests fail when a
 * new id is missing from either place, or its severity/requirement differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINDINGS } from '../../src/scan/findings.ts';
import { CHECKS } from '../../src/scan/registry.ts';
import { projectRoot } from '../helpers/shared.ts';

const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'scan-report.schema.json'), 'utf8'));
const docs = readFileSync(join(projectRoot, 'docs', 'scan.md'), 'utf8');

test('every finding id is in the report schema enum, in the same order, and nothing else', () => {
  assert.deepEqual(schema.definitions.finding.properties.id.enum, Object.keys(FINDINGS));
});

test('every finding id has a row (anchor, requirement, severity) in docs/scan.md', () => {
  const rows = new Map([...docs.matchAll(/^\| <a id="([a-z0-9-]+)"><\/a>`\1` \| (V9\.2\.\d) \| (\w+) \|/gm)].map((m) => [m[1]!, { requirement: m[2], severity: m[3] }]));
  for (const [id, spec] of Object.entries(FINDINGS)) {
    assert.deepEqual(rows.get(id), { requirement: spec.requirement, severity: spec.severity }, `docs/scan.md: row for ${id}`);
  }
  assert.deepEqual([...rows.keys()].filter((id) => !(id in FINDINGS)), [], 'docs/scan.md lists ids findings.ts does not declare');
});

test('every registered check is in the report schema\'s attempt enum and in docs/scan.md\'s check table', () => {
  const enumOf = JSON.stringify(schema).match(/"check":\{"type":"string","enum":\[([^\]]*)\]/)?.[1];
  assert.deepEqual(JSON.parse(`[${enumOf}]`), CHECKS.map((c) => c.id));
  for (const c of CHECKS) assert.match(docs, new RegExp(`^\\| \`${c.id}\` \\| ${c.requirement.replace(/\./g, '\\.')} \\|`, 'm'), `docs/scan.md check table: ${c.id}`);
});
