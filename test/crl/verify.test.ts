/** CRL verification: the good paths and the adversarial ones, each with its reason code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { toPem } from '../../src/util/pem.ts';
import * as w from '../../src/util/der-write.ts';
import { OID } from '../../src/x509/oids.ts';
import { signatureAlgorithmFor, generateKeyPair } from '../../src/x509/sign.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { checkCrl, CRL_REASON, verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { crlPki, DAY, HOUR } from './pki-fixtures.test.ts';

const codes = (r: { reasons: { code: string }[] }): string[] => r.reasons.map((x) => x.code);

test('good and revoked, with reason, revocation and invalidity dates', () => {
  const p = crlPki();
  const revokedAt = new Date(p.now.getTime() - 2 * HOUR);
  const der = p.crl({ entries: [{ serial: p.leaf.certificate.serialBytes, revocationDate: revokedAt, reason: 'keyCompromise', invalidityDate: new Date(revokedAt.getTime() - DAY) }], crlNumber: 42n });
  const revoked = checkCrl(p.leaf.certificate, [der], { issuers: [p.ca.certificate] });
  assert.equal(revoked.status, 'revoked');
  assert.equal(revoked.revocationReason, 'keyCompromise');
  assert.equal(revoked.revocationTime?.getTime(), revokedAt.getTime());
  assert.deepEqual(codes(revoked), [CRL_REASON.revoked]);
  assert.equal(revoked.evidence[0]?.signer, 'CN=CRL Test CA');
  const good = checkCrl(p.other.certificate, [der], { issuers: [p.ca.certificate] });
  assert.equal(good.status, 'good');
  assert.equal(good.validUntil?.getTime(), p.now.getTime() + DAY);

  const v = verifyCrlForCertificate(toPem(der, 'X509 CRL'), p.leaf.certificate, [p.ca.certificate]);
  assert.equal(v.status, 'revoked');
  assert.equal(v.crlNumber, '42');
  assert.equal(v.revocationReason, 'keyCompromise');
  assert.equal(v.thisUpdate?.getTime(), p.now.getTime() - HOUR);
  assert.equal(verifyCrlForCertificate(der, p.other.certificate, [p.ca.certificate]).status, 'good');
});

test('no CRL, or only CRLs of another issuer: error, never good', () => {
  const p = crlPki();
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [], { issuers: [p.ca.certificate] })), [CRL_REASON.missing]);
  const otherCa = makeRoot('CN=Someone Else');
  const foreign = buildCrl({ issuer: otherCa, thisUpdate: p.now, nextUpdate: new Date(p.now.getTime() + DAY) });
  const r = checkCrl(p.leaf.certificate, [foreign], { issuers: [p.ca.certificate, otherCa.certificate] });
  assert.equal(r.status, 'error');
  assert.deepEqual(codes(r), [CRL_REASON.issuerMismatch]);
});

test('wrong signer: another CA key under our CA name', () => {
  const p = crlPki();
  const mallory = makeRoot('CN=Mallory CA');
  const der = p.crl({ issuer: { certificate: p.ca.certificate, privateKey: mallory.privateKey } });
  const r = verifyCrlForCertificate(der, p.leaf.certificate, [p.ca.certificate]);
  assert.equal(r.status, 'invalid');
  assert.deepEqual(codes(r), [CRL_REASON.badSignature]);
});

test('bad signature (one bit flipped)', () => {
  const p = crlPki();
  const r = checkCrl(p.leaf.certificate, [p.crl({ corruptSignature: true })], { issuers: [p.ca.certificate] });
  assert.equal(r.status, 'error');
  assert.deepEqual(codes(r), [CRL_REASON.badSignature]);
});

test('issuer without cRLSign in keyUsage', () => {
  const root = makeRoot('CN=No CRL Sign Root', { keyUsage: ['keyCertSign'] });
  const leaf = makeLeaf(root, 'x.example');
  const der = buildCrl({ issuer: root, thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + DAY) });
  const r = verifyCrlForCertificate(der, leaf.certificate, [root.certificate]);
  assert.equal(r.status, 'invalid');
  assert.deepEqual(codes(r), [CRL_REASON.signerNoCrlSign]);
});

test('key rollover: the candidate whose key verifies is used', () => {
  const p = crlPki();
  const rolled = makeIntermediate(p.root, 'CN=CRL Test CA');
  const der = buildCrl({ issuer: rolled, thisUpdate: new Date(p.now.getTime() - HOUR), nextUpdate: new Date(p.now.getTime() + DAY) });
  const r = checkCrl(p.leaf.certificate, [der], { issuers: [p.ca.certificate, rolled.certificate] });
  assert.equal(r.status, 'good');
  assert.equal(checkCrl(p.leaf.certificate, [der], { issuers: [p.ca.certificate] }).status, 'error');
});

test('inner and outer signature algorithms must match', () => {
  const p = crlPki();
  const inner = signatureAlgorithmFor(p.ca.privateKey, 'sha384');
  const r = checkCrl(p.leaf.certificate, [p.crl({ innerAlgorithm: inner })], { issuers: [p.ca.certificate] });
  assert.deepEqual(codes(r), [CRL_REASON.algorithmMismatch]);
});

test('freshness: stale, future, too old, no nextUpdate', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  const stale = p.crl({ thisUpdate: new Date(p.now.getTime() - 3 * DAY), nextUpdate: new Date(p.now.getTime() - DAY) });
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [stale], { issuers })), [CRL_REASON.expired]);
  const future = p.crl({ thisUpdate: new Date(p.now.getTime() + HOUR), nextUpdate: new Date(p.now.getTime() + DAY) });
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [future], { issuers })), [CRL_REASON.notYetValid]);
  // Within skew: fine.
  const slightlyAhead = p.crl({ thisUpdate: new Date(p.now.getTime() + 60_000) });
  assert.equal(checkCrl(p.leaf.certificate, [slightlyAhead], { issuers, at: p.now }).status, 'good');
  const old = p.crl({ thisUpdate: new Date(p.now.getTime() - 2 * DAY), nextUpdate: new Date(p.now.getTime() + DAY) });
  assert.equal(checkCrl(p.leaf.certificate, [old], { issuers }).status, 'good');
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [old], { issuers, maxAgeMs: DAY })), [CRL_REASON.tooOld]);
  const noNext = p.crl({ nextUpdate: null, thisUpdate: new Date(p.now.getTime() - 8 * DAY) });
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [noNext], { issuers })), [CRL_REASON.tooOld]);
  const noNextRecent = p.crl({ nextUpdate: null });
  assert.equal(checkCrl(p.leaf.certificate, [noNextRecent], { issuers }).status, 'good');
  // `at` moves the evaluation time.
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [p.crl()], { issuers, at: new Date(p.now.getTime() + 2 * DAY) })), [CRL_REASON.expired]);
});

test('unknown critical CRL extension invalidates; unknown non-critical is ignored', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  const critical = p.crl({ extraExtensions: [{ oid: '1.3.6.1.4.1.55555.1', critical: true, value: w.nullValue() }] });
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [critical], { issuers })), [CRL_REASON.unknownCriticalExtension]);
  const nonCritical = p.crl({ extraExtensions: [{ oid: '1.3.6.1.4.1.55555.1', value: w.nullValue() }] });
  assert.equal(checkCrl(p.leaf.certificate, [nonCritical], { issuers }).status, 'good');
});

test('unknown critical entry extension invalidates the whole CRL', () => {
  const p = crlPki();
  const der = p.crl({ entries: [{ serial: 77n, revocationDate: p.now, extensions: [{ oid: '1.3.6.1.4.1.55555.2', critical: true, value: w.nullValue() }] }] });
  const r = checkCrl(p.leaf.certificate, [der], { issuers: [p.ca.certificate] });
  assert.equal(r.status, 'error');
  assert.deepEqual(codes(r), [CRL_REASON.unknownCriticalEntryExtension]);
});

test('IDP scope: onlyContainsCACerts vs a leaf, onlyContainsUserCerts vs a CA, attribute certs', () => {
  const p = crlPki();
  const caOnly = p.crl({ idp: { onlyContainsCACerts: true } });
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [caOnly], { issuers: [p.ca.certificate] })), [CRL_REASON.scopeCaCerts]);
  const userOnly = buildCrl({ issuer: p.root, thisUpdate: new Date(p.now.getTime() - HOUR), nextUpdate: new Date(p.now.getTime() + DAY), idp: { onlyContainsUserCerts: true } });
  assert.deepEqual(codes(checkCrl(p.ca.certificate, [userOnly], { issuers: [p.root.certificate] })), [CRL_REASON.scopeUserCerts]);
  const caOnlyRoot = buildCrl({ issuer: p.root, thisUpdate: new Date(p.now.getTime() - HOUR), nextUpdate: new Date(p.now.getTime() + DAY), idp: { onlyContainsCACerts: true } });
  assert.equal(checkCrl(p.ca.certificate, [caOnlyRoot], { issuers: [p.root.certificate] }).status, 'good');
  assert.equal(checkCrl(p.leaf.certificate, [p.crl({ idp: { onlyContainsUserCerts: true } })], { issuers: [p.ca.certificate] }).status, 'good');
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [p.crl({ idp: { onlyContainsAttributeCerts: true } })], { issuers: [p.ca.certificate] })), [CRL_REASON.scopeAttributeCerts]);
});

test('IDP distribution point name must match the certificate CRLDP', () => {
  const p = crlPki({ crlUrls: ['http://crl.example/ca.crl'] });
  const issuers = [p.ca.certificate];
  assert.equal(checkCrl(p.leaf.certificate, [p.crl({ idp: { fullNames: ['URI:http://crl.example/ca.crl'] } })], { issuers }).status, 'good');
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [p.crl({ idp: { fullNames: ['URI:http://crl.example/other.crl'] } })], { issuers })), [CRL_REASON.dpMismatch]);
  // No CRLDP in the certificate (`other`), IDP names a point: not a complete CRL for it.
  assert.deepEqual(codes(checkCrl(p.other.certificate, [p.crl({ idp: { fullNames: ['URI:http://crl.example/ca.crl'] } })], { issuers })), [CRL_REASON.dpMismatch]);
  // Relative name: issuer name + RDN on both sides.
  const rel = makeLeaf(p.ca, 'rel.example');
  const relDp = w.sequence(w.sequence(w.explicit(0, w.implicit(1, w.sequence(w.oid(OID.commonName), w.utf8String('part1')), true))));
  const relLeaf = createCertificate({ subject: 'CN=rel2.example', publicKey: rel.publicKey, issuer: { certificate: p.ca.certificate, privateKey: p.ca.privateKey }, extensions: [{ oid: OID.cRLDistributionPoints, value: relDp }] });
  assert.equal(checkCrl(relLeaf, [p.crl({ idp: { relativeName: 'CN=part1' } })], { issuers }).status, 'good');
  assert.deepEqual(codes(checkCrl(relLeaf, [p.crl({ idp: { relativeName: 'CN=part2' } })], { issuers })), [CRL_REASON.dpMismatch]);
});

test('onlySomeReasons: one partition is not enough; partitions covering every reason are', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  const compromise = p.crl({ idp: { onlySomeReasons: ['keyCompromise', 'cACompromise'] } });
  const rest = p.crl({ idp: { onlySomeReasons: ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] } });
  const one = checkCrl(p.leaf.certificate, [compromise], { issuers });
  assert.equal(one.status, 'error');
  assert.deepEqual(codes(one), [CRL_REASON.reasonsIncomplete]);
  assert.equal(verifyCrlForCertificate(compromise, p.leaf.certificate, issuers).status, 'invalid');
  assert.equal(checkCrl(p.leaf.certificate, [compromise, rest], { issuers }).status, 'good');
  const revokedInRest = p.crl({ idp: { onlySomeReasons: ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] }, entries: [{ serial: p.leaf.certificate.serialBytes, revocationDate: p.now, reason: 'superseded' }] });
  assert.equal(checkCrl(p.leaf.certificate, [compromise, revokedInRest], { issuers }).status, 'revoked');
});

test('delta CRL alone and indirect CRLs are refused', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [p.crl({ deltaCrlIndicator: 1n })], { issuers })), [CRL_REASON.deltaUnsupported]);
  assert.deepEqual(codes(checkCrl(p.leaf.certificate, [p.crl({ idp: { indirectCrl: true } })], { issuers })), [CRL_REASON.indirectUnsupported]);
  const entryIssuer = p.crl({ entries: [{ serial: 5n, revocationDate: p.now, certificateIssuer: ['dirName:CN=Elsewhere'] }] });
  const r = checkCrl(p.leaf.certificate, [entryIssuer], { issuers });
  assert.equal(r.status, 'error');
  assert.deepEqual(codes(r), [CRL_REASON.indirectUnsupported]);
  // freshestCRL (pointer to deltas) is understood and harmless.
  assert.equal(checkCrl(p.leaf.certificate, [p.crl({ freshestCrl: ['http://crl.example/delta.crl'] })], { issuers }).status, 'good');
});

test('malformed CRLs: truncated, trailing garbage, garbage, v1 with extensions', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  const der = p.crl();
  for (const bad of [der.subarray(0, der.length - 10), Buffer.concat([der, Buffer.from([0, 0])]), Buffer.from('hello'), Buffer.alloc(0), p.crl({ version: 'omit' })]) {
    const r = verifyCrlForCertificate(bad, p.leaf.certificate, issuers);
    assert.equal(r.status, 'invalid');
    assert.deepEqual(codes(r), [CRL_REASON.malformed]);
    assert.equal(checkCrl(p.leaf.certificate, [bad], { issuers }).status, 'error');
  }
  // An invalid CRL next to a good one: the good one decides.
  assert.equal(checkCrl(p.leaf.certificate, [der.subarray(0, 20), der], { issuers }).status, 'good');
});

test('a revoking CRL wins over another good CRL', () => {
  const p = crlPki();
  const issuers = [p.ca.certificate];
  const revoking = p.crl({ entries: [{ serial: p.leaf.certificate.serialBytes, revocationDate: p.now }] });
  assert.equal(checkCrl(p.leaf.certificate, [p.crl(), revoking], { issuers }).status, 'revoked');
});

test('serials compare as integers: leading zero octets match, 128 and -128 differ', () => {
  const p = crlPki({ serial: Buffer.from('7f01020304', 'hex') });
  const issuers = [p.ca.certificate];
  const padded = p.crl({ entries: [{ serial: Buffer.from('00007f01020304', 'hex'), rawSerial: true, revocationDate: p.now }] });
  assert.equal(checkCrl(p.leaf.certificate, [padded], { issuers }).status, 'revoked');
  const k = generateKeyPair();
  const pos128 = createCertificate({ subject: 'CN=s128', publicKey: k.publicKey, serial: 128n, issuer: { certificate: p.ca.certificate, privateKey: p.ca.privateKey } });
  const neg = p.crl({ entries: [{ serial: Buffer.from([0x80]), rawSerial: true, revocationDate: p.now }] });
  assert.equal(checkCrl(pos128, [neg], { issuers }).status, 'good');
  const pos = p.crl({ entries: [{ serial: 128n, revocationDate: p.now }] });
  assert.equal(checkCrl(pos128, [pos], { issuers }).status, 'revoked');
});

test('removeFromCRL in a complete CRL is not trusted', () => {
  const p = crlPki();
  const r = checkCrl(p.leaf.certificate, [p.crl({ entries: [{ serial: p.leaf.certificate.serialBytes, revocationDate: p.now, reason: 'removeFromCRL' }] })], { issuers: [p.ca.certificate] });
  assert.equal(r.status, 'error');
  assert.deepEqual(codes(r), [CRL_REASON.entryMalformed]);
});

test('RSA issuers work as well as EC', () => {
  const root = makeRoot('CN=RSA Root', { key: { type: 'rsa', bits: 2048 } });
  const leaf = makeLeaf(root, 'rsa.example');
  const der = buildCrl({ issuer: root, thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + DAY), entries: [{ serial: leaf.certificate.serialBytes, revocationDate: new Date() }] });
  assert.equal(checkCrl(leaf.certificate, [der], { issuers: [root.certificate] }).status, 'revoked');
});
