import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { POLICY_SCHEMA } from '../../src/policy/schema.ts';
import { projectRoot } from '../helpers/shared.ts';
import { fixture } from './fixtures.ts';

const REGENERATE = `node --input-type=module -e "import {POLICY_SCHEMA} from './src/policy/schema.ts'; import {writeFileSync} from 'node:fs'; writeFileSync('schema/policy.schema.json', JSON.stringify(POLICY_SCHEMA, null, 2) + '\\n')"`;

test('schema/policy.schema.json is identical to the schema the loader uses', () => {
  const text = readFileSync(join(projectRoot, 'schema', 'policy.schema.json'), 'utf8');
  assert.equal(text, `${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`, `the published schema is stale; regenerate it with:\n${REGENERATE}`);
});

test('the published schema compiles under strict ajv', () => {
  const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'policy.schema.json'), 'utf8'));
  new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
});

test('every property in the schema has a description (editor completion)', () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') {
      for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' && !(typeof v.$ref === 'string' && hasDescription(v.$ref))) missing.push(`${path}/properties/${k}`);
      }
    }
    for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
  };
  const hasDescription = (ref: string): boolean => {
    let cur: unknown = POLICY_SCHEMA;
    for (const seg of ref.replace(/^#\//, '').split('/')) cur = (cur as Record<string, unknown>)[seg];
    return typeof (cur as Record<string, unknown>).description === 'string';
  };
  walk(POLICY_SCHEMA, '#');
  assert.deepEqual(missing, []);
});

test('the annotated example policy is valid against the schema and loads', () => {
  const text = readFileSync(join(projectRoot, 'examples', 'policy.yaml'), 'utf8');
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(POLICY_SCHEMA);
  assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
  // Load it for real with the CA files it names, minted here.
  const f = fixture();
  try {
    for (const name of ['internal-root.pem', 'payments-root.pem', 'client-ca.pem', 'operators-ca.pem', 'legacy-nas.pem']) f.write(name, f.root.certificate.toPem());
    const p = f.load(text, { now: new Date('2026-01-01T00:00:00Z') }, 'example.yaml');
    assert.ok(p.destinations.length > 0);
  } finally {
    f.cleanup();
  }
});
