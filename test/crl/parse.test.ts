/** CRL parsing: structure, strictness, typed errors, the fast serial index. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCertwardenError, ErrorCode } from '../../src/errors.ts';
import { toPem } from '../../src/util/pem.ts';
import { Crl, parseCrl } from '../../src/crl/parse.ts';
import { canonicalSerialHex, HashSerialIndex, MapSerialIndex } from '../../src/crl/serial-index.ts';
import { buildCrl, encodeRevokedCertificates } from '../../src/crl/builder.ts';
import { crlPki, DAY } from './pki-fixtures.test.ts';

function throwsCrlParse(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isCertwardenError(e) && e.code === ErrorCode.CRL_PARSE);
}

test('parses fields, extensions and entries; PEM and DER', () => {
  const p = crlPki();
  const der = p.crl({
    crlNumber: 7n,
    entries: [
      { serial: 1n, revocationDate: p.now, reason: 'cACompromise' },
      { serial: 0x1234n, revocationDate: p.now, invalidityDate: new Date(p.now.getTime() - DAY) },
    ],
    idp: { fullNames: ['URI:http://crl.example/a.crl'], onlyContainsUserCerts: true, onlySomeReasons: ['keyCompromise', 'superseded'] },
  });
  for (const input of [der, toPem(der, 'X509 CRL')]) {
    const crl = parseCrl(input);
    assert.equal(crl.version, 2);
    assert.equal(crl.crlNumber, 7n);
    assert.equal(crl.revokedCount, 2);
    assert.equal(crl.nextUpdate?.getTime(), p.now.getTime() + DAY);
    assert.deepEqual(crl.authorityKeyIdentifier, p.ca.certificate.subjectKeyIdentifier);
    assert.equal(crl.issuingDistributionPoint?.onlyContainsUserCerts, true);
    assert.equal(crl.issuingDistributionPoint?.onlySomeReasons, (1 << 1) | (1 << 4));
    assert.deepEqual(crl.issuingDistributionPoint?.fullNames, [{ type: 'uri', value: 'http://crl.example/a.crl' }]);
    assert.equal(crl.lookup(Buffer.from([1]))?.reason, 'cACompromise');
    assert.equal(crl.lookup(Buffer.from([0x12, 0x34]))?.invalidityDate?.getTime(), p.now.getTime() - DAY);
    assert.equal(crl.lookup(Buffer.from([2])), undefined);
    assert.deepEqual([...crl.entries()].map((e) => e.serialHex), ['01', '1234']);
  }
});

test('parse errors are CW_ERR_CRL_PARSE', () => {
  const p = crlPki();
  const der = p.crl({ entries: [{ serial: 1n, revocationDate: p.now }] });
  throwsCrlParse(() => parseCrl(der.subarray(0, der.length - 1)));
  throwsCrlParse(() => parseCrl(Buffer.concat([der, Buffer.from([0x00])])));
  throwsCrlParse(() => parseCrl('not a crl'));
  throwsCrlParse(() => parseCrl(p.crl({ version: 'omit' })));
  throwsCrlParse(() => parseCrl(p.root.certificate.der));
  // Invalid reasonCode (7 is unused).
  const bad = Buffer.from(p.crl({ entries: [{ serial: 1n, revocationDate: p.now, reason: 'keyCompromise' }] }));
  const at = bad.indexOf(Buffer.from([0x0a, 0x01, 0x01]));
  bad[at + 2] = 7;
  throwsCrlParse(() => parseCrl(bad));
});

test('canonical serials and both index flavours agree', () => {
  assert.equal(canonicalSerialHex(Buffer.from('000102', 'hex')), '0102');
  assert.equal(canonicalSerialHex(Buffer.from('0080', 'hex')), '80');
  assert.equal(canonicalSerialHex(Buffer.from('80', 'hex')), '-80');
  assert.equal(canonicalSerialHex(Buffer.from('ff80', 'hex')), '-80');
  assert.equal(canonicalSerialHex(Buffer.from('00', 'hex')), '00');
  const entries = Array.from({ length: 5000 }, (_, i) => ({ serial: BigInt(i) * 977n + 1n, revocationDate: new Date(0) }));
  const der = encodeRevokedCertificates(entries);
  const hash = new HashSerialIndex(der, 4);
  const map = new MapSerialIndex();
  let pos = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  while (pos < der.length) {
    const len = der[pos + 1]!;
    const serialLen = der[pos + 3]!;
    hash.add(der, pos + 4, pos + 4 + serialLen, pos);
    map.add(der, pos + 4, pos + 4 + serialLen, pos);
    pos += 2 + len;
  }
  assert.equal(hash.size, 5000);
  assert.equal(map.size, 5000);
  for (let i = 0; i < 6000; i++) {
    const hex = (BigInt(i) * 977n + 1n).toString(16);
    let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]); // positive INTEGER
    const padded = Buffer.concat([Buffer.from([0, 0]), bytes]);
    assert.equal(hash.get(bytes) >= 0, i < 5000);
    assert.equal(hash.get(padded), hash.get(bytes));
    assert.equal(map.get(bytes), hash.get(bytes));
    // The same octets read as a negative INTEGER are another number.
    const negative = bytes.subarray(bytes[0] === 0 ? 1 : 0);
    if (negative[0]! & 0x80) assert.equal(hash.get(negative), -1);
  }
});

test('large CRL: 200k entries parse fast and look up in O(1)', () => {
  const p = crlPki();
  const n = 200_000;
  const entries = function* () {
    for (let i = 0; i < n; i++) yield { serial: 0x10000000n + BigInt(i) * 3n, revocationDate: p.now };
  };
  const der = buildCrl({ issuer: p.ca, thisUpdate: p.now, nextUpdate: new Date(p.now.getTime() + DAY), entries: entries() });
  const t0 = performance.now();
  const crl = Crl.parse(der);
  const parseMs = performance.now() - t0;
  assert.equal(crl.revokedCount, n);
  assert.ok(parseMs < 3000, `parse took ${parseMs} ms`);
  assert.ok(crl.has(Buffer.from((0x10000000 + 3 * 1234).toString(16), 'hex')));
  assert.ok(!crl.has(Buffer.from((0x10000000 + 3 * 1234 + 1).toString(16), 'hex')));
});
