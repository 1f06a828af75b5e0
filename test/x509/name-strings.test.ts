/**
 * Regression (found by test/fuzz/certificate.test.ts): a UniversalString with
 * a value that is no Unicode scalar made String.fromCodePoint throw a raw
 * RangeError out of `issuer`/`subject`; a BMPString of odd length did the
 * same through Buffer#swap16. Such names print as RFC 4514 hex, compare only
 * byte for byte, and `nameValues` refuses them with a typed error (never
 * skips them: a CN that cannot be read must not escape a name constraint).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oid, sequence, setOf, tlv } from '../../src/util/der-write.ts';
import { formatName, nameValues, parseName } from '../../src/x509/name.ts';
import { isCertwardenError } from '../../src/errors.ts';

const CN = '2.5.4.3';
const nameWith = (tag: number, bytes: number[]): Uint8Array => sequence(setOf(sequence(oid(CN), tlv(tag, Uint8Array.from(bytes)))));

const bad: Array<[string, Uint8Array]> = [
  ['UniversalString above U+10FFFF', nameWith(0x1c, [0x54, 0x65, 0x73, 0x74])],
  ['UniversalString surrogate', nameWith(0x1c, [0, 0, 0xd8, 0x00])],
  ['UniversalString length not a multiple of 4', nameWith(0x1c, [0, 0, 0, 0x41, 0])],
  ['BMPString of odd length', nameWith(0x1e, [0, 0x41, 0])],
];

for (const [what, der] of bad) {
  test(`${what}: formatName prints hex, nameValues is a typed error, never a RangeError`, () => {
    assert.match(formatName(der), /^CN=#[0-9a-f]+$/);
    assert.throws(() => nameValues(der, CN), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_CERTIFICATE_PARSE');
    assert.equal(parseName(der).length, 1);
  });
}

test('valid UniversalString and BMPString still decode (silent on good input)', () => {
  assert.equal(formatName(nameWith(0x1c, [0, 0, 0, 0x41, 0, 1, 0xf6, 0x00])), 'CN=A😀');
  assert.deepEqual(nameValues(nameWith(0x1e, [0, 0x41, 0, 0x42]), CN), ['AB']);
});
