/**
 * The verdict: anchors from the policy only, pinned self-signed certificates,
 * pins as a constraint on CA-issued chains, expired pins failing closed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { evaluateTrust } from '../../src/trust/evaluate.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { OID } from '../../src/x509/oids.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter, 'svc.test');
const rogueRoot = makeRoot('CN=Rogue Root');
const rogueLeaf = makeLeaf(rogueRoot, 'svc.test');

function selfSigned(name: string) {
  const k = generateKeyPair();
  return createCertificate({ subject: `CN=${name}`, publicKey: k.publicKey, selfSignKey: k.privateKey, ca: false, san: [`DNS:${name}`], extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'] });
}
const backup = selfSigned('backup').spkiSha256;

function policy(trust: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return loadPolicy({ version: 1, trust, revocation: { mode: 'hard-fail' }, ...extra }, { baseDir: process.cwd() });
}

describe('anchors', () => {
  test('a chain to the configured CA is trusted', async () => {
    const v = await evaluateTrust([leaf.certificate, inter.certificate], { policy: policy({ cas: [root.certificate.toPem()] }), host: 'svc.test', skipRevocation: true });
    assert.equal(v.trusted, true, JSON.stringify(v.reasons));
    assert.equal(v.path.length, 3);
  });
  test('a chain to another CA is rejected', async () => {
    const v = await evaluateTrust([rogueLeaf.certificate], { policy: policy({ cas: [root.certificate.toPem()] }), host: 'svc.test', skipRevocation: true });
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'no-path-to-anchor');
  });
  test('the rogue root presented in the chain gives it no authority', async () => {
    const v = await evaluateTrust([rogueLeaf.certificate, rogueRoot.certificate], { policy: policy({ cas: [root.certificate.toPem()] }), host: 'svc.test', skipRevocation: true });
    assert.equal(v.trusted, false);
  });
  test('an empty chain is rejected', async () => {
    const v = await evaluateTrust([], { policy: policy({ cas: [root.certificate.toPem()] }), host: 'svc.test' });
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'empty-chain');
  });
});

describe('pins', () => {
  test('a pinned self-signed certificate is its own anchor; revocation is not applicable', async () => {
    const self = selfSigned('pinned.test');
    const v = await evaluateTrust([self], { policy: policy({ pins: [`sha256/${self.spkiSha256}`, `sha256/${backup}`] }), host: 'pinned.test' });
    assert.equal(v.trusted, true, JSON.stringify(v.reasons));
    assert.equal(v.pinned, true);
    assert.equal(v.revocation?.status, 'na');
  });
  test('an unpinned self-signed certificate is rejected', async () => {
    const self = selfSigned('other.test');
    const pinnedSelf = selfSigned('pinned.test');
    const v = await evaluateTrust([self], { policy: policy({ pins: [`sha256/${pinnedSelf.spkiSha256}`, `sha256/${backup}`] }), host: 'other.test' });
    assert.equal(v.trusted, false);
  });
  test('with CAs and pins, a valid chain without a pinned key is rejected', async () => {
    const other = selfSigned('x');
    const v = await evaluateTrust([leaf.certificate, inter.certificate], { policy: policy({ cas: [root.certificate.toPem()], pins: [`sha256/${other.spkiSha256}`, `sha256/${backup}`] }), host: 'svc.test', skipRevocation: true });
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'pin-mismatch');
  });
  test('with CAs and pins, a pinned intermediate key anywhere in the chain satisfies the pin', async () => {
    const v = await evaluateTrust([leaf.certificate, inter.certificate], { policy: policy({ cas: [root.certificate.toPem()], pins: [`sha256/${inter.certificate.spkiSha256}`, `sha256/${backup}`] }), host: 'svc.test', skipRevocation: true });
    assert.equal(v.trusted, true);
    assert.equal(v.pinned, true);
  });
  test('when every pin has expired the verdict fails closed', async () => {
    const self = selfSigned('pinned.test');
    const p = policy({ pins: [{ pin: `sha256/${self.spkiSha256}`, expires: '2099-01-01' }, { pin: `sha256/${backup}`, expires: '2099-01-01' }] });
    const v = await evaluateTrust([self], { policy: p, host: 'pinned.test', at: new Date('2100-01-01T00:00:00Z') });
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'pins-expired');
  });
  test('a verdict that rests on a pin lasts no longer than the pin (a cached verdict must not outlive it)', async () => {
    const self = selfSigned('pinned.test');
    const soon = new Date(Date.now() + 86_400_000);
    soon.setUTCMilliseconds(0);
    const p = policy({ pins: [{ pin: `sha256/${self.spkiSha256}`, expires: soon.toISOString() }, `sha256/${backup}`] });
    const v = await evaluateTrust([self], { policy: p, host: 'pinned.test' });
    assert.equal(v.trusted, true, JSON.stringify(v.reasons));
    assert.ok(self.notAfter.getTime() > soon.getTime());
    assert.equal(v.validUntil?.getTime(), soon.getTime());
  });
  test('a pinned self-signed certificate still needs the right name', async () => {
    const self = selfSigned('pinned.test');
    const v = await evaluateTrust([self], { policy: policy({ pins: [`sha256/${self.spkiSha256}`, `sha256/${backup}`] }), host: 'evil.test' });
    assert.equal(v.trusted, false);
    assert.ok(v.reasons.some((r) => r.code === 'hostname-mismatch'));
  });
});

describe('destination rules', () => {
  test('a rule with its own anchors applies to its hosts only', async () => {
    const p = policy({ cas: [root.certificate.toPem()] }, { destinations: [{ match: '*.rogue.test', trust: { cas: [rogueRoot.certificate.toPem()] } }] });
    const other = makeLeaf(rogueRoot, 'a.rogue.test');
    const v1 = await evaluateTrust([other.certificate], { policy: p, host: 'a.rogue.test', skipRevocation: true });
    assert.equal(v1.trusted, true, JSON.stringify(v1.reasons));
    assert.equal(v1.rule?.pattern, '*.rogue.test');
    const v2 = await evaluateTrust([leaf.certificate, inter.certificate], { policy: p, host: 'a.rogue.test', skipRevocation: true });
    assert.equal(v2.trusted, false);
  });
});
