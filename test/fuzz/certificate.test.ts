/**
 * Property: any mutation of a valid certificate either parses or fails with a
 * typed CertwardenError — never another exception, never a hang — and every
 * lazy getter obeys the same rule, as does path validation's use of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCertwardenError } from '../../src/errors.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { parseName } from '../../src/x509/name.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { apply, mutation } from './mutate.ts';

const RUNS = Number(process.env.CERTWARDEN_FUZZ_RUNS ?? 400);

function typedOrOk(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isCertwardenError(err), `untyped error escaped: ${(err as Error)?.stack ?? String(err)}`);
  }
}

const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter, 'fuzz.test', { ocspUrls: ['http://127.0.0.1:9/ocsp'], crlUrls: ['http://127.0.0.1:9/crl'], mustStaple: true, key: { type: 'rsa', bits: 2048 } });
const seeds = [root.certificate.der, inter.certificate.der, leaf.certificate.der];

const GETTERS = ['signatureAlgorithm', 'publicKey', 'subject', 'issuer', 'commonNames', 'publicKeyBits', 'basicConstraints', 'keyUsage', 'extKeyUsage', 'subjectAltNames', 'subjectKeyIdentifier', 'authorityKeyIdentifier', 'ocspUrls', 'caIssuersUrls', 'crlDistributionPoints', 'mustStaple', 'nameConstraints', 'isSelfIssued'] as const;

test('mutated certificates parse or fail with a typed error', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation(), { minLength: 1, maxLength: 4 }), (seed, muts) => {
      const der = apply(seed, muts);
      let cert: Certificate | undefined;
      typedOrOk(() => {
        cert = new Certificate(der);
      });
      if (!cert) return;
      for (const g of GETTERS) typedOrOk(() => (cert as unknown as Record<string, unknown>)[g]);
      typedOrOk(() => parseName(cert!.subjectDer));
    }),
    { numRuns: RUNS },
  );
});

test('arbitrary bytes and PEM-ish text fail with a typed error', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 300 }).map((s) => `-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`)), (input) => {
      typedOrOk(() => Certificate.parseAll(input));
    }),
    { numRuns: RUNS },
  );
});

test('a deeply nested or huge length does not hang or over-read', () => {
  const nested = Buffer.alloc(4000, 0x30); // SEQUENCE, length 0x30, repeated: garbage nesting
  typedOrOk(() => new Certificate(nested));
  const hugeLength = Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30]);
  typedOrOk(() => new Certificate(hugeLength));
  assert.throws(() => new Certificate(hugeLength), (e) => isCertwardenError(e));
});

test('serials compare as integers: redundant leading zeros ignored, sign kept', async () => {
  const { integerHex } = await import('../../src/util/der.ts');
  assert.equal(integerHex(Buffer.from([0x00, 0x00, 0x7f])), '7f');
  assert.equal(integerHex(Buffer.from([0x00, 0x80])), '80');
  assert.equal(integerHex(Buffer.from([0x80])), '-80');
  assert.notEqual(integerHex(Buffer.from([0x00, 0x80])), integerHex(Buffer.from([0x80])));
});
