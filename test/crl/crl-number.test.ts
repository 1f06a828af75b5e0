/**
 * RFC 5280 §5.2.3 says conforming CRL issuers MUST include a non-critical
 * cRLNumber. A CRL with a critical one is refused. A CRL without one (what
 * `openssl ca -gencrl` writes when the CA has no crlnumber file; BoringSSL,
 * OpenSSL and Go accept it) is used by default and flagged `crlNumberMissing`
 * with a `crl-number-missing` warning; `crlNumber: 'required'` (policy
 * `revocation.crl-number: required`) refuses it (x509-limbo crl::crlnumber-*).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCrl } from '../../src/crl/builder.ts';
import { checkCrl, verifyCrlForCertificate } from '../../src/crl/verify.ts';
import * as w from '../../src/util/der-write.ts';
import { OID } from '../../src/x509/oids.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';

const ca = makeRoot();
const leaf = makeLeaf(ca, 'a.test');
const times = { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 86_400_000) };

test('a CRL without cRLNumber is used by default, flagged crlNumberMissing with a warning', () => {
  const v = verifyCrlForCertificate(buildCrl({ issuer: ca, ...times, crlNumber: null }), leaf.certificate, [ca.certificate]);
  assert.equal(v.status, 'good');
  assert.equal(v.crlNumberMissing, true);
  assert.deepEqual(v.warnings?.map((r) => r.code), ['crl-number-missing']);
  const r = checkCrl(leaf.certificate, [buildCrl({ issuer: ca, ...times, crlNumber: null })], { issuers: [ca.certificate] });
  assert.equal(r.status, 'good');
  assert.deepEqual(r.warnings?.map((x) => x.code), ['crl-number-missing']);
  assert.deepEqual(r.evidence[0]?.warnings?.map((x) => x.code), ['crl-number-missing']);
});

test('a CRL without cRLNumber still revokes', () => {
  const crl = buildCrl({ issuer: ca, ...times, crlNumber: null, entries: [{ serial: leaf.certificate.serialBytes, revocationDate: new Date() }] });
  const v = verifyCrlForCertificate(crl, leaf.certificate, [ca.certificate]);
  assert.equal(v.status, 'revoked');
  assert.equal(v.crlNumberMissing, true);
});

test('a CRL without cRLNumber is invalid under crlNumber: required', () => {
  const v = verifyCrlForCertificate(buildCrl({ issuer: ca, ...times, crlNumber: null }), leaf.certificate, [ca.certificate], { crlNumber: 'required' });
  assert.equal(v.status, 'invalid');
  assert.ok(v.reasons.some((r) => r.code === 'crl-number-missing'));
});

test('leniency on cRLNumber keeps every other check: signature, times and scope', () => {
  const noNumber = (o: Partial<Parameters<typeof buildCrl>[0]>) => buildCrl({ issuer: ca, ...times, crlNumber: null, ...o });
  const other = makeRoot('CN=Other Root');
  const cases: [Uint8Array, Parameters<typeof verifyCrlForCertificate>[2], string][] = [
    [noNumber({ corruptSignature: true }), [ca.certificate], 'crl-signature-invalid'],
    [noNumber({ nextUpdate: new Date(Date.now() - 3_600_000), thisUpdate: new Date(Date.now() - 7_200_000) }), [ca.certificate], 'crl-expired'],
    [noNumber({ thisUpdate: new Date(Date.now() + 86_400_000), nextUpdate: new Date(Date.now() + 2 * 86_400_000) }), [ca.certificate], 'crl-not-yet-valid'],
    [noNumber({ idp: { onlyContainsCACerts: true } }), [ca.certificate], 'crl-scope-ca-certs-only'],
    [buildCrl({ issuer: other, ...times, crlNumber: null }), [other.certificate], 'crl-issuer-mismatch'],
  ];
  for (const [crl, issuers, code] of cases) {
    const v = verifyCrlForCertificate(crl, leaf.certificate, issuers);
    assert.equal(v.status, 'invalid', code);
    assert.ok(v.reasons.some((r) => r.code === code), `${code}: ${JSON.stringify(v.reasons)}`);
  }
});

test('a CRL with a critical cRLNumber is invalid', () => {
  const crl = buildCrl({ issuer: ca, ...times, crlNumber: null, extraExtensions: [{ oid: OID.cRLNumber, critical: true, value: w.integer(7) }] });
  const v = verifyCrlForCertificate(crl, leaf.certificate, [ca.certificate]);
  assert.equal(v.status, 'invalid');
  assert.ok(v.reasons.some((r) => r.code === 'crl-number-critical'));
});

test('with a non-critical cRLNumber the same CRL is good, without a warning, in both modes', () => {
  for (const crlNumber of ['optional', 'required'] as const) {
    const v = verifyCrlForCertificate(buildCrl({ issuer: ca, ...times, crlNumber: 7 }), leaf.certificate, [ca.certificate], { crlNumber });
    assert.equal(v.status, 'good');
    assert.equal(v.crlNumberMissing, undefined);
    assert.equal(v.warnings, undefined);
  }
});
