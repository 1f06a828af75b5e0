/** The rule list lives once in code; the docs table, the schema and the error table are checked against it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.ts';
import { ALL_RULES } from '../../src/audit/rules/registry.ts';
import { projectRoot } from '../helpers/shared.ts';

test('docs/audit.md has one table row per rule with its requirement, severity, dialect and source', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'audit.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| `[a-z0-9-]+` \|/.test(l));
  assert.equal(rows.length, ALL_RULES.length, 'rule table rows');
  for (const r of ALL_RULES) {
    const row = rows.find((l) => l.startsWith(`| \`${r.id}\` |`));
    assert.ok(row, `${r.id} missing from docs/audit.md`);
    assert.ok(row.includes(`| ${r.requirement} | ${r.severity} | ${r.dialect} |`), `${r.id}: ${row}`);
    assert.ok(row.includes(r.source), `${r.id}: source`);
  }
});

test('CW_ERR_CONFIG_PARSE is in docs/architecture.md\'s error table', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'architecture.md'), 'utf8');
  assert.ok(doc.includes(`\`${ErrorCode.CONFIG_PARSE}\``));
});
