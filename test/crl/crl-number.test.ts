/** RFC 5280 §5.2.3: a CRL without cRLNumber, or with it critical, is not used (x509-limbo crl::crlnumber-*). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCrl } from '../../src/crl/builder.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import * as w from '../../src/util/der-write.ts';
import { OID } from '../../src/x509/oids.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';

const ca = makeRoot();
const leaf = makeLeaf(ca, 'a.test');
const times = { thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 86_400_000) };

test('a CRL without cRLNumber is invalid', () => {
  const v = verifyCrlForCertificate(buildCrl({ issuer: ca, ...times, crlNumber: null }), leaf.certificate, [ca.certificate]);
  assert.equal(v.status, 'invalid');
  assert.ok(v.reasons.some((r) => r.code === 'crl-number-missing'));
});

test('a CRL with a critical cRLNumber is invalid', () => {
  const crl = buildCrl({ issuer: ca, ...times, crlNumber: null, extraExtensions: [{ oid: OID.cRLNumber, critical: true, value: w.integer(7) }] });
  const v = verifyCrlForCertificate(crl, leaf.certificate, [ca.certificate]);
  assert.equal(v.status, 'invalid');
  assert.ok(v.reasons.some((r) => r.code === 'crl-number-critical'));
});

test('with a non-critical cRLNumber the same CRL is good', () => {
  assert.equal(verifyCrlForCertificate(buildCrl({ issuer: ca, ...times, crlNumber: 7 }), leaf.certificate, [ca.certificate]).status, 'good');
});
