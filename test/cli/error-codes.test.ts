/**
 * The error-code contract: every code in ErrorCode is documented in
 * docs/architecture.md's error table, and the table documents nothing that
 * does not exist (undici's test/errors.js does the same for its error docs).
 * `CW_ERR_CSR_PARSE` was once missing from the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors.ts';
import { projectRoot } from '../helpers/shared.ts';

/** The codes named in the first column of the "## Error codes" table. */
function documentedCodes(markdown: string): string[] {
  const section = /^## Error codes\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  assert.ok(section, 'docs/architecture.md has an "## Error codes" section');
  const rows = section.split('\n').filter((l) => /^\|\s*`CW_ERR_/.test(l));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(CW_ERR_[A-Z_]+)`/g)].map((m) => m[1]!));
}

const documented = documentedCodes(readFileSync(join(projectRoot, 'docs', 'architecture.md'), 'utf8'));

test('every ErrorCode is documented in docs/architecture.md', () => {
  const missing = Object.values(ErrorCode).filter((code) => !documented.includes(code));
  assert.deepEqual(missing, []);
});

test('the error table documents no code that does not exist, and none twice', () => {
  const codes = new Set<string>(Object.values(ErrorCode));
  assert.deepEqual(documented.filter((code) => !codes.has(code)), []);
  assert.equal(new Set(documented).size, documented.length);
});

test('the table parser finds the codes (guards the guard)', () => {
  const sample = '## Error codes\n\n| code | meaning |\n| --- | --- |\n| `CW_ERR_A` | a |\n| `CW_ERR_B`, `CW_ERR_C` | b, c with `CW_ERR_D` in prose |\n\n## Next\n| `CW_ERR_E` | e |\n';
  assert.deepEqual(documentedCodes(sample), ['CW_ERR_A', 'CW_ERR_B', 'CW_ERR_C']);
});
