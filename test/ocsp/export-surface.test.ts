/**
 * Test hooks stay out of the production surface: the OCSP tamper hooks live
 * behind an internal path (src/ocsp/internal/), which src/index.ts never
 * re-exports, and the public builder refuses them instead of ignoring them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as api from '../../src/index.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { buildTamperedOcspResponse } from '../../src/ocsp/internal/response-encoder.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';

test('the package root exports no tamper hook and re-exports no internal module', () => {
  assert.deepEqual(Object.keys(api).filter((k) => /tamper/i.test(k)), []);
  const index = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(index, /\/internal\//);
  assert.doesNotMatch(readFileSync(new URL('../../src/ocsp/builder.ts', import.meta.url), 'utf8'), /export[^;]*OcspTamper/);
});

test('buildOcspResponse refuses tamper hooks and CertID overrides (CW_ERR_USAGE); buildTamperedOcspResponse applies them; without hooks both encode alike', () => {
  const ca = makeRoot('CN=Surface CA');
  const leaf = makeLeaf(ca, 'surface.test');
  const producedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const base = { issuer: ca.certificate, signer: ca, producedAt, responses: [{ certificate: leaf.certificate, status: 'good' as const }] };
  const flip = { signature: (s: Buffer) => Buffer.concat([s.subarray(0, -1), Buffer.from([s[s.length - 1]! ^ 1])]) };
  assert.throws(() => buildOcspResponse({ ...base, ...{ tamper: flip } }), (e) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE');
  const certIdOverride = { ...base.responses[0]!, issuerKeyHash: Buffer.alloc(20, 7) };
  assert.throws(() => buildOcspResponse({ ...base, responses: [certIdOverride] }), (e) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE');
  // ECDSA signatures are randomised: compare lengths and structure, not bytes.
  assert.equal(buildOcspResponse(base)[0], 0x30);
  assert.equal(buildTamperedOcspResponse({ ...base, tamper: { response: (d) => Buffer.concat([d, Buffer.from([0xff])]) } }).at(-1), 0xff);
});
