/**
 * The revocation checker's decisions: staple → OCSP → CRL, hard- and
 * soft-fail, Must-Staple and require-staple. Real HTTP responders on
 * loopback (the demo responder), responses and CRLs minted at test time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadPolicy } from '../../src/policy/load.ts';
import { resolveDestination } from '../../src/policy/match.ts';
import { checkChainRevocation } from '../../src/revocation/checker.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { startDemoResponder, type DemoResponder } from '../../src/demo/responder.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, type TestIdentity } from '../helpers/pki.ts';

const root = makeRoot();
const inter = makeIntermediate(root);
const responderId = makeOcspResponder(inter);
const revoked = new Set<string>();
const issued = new Set<string>();
let responder: DemoResponder;
let deadUrl: string;

function settings(revocation: Record<string, unknown>) {
  const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] }, revocation: { check: 'leaf', ...revocation } }, { baseDir: process.cwd() });
  return resolveDestination(policy, 'x.test').revocation;
}

function leaf(o: Parameters<typeof makeLeaf>[2] = {}): TestIdentity {
  const l = makeLeaf(inter, 'x.test', { ocspUrls: [responder.ocspUrl], crlUrls: [responder.crlUrl], ...o });
  issued.add(l.certificate.serialHex);
  return l;
}

before(async () => {
  responder = await startDemoResponder({ issuer: inter, signer: responderId, revoked, issued });
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => s.close(() => r()));
});
after(() => responder.close());

describe('live OCSP and CRL', () => {
  test('good via OCSP', async () => {
    const l = leaf();
    const r = await checkChainRevocation([l.certificate, inter.certificate, root.certificate], { settings: settings({}) });
    assert.equal(r.status, 'good');
    assert.equal(r.accepted, true);
    assert.equal(r.certificates[0]!.evidence[0]!.source, 'ocsp');
    assert.ok(r.validUntil);
  });
  test('revoked via OCSP is rejected', async () => {
    const l = leaf();
    revoked.add(l.certificate.serialHex);
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.status, 'revoked');
    assert.equal(r.accepted, false);
  });
  test('OCSP unknown is not good, even under soft-fail', async () => {
    const l = makeLeaf(inter, 'x.test', { ocspUrls: [responder.ocspUrl] }); // never marked issued
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.status, 'unknown');
    assert.equal(r.accepted, false);
  });
  test('revoked via CRL when there is no OCSP URL', async () => {
    const l = leaf({ ocspUrls: [] });
    revoked.add(l.certificate.serialHex);
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({}) });
    assert.equal(r.status, 'revoked');
    assert.equal(r.certificates[0]!.evidence.at(-1)!.source, 'crl');
  });
  test('sources order is respected (crl only)', async () => {
    const l = leaf();
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ sources: ['crl'] }) });
    assert.equal(r.status, 'good');
    assert.deepEqual(r.certificates[0]!.evidence.map((e) => e.source), ['crl']);
  });
  test('check: chain also checks the intermediate (no source there → hard-fail rejects)', async () => {
    const l = leaf();
    const r = await checkChainRevocation([l.certificate, inter.certificate, root.certificate], { settings: settings({ check: 'chain' }) });
    assert.equal(r.accepted, false);
    assert.equal(r.certificates.length, 2);
    assert.equal(r.certificates[1]!.status, 'error');
    assert.ok(r.certificates[1]!.reasons.some((x) => x.code === 'no-revocation-source'));
  });
});

describe('unreachable sources: hard-fail vs soft-fail', () => {
  test('hard-fail rejects when every source is unreachable', async () => {
    const l = leaf({ ocspUrls: [`${deadUrl}/ocsp`], crlUrls: [`${deadUrl}/crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'hard-fail' }) });
    assert.equal(r.accepted, false);
    assert.equal(r.status, 'error');
    assert.ok(r.reasons.some((x) => x.code.endsWith('revocation-unavailable')));
  });
  test('soft-fail admits, and says so', async () => {
    const l = leaf({ ocspUrls: [`${deadUrl}/ocsp`], crlUrls: [`${deadUrl}/crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.accepted, true);
    assert.equal(r.softFailed, true);
    assert.ok(r.reasons.some((x) => x.code === 'soft-fail-unreachable'));
  });
  test('soft-fail does not admit a certificate with no source at all', async () => {
    const l = leaf({ ocspUrls: [], crlUrls: [] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.accepted, false);
    assert.ok(r.reasons.some((x) => x.code === 'no-revocation-source'));
  });
  test('soft-fail falls through an unreachable OCSP responder to a reachable CRL', async () => {
    const l = leaf({ ocspUrls: [`${deadUrl}/ocsp`] });
    revoked.add(l.certificate.serialHex);
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.status, 'revoked');
    assert.equal(r.accepted, false);
  });
});

describe('stapled responses', () => {
  test('a valid good staple is used first, without a network query', async () => {
    const l = leaf({ ocspUrls: [`${deadUrl}/ocsp`], crlUrls: [`${deadUrl}/crl`] });
    const staple = buildOcspResponse({ issuer: inter.certificate, signer: responderId, responses: [{ certificate: l.certificate, status: 'good' }] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({}), staple });
    assert.equal(r.status, 'good');
    assert.deepEqual(r.certificates[0]!.evidence.map((e) => e.source), ['staple']);
  });
  test('a revoked staple rejects', async () => {
    const l = leaf();
    const staple = buildOcspResponse({ issuer: inter.certificate, signer: responderId, responses: [{ certificate: l.certificate, status: 'revoked', revocationTime: new Date(), reason: 'keyCompromise' }] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({}), staple });
    assert.equal(r.status, 'revoked');
    assert.equal(r.certificates[0]!.revocationReason, 'keyCompromise');
  });
  for (const mode of ['hard-fail', 'soft-fail'] as const) {
    test(`an invalid staple is a rejection under ${mode}, not a fall-through`, async () => {
      const l = leaf();
      const sibling = makeLeaf(inter, 'sibling.test');
      const forged = buildOcspResponse({ issuer: inter.certificate, signer: sibling, includeSignerCert: true, responses: [{ certificate: l.certificate, status: 'good' }] });
      const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode }), staple: forged });
      assert.equal(r.accepted, false);
      assert.ok(r.reasons.some((x) => x.code === 'staple-invalid'));
    });
  }
  test('a stale staple is a rejection', async () => {
    const l = leaf();
    const old = new Date(Date.now() - 3 * 86_400_000);
    const staple = buildOcspResponse({ issuer: inter.certificate, signer: responderId, producedAt: old, responses: [{ certificate: l.certificate, status: 'good', thisUpdate: old, nextUpdate: new Date(old.getTime() + 86_400_000) }] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({}), staple });
    assert.equal(r.accepted, false);
    assert.ok(r.reasons.some((x) => x.code === 'staple-invalid'));
  });
  test('Must-Staple without a staple is rejected', async () => {
    const l = leaf({ mustStaple: true });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ mode: 'soft-fail' }) });
    assert.equal(r.accepted, false);
    assert.ok(r.reasons.some((x) => x.code === 'must-staple-missing'));
  });
  test('require-staple without a staple is rejected', async () => {
    const l = leaf();
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ 'require-staple': true }) });
    assert.equal(r.accepted, false);
    assert.ok(r.reasons.some((x) => x.code === 'staple-missing'));
  });
  test('a self-signed anchor alone is not applicable', async () => {
    const r = await checkChainRevocation([root.certificate], { settings: settings({}) });
    assert.equal(r.status, 'na');
    assert.equal(r.accepted, true);
  });
});
