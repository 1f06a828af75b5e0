/**
 * Revocation sources behind one interface: the registry holds one module per
 * policy source id (and the policy schema offers exactly those ids); each
 * source decides the kind of its answer; the status ranking is one function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REVOCATION_SOURCE_IDS, type RevocationResult, type RevocationStatus } from '../../src/core/revocation-vocabulary.ts';
import { POLICY_SCHEMA } from '../../src/policy/schema.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { resolveDestination } from '../../src/policy/match.ts';
import { OcspCache } from '../../src/ocsp/cache.ts';
import { CrlCache } from '../../src/crl/cache.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { REVOCATION_SOURCES } from '../../src/revocation/sources/registry.ts';
import { kindOfResult, type SourceContext } from '../../src/revocation/sources/source.ts';
import { rankStatus, worstStatus } from '../../src/revocation/rank.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=Sources Root');
const inter = makeIntermediate(root, 'CN=Sources CA');
const leaf = makeLeaf(inter, 'sources.test');

function context(extra: Partial<SourceContext> = {}): SourceContext {
  const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] } }, { baseDir: process.cwd() });
  return {
    certificate: leaf.certificate,
    issuer: inter.certificate,
    index: 0,
    at: new Date(),
    settings: resolveDestination(policy, 'sources.test').revocation,
    ocspCache: new OcspCache(),
    crlCache: new CrlCache(),
    allowFileCrl: false,
    ...extra,
  };
}

test('the registry has one module per source id, under its own id, and the policy schema offers exactly those ids', () => {
  assert.deepEqual(Object.keys(REVOCATION_SOURCES).sort(), [...REVOCATION_SOURCE_IDS].sort());
  for (const [id, source] of Object.entries(REVOCATION_SOURCES)) assert.equal(source.id, id);
  const schema = POLICY_SCHEMA as unknown as { definitions: { revocationSource: { enum: string[] } } };
  assert.deepEqual([...schema.definitions.revocationSource.enum].sort(), [...REVOCATION_SOURCE_IDS].sort());
});

test('kindOfResult: conclusive, unreachable, absent, untrustworthy', () => {
  const r = (status: RevocationStatus, ...codes: string[]): RevocationResult => ({ status, reasons: codes.map((code) => ({ code, message: code })), evidence: [] });
  const unreachable = new Set(['x-fetch-failed']);
  const absent = new Set(['x-no-url']);
  assert.equal(kindOfResult(r('good'), unreachable, absent), 'conclusive');
  assert.equal(kindOfResult(r('unknown'), unreachable, absent), 'conclusive');
  assert.equal(kindOfResult(r('error', 'x-fetch-failed'), unreachable, absent), 'unreachable');
  assert.equal(kindOfResult(r('error', 'x-no-url', 'x-fetch-failed'), unreachable, absent), 'unreachable');
  assert.equal(kindOfResult(r('error', 'x-no-url'), unreachable, absent), 'absent');
  // An answer that arrived and failed is never unreachable, even beside a fetch failure.
  assert.equal(kindOfResult(r('error', 'x-fetch-failed', 'x-bad-signature'), unreachable, absent), 'untrustworthy');
  // An error without reasons is not "unreachable" by default: it rejects.
  assert.equal(kindOfResult(r('error'), unreachable, absent), 'untrustworthy');
});

test('staple source: absent without a staple or above the leaf, untrustworthy when not DER, conclusive for a good DER staple', async () => {
  const der = buildOcspResponse({ issuer: inter.certificate, signer: inter, responses: [{ certificate: leaf.certificate, status: 'good' }] });
  assert.equal((await REVOCATION_SOURCES.staple.check(context())).kind, 'absent');
  assert.equal((await REVOCATION_SOURCES.staple.check(context({ staple: der, index: 1 }))).kind, 'absent');
  const pem = await REVOCATION_SOURCES.staple.check(context({ staple: Buffer.from(der.toString('base64')) }));
  assert.deepEqual([pem.kind, pem.result.reasons.map((x) => x.code)], ['untrustworthy', ['staple-invalid', 'ocsp-malformed']]);
  const good = await REVOCATION_SOURCES.staple.check(context({ staple: der }));
  assert.deepEqual([good.kind, good.result.status, good.result.evidence.length], ['conclusive', 'good', 1]);
});

test('ocsp and crl sources: absent for a certificate that names no responder and no distribution point', async () => {
  const ocsp = await REVOCATION_SOURCES.ocsp.check(context());
  assert.deepEqual([ocsp.kind, ocsp.result.reasons.map((x) => x.code)], ['absent', ['ocsp-no-responder-url']]);
  const crl = await REVOCATION_SOURCES.crl.check(context());
  assert.deepEqual([crl.kind, crl.result.reasons.map((x) => x.code)], ['absent', ['crl-no-distribution-point']]);
});

test('rankStatus: good < error < unknown < revoked; the worst status is reported for a path', () => {
  const order: RevocationStatus[] = ['good', 'error', 'unknown', 'revoked'];
  assert.deepEqual([...order].sort((a, b) => rankStatus(a) - rankStatus(b)), order);
  assert.equal(worstStatus([]), 'good');
  assert.equal(worstStatus(['good', 'unknown', 'error']), 'unknown');
  assert.equal(worstStatus(['revoked', 'error']), 'revoked');
});

test('the checker acts on answer kinds only: it holds no OCSP or CRL reason code of its own', async () => {
  const { readFileSync } = await import('node:fs');
  const checker = readFileSync(new URL('../../src/revocation/checker.ts', import.meta.url), 'utf8');
  assert.deepEqual(checker.match(/'(?:ocsp|crl)-[a-z-]+'/g) ?? [], []);
  assert.doesNotMatch(checker, /source === '/);
});
