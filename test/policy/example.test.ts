/** The annotated example in examples/policy.yaml loads (with CA files minted beside a copy of it). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy } from '../../src/policy/load.ts';
import { projectRoot } from '../helpers/shared.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';

const tmp = tempDir('certwarden-example-');
after(() => tmp.cleanup());

test('examples/policy.yaml is a valid policy', () => {
  const text = readFileSync(join(projectRoot, 'examples', 'policy.yaml'), 'utf8');
  const caFiles = [...new Set(text.match(/[A-Za-z0-9_.-]+\.pem/g) ?? [])];
  for (const f of caFiles) tmp.write(f, makeRoot(`CN=${f}`).certificate.toPem());
  const policy = loadPolicy(tmp.write('policy.yaml', text), { now: new Date('2026-11-23T00:00:00Z') });
  assert.equal(policy.version, 1);
  assert.ok(policy.trust.anchors.length > 0);
});
