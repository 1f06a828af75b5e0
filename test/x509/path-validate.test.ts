/** Path validation: every rejection reason fires, on PKIs minted at test time. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificate } from '../../src/x509/builder.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { OID } from '../../src/x509/oids.ts';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { validatePath, PathReason, type PathValidationOptions } from '../../src/x509/path/validate.ts';
import { makeIntermediate, makeLeaf, makeRoot, type TestIdentity } from '../helpers/pki.ts';

const DAY = 86_400_000;
const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter, 'www.example.com');

function codes(r: ReturnType<typeof validatePath>): string[] {
  return r.reasons.map((x) => x.code);
}

function expectReject(l: Certificate, opts: PathValidationOptions, code: string): ReturnType<typeof validatePath> {
  const r = validatePath(l, opts);
  assert.equal(r.trusted, false, `expected rejection ${code}`);
  assert.ok(codes(r).includes(code), `expected ${code}, got ${JSON.stringify(r.reasons)}`);
  return r;
}

function base(extra: Partial<PathValidationOptions> = {}): PathValidationOptions {
  return { anchors: [root.certificate], intermediates: [inter.certificate], hostname: 'www.example.com', ...extra };
}

describe('validatePath: accepted paths', () => {
  test('root -> intermediate -> leaf', () => {
    const r = validatePath(leaf.certificate, base());
    assert.deepEqual(r.reasons, []);
    assert.equal(r.trusted, true);
    assert.deepEqual(
      r.path.map((c) => c.subject),
      ['CN=www.example.com', 'CN=Test Intermediate CA', 'CN=Test Root CA'],
    );
  });

  test('pool with junk, duplicates and the leaf itself', () => {
    const junk = makeRoot('CN=Junk').certificate;
    const r = validatePath(leaf.certificate, base({ intermediates: [junk, leaf.certificate, inter.certificate, inter.certificate, root.certificate] }));
    assert.equal(r.trusted, true);
    assert.equal(r.path.length, 3);
  });

  test('IP hostname', () => {
    assert.equal(validatePath(leaf.certificate, base({ hostname: '127.0.0.1' })).trusted, true);
  });

  test('clientAuth purpose and no hostname', () => {
    assert.equal(validatePath(leaf.certificate, base({ hostname: undefined, purpose: 'clientAuth' })).trusted, true);
  });

  test('an intermediate trusted as an anchor', () => {
    const r = validatePath(leaf.certificate, { anchors: [inter.certificate], hostname: 'www.example.com' });
    assert.equal(r.trusted, true);
    assert.equal(r.path.length, 2);
  });

  test('self-signed leaf accepted when it is itself an anchor (path of one)', () => {
    const keys = generateKeyPair();
    const self = createCertificate({
      subject: 'CN=pinned.example',
      ca: true,
      san: ['DNS:pinned.example'],
      extKeyUsage: [OID.serverAuth],
      publicKey: keys.publicKey,
      selfSignKey: keys.privateKey,
    });
    const ok = validatePath(self, { anchors: [self], hostname: 'pinned.example' });
    assert.equal(ok.trusted, true, JSON.stringify(ok.reasons));
    assert.equal(ok.path.length, 1);
    expectReject(self, { anchors: [self], hostname: 'other.example' }, PathReason.HOSTNAME_MISMATCH);
    expectReject(self, { anchors: [self], hostname: 'pinned.example', purpose: 'clientAuth' }, PathReason.EKU_MISMATCH);
    expectReject(self, { anchors: [root.certificate], hostname: 'pinned.example' }, PathReason.UNTRUSTED_ROOT);
  });

  test('cross-sign: backtracks from an untrusted issuer and an expired alternate to the trusted one', () => {
    const rootA = makeRoot('CN=Root A'); // not trusted
    const rootB = makeRoot('CN=Root B'); // trusted
    const keys = generateKeyPair();
    const mk = (issuer: TestIdentity, o: { notBefore?: Date; notAfter?: Date } = {}): Certificate =>
      createCertificate({ subject: 'CN=Shared CA', ca: true, keyUsage: ['keyCertSign'], publicKey: keys.publicKey, issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, ...o });
    const byA = mk(rootA);
    const byBExpired = mk(rootB, { notBefore: new Date(Date.now() - 20 * DAY), notAfter: new Date(Date.now() - 10 * DAY) });
    const byB = mk(rootB);
    const shared: TestIdentity = { certificate: byA, privateKey: keys.privateKey, publicKey: keys.publicKey };
    const l = makeLeaf(shared, 'x.example.com').certificate;
    const r = validatePath(l, { anchors: [rootB.certificate], intermediates: [byA, rootA.certificate, byBExpired, byB], hostname: 'x.example.com' });
    assert.equal(r.trusted, true, JSON.stringify(r.reasons));
    assert.ok(r.path[1]!.equals(byB));
    // Without the good cross-sign, the most promising failure (the anchored path via the expired one) is reported.
    const bad = expectReject(l, { anchors: [rootB.certificate], intermediates: [byA, rootA.certificate, byBExpired], hostname: 'x.example.com' }, PathReason.EXPIRED);
    assert.ok(bad.path[bad.path.length - 1]!.equals(rootB.certificate));
  });

  test('cycles terminate: two CAs signing each other, no route to the anchor', () => {
    const x = makeRoot('CN=Cycle X');
    const y = makeRoot('CN=Cycle Y');
    const xByY = createCertificate({ subject: 'CN=Cycle X', ca: true, keyUsage: ['keyCertSign'], publicKey: x.publicKey, issuer: { certificate: y.certificate, privateKey: y.privateKey } });
    const yByX = createCertificate({ subject: 'CN=Cycle Y', ca: true, keyUsage: ['keyCertSign'], publicKey: y.publicKey, issuer: { certificate: x.certificate, privateKey: x.privateKey } });
    const l = makeLeaf({ certificate: xByY, privateKey: x.privateKey, publicKey: x.publicKey }, 'c.example.com').certificate;
    const r = validatePath(l, { anchors: [root.certificate], intermediates: [xByY, yByX], hostname: 'c.example.com' });
    assert.equal(r.trusted, false);
    assert.ok(codes(r).includes(PathReason.NO_PATH_TO_ANCHOR), JSON.stringify(r.reasons));
  });

  test('self-issued intermediates do not count toward pathLen or maxDepth', () => {
    const r0 = makeRoot('CN=R0');
    const i1 = makeIntermediate(r0, 'CN=I1', { ca: { pathLength: 0 } });
    const rollKeys = generateKeyPair();
    const i1b = createCertificate({ subject: 'CN=I1', ca: { pathLength: 0 }, keyUsage: ['keyCertSign'], publicKey: rollKeys.publicKey, issuer: { certificate: i1.certificate, privateKey: i1.privateKey } });
    const l = makeLeaf({ certificate: i1b, privateKey: rollKeys.privateKey, publicKey: rollKeys.publicKey }, 'r.example.com').certificate;
    const r = validatePath(l, { anchors: [r0.certificate], intermediates: [i1.certificate, i1b], hostname: 'r.example.com', maxDepth: 1 });
    assert.equal(r.trusted, true, JSON.stringify(r.reasons));
    assert.equal(r.path.length, 4);
  });
});

describe('validatePath: each rejection reason', () => {
  test('expired leaf / not-yet-valid leaf / clock skew', () => {
    const old = makeLeaf(inter, 'www.example.com', { notBefore: new Date(Date.now() - DAY / 2), notAfter: new Date(Date.now() - DAY / 24) }).certificate;
    expectReject(old, base(), PathReason.EXPIRED);
    const future = makeLeaf(inter, 'www.example.com', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) }).certificate;
    expectReject(future, base(), PathReason.NOT_YET_VALID);
    assert.equal(validatePath(future, base({ clockSkewMs: 2 * DAY })).trusted, true);
    assert.equal(validatePath(old, base({ at: new Date(Date.now() - DAY / 12) })).trusted, true);
  });

  test('expired anchor is rejected', () => {
    const r = makeRoot('CN=Old Root', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const l = makeLeaf(r, 'www.example.com').certificate;
    expectReject(l, { anchors: [r.certificate], hostname: 'www.example.com' }, PathReason.EXPIRED);
  });

  test('wrong issuer signature (same issuer name, other key)', () => {
    const impostor = makeIntermediate(root, 'CN=Test Intermediate CA');
    const l = makeLeaf(impostor, 'www.example.com').certificate;
    expectReject(l, base(), PathReason.BAD_SIGNATURE);
  });

  test('intermediate without cA / without basicConstraints', () => {
    const notCa = makeIntermediate(root, 'CN=Not CA', { ca: false, keyUsage: ['digitalSignature'] });
    expectReject(makeLeaf(notCa, 'www.example.com').certificate, base({ intermediates: [notCa.certificate] }), PathReason.NOT_A_CA);
    const noBc = makeIntermediate(root, 'CN=No BC', { ca: undefined, keyUsage: undefined });
    expectReject(makeLeaf(noBc, 'www.example.com').certificate, base({ intermediates: [noBc.certificate] }), PathReason.NOT_A_CA);
  });

  test('pathLen exceeded', () => {
    const i1 = makeIntermediate(root, 'CN=PL0', { ca: { pathLength: 0 } });
    const i2 = makeIntermediate(i1, 'CN=Below PL0');
    expectReject(makeLeaf(i2, 'www.example.com').certificate, base({ intermediates: [i1.certificate, i2.certificate] }), PathReason.PATH_LENGTH_EXCEEDED);
  });

  test('maxDepth exceeded', () => {
    expectReject(leaf.certificate, base({ maxDepth: 0 }), PathReason.MAX_DEPTH_EXCEEDED);
  });

  test('keyUsage without keyCertSign on a CA', () => {
    const i = makeIntermediate(root, 'CN=No KCS', { keyUsage: ['cRLSign'] });
    expectReject(makeLeaf(i, 'www.example.com').certificate, base({ intermediates: [i.certificate] }), PathReason.KEY_USAGE_MISSING_CERT_SIGN);
  });

  test('keyCertSign on a non-CA leaf', () => {
    const l = makeLeaf(inter, 'www.example.com', { keyUsage: ['digitalSignature', 'keyCertSign'] }).certificate;
    expectReject(l, base(), PathReason.KEY_USAGE_INVALID);
  });

  test('leaf that is a CA (webpki profile)', () => {
    const l = makeLeaf(inter, 'www.example.com', { ca: true }).certificate;
    expectReject(l, base(), PathReason.LEAF_IS_CA);
  });

  test('EKU mismatch on the leaf and on an intermediate; missing leaf EKU', () => {
    const l = makeLeaf(inter, 'www.example.com', { extKeyUsage: [OID.clientAuth] }).certificate;
    expectReject(l, base(), PathReason.EKU_MISMATCH);
    assert.equal(validatePath(l, base({ purpose: 'clientAuth' })).trusted, true);
    const noEku = makeLeaf(inter, 'www.example.com', { extKeyUsage: undefined }).certificate;
    expectReject(noEku, base(), PathReason.EKU_MISMATCH);
    assert.equal(validatePath(noEku, base({ purpose: 'any' })).trusted, true);
    const i = makeIntermediate(root, 'CN=Client-only CA', { extKeyUsage: [OID.clientAuth] });
    expectReject(makeLeaf(i, 'www.example.com').certificate, base({ intermediates: [i.certificate] }), PathReason.EKU_MISMATCH);
  });

  test('unknown critical extension (non-critical unknown is fine)', () => {
    const ext = (critical: boolean) => [{ oid: '1.3.6.1.4.1.55555.1', critical, value: Buffer.from([0x05, 0x00]) }];
    expectReject(makeLeaf(inter, 'www.example.com', { extensions: ext(true) }).certificate, base(), PathReason.UNKNOWN_CRITICAL_EXTENSION);
    assert.equal(validatePath(makeLeaf(inter, 'www.example.com', { extensions: ext(false) }).certificate, base()).trusted, true);
    const i = makeIntermediate(root, 'CN=Odd CA', { extensions: ext(true) });
    expectReject(makeLeaf(i, 'www.example.com').certificate, base({ intermediates: [i.certificate] }), PathReason.UNKNOWN_CRITICAL_EXTENSION);
  });

  test('hostname mismatch and invalid hostname', () => {
    expectReject(leaf.certificate, base({ hostname: 'other.example.com' }), PathReason.HOSTNAME_MISMATCH);
    expectReject(leaf.certificate, base({ hostname: '127.0.0.2' }), PathReason.HOSTNAME_MISMATCH);
    expectReject(leaf.certificate, base({ hostname: 'bad_name.example.com' }), PathReason.INVALID_HOSTNAME);
  });

  test('untrusted anchor: no path / untrusted root', () => {
    const other = makeRoot('CN=Other Root');
    expectReject(leaf.certificate, { anchors: [other.certificate], intermediates: [inter.certificate], hostname: 'www.example.com' }, PathReason.NO_PATH_TO_ANCHOR);
    expectReject(leaf.certificate, { anchors: [other.certificate], intermediates: [inter.certificate, root.certificate], hostname: 'www.example.com' }, PathReason.UNTRUSTED_ROOT);
    expectReject(leaf.certificate, { anchors: [], hostname: 'www.example.com' }, PathReason.NO_PATH_TO_ANCHOR);
  });

  test('SHA-1 signature rejected unless allowSha1', () => {
    const l = makeLeaf(inter, 'www.example.com', { hash: 'sha1' }).certificate;
    expectReject(l, base(), PathReason.WEAK_SIGNATURE_ALGORITHM);
    assert.equal(validatePath(l, base({ allowSha1: true })).trusted, true);
  });

  test('weak RSA key', () => {
    const l = makeLeaf(inter, 'www.example.com', { key: { type: 'rsa', bits: 1024 } }).certificate;
    expectReject(l, base(), PathReason.WEAK_KEY);
    assert.equal(validatePath(l, base({ minRsaBits: 1024 })).trusted, true);
  });

  test('malformed extension -> malformed-certificate, never a throw', () => {
    const l = makeLeaf(inter, 'www.example.com', { keyUsage: undefined, extensions: [{ oid: OID.keyUsage, critical: true, value: Buffer.from([0x05, 0x00]) }] }).certificate;
    expectReject(l, base(), PathReason.MALFORMED_CERTIFICATE);
  });

  test('profile violation: leaf without authorityKeyIdentifier (webpki), accepted under rfc5280', () => {
    const l = makeLeaf(inter, 'www.example.com', { omitKeyIdentifiers: true }).certificate;
    expectReject(l, base(), PathReason.PROFILE_VIOLATION);
    assert.equal(validatePath(l, base({ profile: 'rfc5280' })).trusted, true);
  });

  test('unsupported algorithm and signature algorithm mismatch (mutated DER)', () => {
    const rsaRoot = makeRoot('CN=RSA Root', { key: { type: 'rsa', bits: 2048 } });
    const l = makeLeaf(rsaRoot, 'www.example.com', { key: { type: 'rsa', bits: 2048 } }).certificate;
    const sha256Rsa = Buffer.from('06092a864886f70d01010b', 'hex');
    const positions: number[] = [];
    for (let i = l.der.indexOf(sha256Rsa); i >= 0; i = l.der.indexOf(sha256Rsa, i + 1)) positions.push(i);
    assert.equal(positions.length, 2);
    const md5 = Buffer.from(l.der);
    for (const p of positions) md5[p + 10] = 0x04; // md5WithRSAEncryption
    expectReject(new Certificate(md5), { anchors: [rsaRoot.certificate], hostname: 'www.example.com' }, PathReason.UNSUPPORTED_ALGORITHM);
    const mismatch = Buffer.from(l.der);
    mismatch[positions[1]! + 10] = 0x0c; // outer: sha384WithRSAEncryption
    expectReject(new Certificate(mismatch), { anchors: [rsaRoot.certificate], hostname: 'www.example.com' }, PathReason.SIGNATURE_ALGORITHM_MISMATCH);
  });

  test('work budget exceeded', () => {
    expectReject(leaf.certificate, base({ maxPathBuildingWork: 1 }), PathReason.BUDGET_EXCEEDED);
  });

  test('policy processing: explicit policy required', () => {
    const p1 = '1.3.6.1.4.1.55555.7.1';
    const pr = makeRoot('CN=Policy Root');
    const pi = makeIntermediate(pr, 'CN=Policy CA', { policies: [p1] });
    const pl = makeLeaf(pi, 'www.example.com', { policies: [p1] }).certificate;
    const opts = { anchors: [pr.certificate], intermediates: [pi.certificate], hostname: 'www.example.com' };
    const ok = validatePath(pl, { ...opts, policy: { initialExplicitPolicy: true, initialPolicySet: [p1] } });
    assert.equal(ok.trusted, true, JSON.stringify(ok.reasons));
    assert.deepEqual(ok.policies, [p1]);
    expectReject(pl, { ...opts, policy: { initialExplicitPolicy: true, initialPolicySet: ['1.3.6.1.4.1.55555.7.2'] } }, PathReason.POLICY_VIOLATION);
  });

  test('any exception is untrusted (internal-error), never a throw', () => {
    const r = validatePath(leaf.certificate, { anchors: null as unknown as Certificate[] });
    assert.equal(r.trusted, false);
    assert.deepEqual(codes(r), [PathReason.INTERNAL_ERROR]);
  });

  test('rejections carry the certificate index and subject', () => {
    const i = makeIntermediate(root, 'CN=No KCS 2', { keyUsage: ['cRLSign'] });
    const r = validatePath(makeLeaf(i, 'www.example.com').certificate, base({ intermediates: [i.certificate] }));
    const rej = r.reasons.find((x) => x.code === PathReason.KEY_USAGE_MISSING_CERT_SIGN)!;
    assert.deepEqual(rej.certificate && { subject: rej.certificate.subject, index: rej.certificate.index }, { subject: 'CN=No KCS 2', index: 1 });
  });
});
