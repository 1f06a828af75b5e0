/**
 * cRLDistributionPoints is parsed in one place (x509/certificate.ts
 * parseDistributionPoints), for fetching and for matching a CRL's scope alike,
 * with the stricter of the two former parsers' rules: nothing after the
 * SEQUENCE, each DistributionPoint a SEQUENCE, well-formed ReasonFlags.
 * Malformed input is a typed error, never a partial list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as w from '../../src/util/der-write.ts';
import { decodeReasonFlags, parseDistributionPoints } from '../../src/x509/certificate.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { OID } from '../../src/x509/oids.ts';
import { CrlCache, checkCrlViaDistributionPoints } from '../../src/crl/cache.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const uri = (u: string): Buffer => w.implicit(6, Buffer.from(u, 'latin1'));
const fullName = (...names: Buffer[]): Buffer => w.explicit(0, w.implicit(0, Buffer.concat(names), true));
const typed = (e: unknown): boolean => isCertwardenError(e);

test('a well-formed extension: URLs, full names, a relative name, reasons (bit n is reason n) and cRLIssuer', () => {
  const rdn = w.setOf(w.sequence(w.oid('2.5.4.3'), w.utf8String('dp1')));
  const der = w.sequence(
    w.sequence(fullName(uri('http://127.0.0.1:9/a.crl'), uri('ldap://127.0.0.1/x'))),
    w.sequence(w.explicit(0, w.implicit(1, rdn.subarray(2), true)), w.implicit(1, Buffer.from([0x06, 0x40]))),
    w.sequence(w.explicit(2, uri('http://127.0.0.1:9/issuer'))),
  );
  const [a, b, c] = parseDistributionPoints(der);
  assert.deepEqual(a!.urls, ['http://127.0.0.1:9/a.crl', 'ldap://127.0.0.1/x']);
  assert.equal(a!.relativeName, false);
  assert.equal(b!.relativeName, true);
  assert.deepEqual(Buffer.from(b!.relativeNameRdn!), rdn);
  assert.equal(b!.reasons, 1 << 1); // keyCompromise
  assert.deepEqual(c!.crlIssuer?.map((n) => n.value), ['http://127.0.0.1:9/issuer']);
});

test('decodeReasonFlags: bit n is reason n; no unused-bits octet or more than 7 unused bits is malformed', () => {
  assert.equal(decodeReasonFlags(Buffer.from([0x07, 0x40])), 1 << 1);
  assert.equal(decodeReasonFlags(Buffer.from([0x07, 0x00, 0x80])), 1 << 8); // aACompromise
  assert.equal(decodeReasonFlags(Buffer.from([])), undefined);
  assert.equal(decodeReasonFlags(Buffer.from([0x08, 0x40])), undefined);
});

test('malformed cRLDistributionPoints is a typed error: trailing bytes, a non-SEQUENCE point, bad ReasonFlags, truncation, wrong outer tag', () => {
  const good = w.sequence(w.sequence(fullName(uri('http://127.0.0.1:9/a.crl'))));
  assert.equal(parseDistributionPoints(good).length, 1);
  const cases: Record<string, Buffer> = {
    'trailing bytes': Buffer.concat([good, Buffer.from([0x05, 0x00])]),
    'a point that is not a SEQUENCE': w.sequence(w.octetString(Buffer.from('x'))),
    'ReasonFlags with 8 unused bits': w.sequence(w.sequence(fullName(uri('http://127.0.0.1:9/a.crl')), w.implicit(1, Buffer.from([0x08, 0x40])))),
    'empty ReasonFlags': w.sequence(w.sequence(w.implicit(1, Buffer.alloc(0)))),
    truncated: good.subarray(0, good.length - 3),
    'a SET instead of a SEQUENCE': w.setOf(w.sequence(fullName(uri('http://127.0.0.1:9/a.crl')))),
  };
  for (const [name, der] of Object.entries(cases)) assert.throws(() => parseDistributionPoints(der), typed, name);
});

test('a certificate with trailing bytes in cRLDistributionPoints: crl-certificate-malformed, and nothing is fetched', async () => {
  const root = makeRoot('CN=CRLDP Root');
  const ca = makeIntermediate(root, 'CN=CRLDP CA');
  const bad = Buffer.concat([w.sequence(w.sequence(fullName(uri('http://127.0.0.1:9/a.crl')))), Buffer.from([0x05, 0x00])]);
  const leaf = makeLeaf(ca, 'crldp.test', { extensions: [{ oid: OID.cRLDistributionPoints, value: bad }] });
  let fetches = 0;
  const cache = new CrlCache({ fetch: async () => { fetches++; throw new Error('must not fetch'); } });
  const r = await checkCrlViaDistributionPoints(leaf.certificate, { issuers: [ca.certificate], cache });
  assert.deepEqual([r.status, r.reasons.map((x) => x.code), fetches], ['error', ['crl-certificate-malformed'], 0]);
});
