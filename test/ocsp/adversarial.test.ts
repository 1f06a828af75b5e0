/**
 * Forged and broken OCSP responses, minted at test time: each must be refused
 * (never `good`) for the right, stable reason code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { OID } from '../../src/x509/oids.ts';
import * as w from '../../src/util/der-write.ts';
import { buildErrorResponse } from '../../src/ocsp/builder.ts';
import { buildTamperedOcspResponse as buildOcspResponse, type TamperedOcspResponseOptions as BuildOcspResponseOptions } from '../../src/ocsp/internal/response-encoder.ts';
import { OcspReason, type OcspReasonCode } from '../../src/ocsp/reasons.ts';
import { verifyOcspResponse, type OcspVerification, type VerifyOcspOptions } from '../../src/ocsp/verify.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, type TestIdentity } from '../helpers/pki.ts';

const DAY = 86_400_000;
const root = makeRoot('CN=Adversarial Root');
const ca = makeIntermediate(root, 'CN=Adversarial Issuing CA');
const leaf = makeLeaf(ca, 'victim.example');
const sibling = makeLeaf(ca, 'sibling.example');
const responder = makeOcspResponder(ca);
const otherRoot = makeRoot('CN=Other Root');
const otherCa = makeIntermediate(otherRoot, 'CN=Other CA');
// Same name as the real issuer, different key: name chaining alone must not be enough.
const impostorCa = makeIntermediate(otherRoot, 'CN=Adversarial Issuing CA');

function issuerSigned(o: Partial<BuildOcspResponseOptions> = {}): Buffer {
  return buildOcspResponse({ issuer: ca.certificate, signer: ca, responses: [{ certificate: leaf.certificate, status: 'good' }], ...o });
}

function delegated(by: TestIdentity, o: Partial<BuildOcspResponseOptions> = {}): Buffer {
  return buildOcspResponse({ issuer: ca.certificate, signer: by, responses: [{ certificate: leaf.certificate, status: 'good' }], ...o });
}

function verify(der: Uint8Array, o: Partial<VerifyOcspOptions> = {}): OcspVerification {
  return verifyOcspResponse(der, { certificate: leaf.certificate, issuer: ca.certificate, ...o });
}

function assertRefused(result: OcspVerification, code: OcspReasonCode, status: OcspVerification['status'] = 'invalid'): void {
  assert.equal(result.status, status, `expected ${status}, got ${result.status}: ${JSON.stringify(result.reasons)}`);
  assert.ok(
    result.reasons.some((r) => r.code === code),
    `expected reason ${code}, got ${result.reasons.map((r) => r.code).join(', ')}`,
  );
}

function flipBit(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('baseline: correct responses are accepted', () => {
  test('issuer-signed, ResponderID byName', () => {
    const r = verify(issuerSigned());
    assert.equal(r.status, 'good');
    assert.equal(r.signer, 'issuer');
  });
  test('issuer-signed, ResponderID byKey, SHA-256 CertID', () => {
    const r = verify(issuerSigned({ responderIdByKey: true, hashAlgorithm: 'sha256' }));
    assert.equal(r.status, 'good');
  });
  test('delegated responder carried in the response', () => {
    const r = verify(delegated(responder));
    assert.equal(r.status, 'good');
    assert.equal(r.signer, 'delegated');
    assert.ok(r.responderCertificate?.equals(responder.certificate));
  });
  test('SHA-1 signature accepted by default', () => {
    assert.equal(verify(issuerSigned({ signatureHash: 'sha1' })).status, 'good');
  });
  test('matching nonce', () => {
    const nonce = Buffer.from('0123456789abcdef');
    assert.equal(verify(issuerSigned({ nonce }), { nonce, requireNonce: true }).status, 'good');
  });
});

describe('forged or broken responses are refused with the right reason', () => {
  test('1. sibling leaf of the same CA (no OCSPSigning) signs', () => {
    assertRefused(verify(delegated(sibling)), OcspReason.RESPONDER_NOT_AUTHORIZED);
  });
  test('2. delegated responder without any EKU', () => {
    const noEku = makeOcspResponder(ca, { extKeyUsage: undefined });
    assertRefused(verify(delegated(noEku)), OcspReason.RESPONDER_NOT_AUTHORIZED);
  });
  test('3. delegated responder with anyExtendedKeyUsage only', () => {
    const anyEku = makeOcspResponder(ca, { extKeyUsage: [OID.anyExtendedKeyUsage] });
    assertRefused(verify(delegated(anyEku)), OcspReason.RESPONDER_NOT_AUTHORIZED);
  });
  test('4. responder issued by another CA', () => {
    assertRefused(verify(delegated(makeOcspResponder(otherCa))), OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER);
  });
  test('5. responder issued by an impostor CA with the same name', () => {
    assertRefused(verify(delegated(makeOcspResponder(impostorCa))), OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER);
  });
  test('6. responder certificate expired', () => {
    const expired = makeOcspResponder(ca, { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    assertRefused(verify(delegated(expired)), OcspReason.RESPONDER_EXPIRED);
  });
  test('7. wrong issuerKeyHash', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', issuerKeyHash: Buffer.alloc(20, 7) }] });
    assertRefused(verify(der), OcspReason.ISSUER_KEY_HASH_MISMATCH);
  });
  test('8. wrong issuerNameHash', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', issuerNameHash: Buffer.alloc(20, 7) }] });
    assertRefused(verify(der), OcspReason.ISSUER_NAME_HASH_MISMATCH);
  });
  test('9. wrong serial (a response about the sibling)', () => {
    const der = issuerSigned({ responses: [{ certificate: sibling.certificate, status: 'good' }] });
    assertRefused(verify(der), OcspReason.SERIAL_MISMATCH);
  });
  test('10. stale: nextUpdate in the past', () => {
    const der = issuerSigned({
      producedAt: new Date(Date.now() - 3 * DAY),
      responses: [{ certificate: leaf.certificate, status: 'good', thisUpdate: new Date(Date.now() - 3 * DAY), nextUpdate: new Date(Date.now() - DAY) }],
    });
    assertRefused(verify(der), OcspReason.STALE);
  });
  test('11. thisUpdate in the future', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', thisUpdate: new Date(Date.now() + 3_600_000) }] });
    assertRefused(verify(der), OcspReason.THIS_UPDATE_IN_FUTURE);
  });
  test('12. no nextUpdate and thisUpdate older than the default max age', () => {
    const longLived = makeLeaf(ca, 'old.example', { notBefore: new Date(Date.now() - 30 * DAY) });
    const der = buildOcspResponse({
      issuer: ca.certificate,
      signer: ca,
      producedAt: new Date(Date.now() - 8 * DAY),
      responses: [{ certificate: longLived.certificate, status: 'good', thisUpdate: new Date(Date.now() - 8 * DAY), nextUpdate: null }],
    });
    assertRefused(verifyOcspResponse(der, { certificate: longLived.certificate, issuer: ca.certificate }), OcspReason.NO_NEXT_UPDATE_TOO_OLD);
    // A recent one without nextUpdate is fine.
    const fresh = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', nextUpdate: null }] });
    assert.equal(verify(fresh).status, 'good');
  });
  test('13. replayed old response: older than maxAgeMs although nextUpdate is still ahead', () => {
    const older = makeLeaf(ca, 'older.example', { notBefore: new Date(Date.now() - 30 * DAY) });
    const der = buildOcspResponse({
      issuer: ca.certificate,
      signer: ca,
      producedAt: new Date(Date.now() - 2 * DAY),
      responses: [{ certificate: older.certificate, status: 'good', thisUpdate: new Date(Date.now() - 2 * DAY), nextUpdate: new Date(Date.now() + 5 * DAY) }],
    });
    const opts = { certificate: older.certificate, issuer: ca.certificate };
    assert.equal(verifyOcspResponse(der, opts).status, 'good');
    assertRefused(verifyOcspResponse(der, { ...opts, maxAgeMs: DAY }), OcspReason.TOO_OLD);
  });
  test('14. unknown status is never good', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'unknown' }] });
    assertRefused(verify(der), OcspReason.UNKNOWN_STATUS, 'unknown');
  });
  test('15. revoked, with its reason and time', () => {
    const when = new Date(Date.now() - 3_600_000);
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'revoked', revocationTime: when, reason: 'keyCompromise' }] });
    const r = verify(der);
    assertRefused(r, OcspReason.REVOKED, 'revoked');
    assert.equal(r.revocationReason, 'keyCompromise');
    assert.equal(r.revocationTime?.getTime(), Math.floor(when.getTime() / 1000) * 1000);
  });
  test('16. unknown critical response extension', () => {
    const der = issuerSigned({ extensions: [{ oid: '1.3.6.1.4.1.99999.1', critical: true, value: w.nullValue() }] });
    assertRefused(verify(der), OcspReason.UNKNOWN_CRITICAL_EXTENSION);
    // The same extension, non-critical, is ignored.
    assert.equal(verify(issuerSigned({ extensions: [{ oid: '1.3.6.1.4.1.99999.1', value: w.nullValue() }] })).status, 'good');
  });
  test('17. unknown critical single extension', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', extensions: [{ oid: '1.3.6.1.4.1.99999.2', critical: true, value: w.nullValue() }] }] });
    assertRefused(verify(der), OcspReason.UNKNOWN_CRITICAL_SINGLE_EXTENSION);
  });
  test('18. trailing garbage after the DER', () => {
    assertRefused(verify(Buffer.concat([issuerSigned(), Buffer.from([0, 0])])), OcspReason.TRAILING_DATA);
  });
  test('19. truncated DER', () => {
    const der = issuerSigned();
    for (const cut of [1, 2, 10, der.length >> 1, der.length - 1]) assertRefused(verify(der.subarray(0, cut)), OcspReason.MALFORMED);
    assertRefused(verify(Buffer.alloc(0)), OcspReason.MALFORMED);
  });
  test('20. bad signature: one flipped bit in the signature, or in the signed data', () => {
    assertRefused(verify(issuerSigned({ tamper: { signature: (s) => flipBit(s, s.length - 1) } })), OcspReason.BAD_SIGNATURE);
    const bumped = issuerSigned({ tamper: { afterSign: (tbs) => flipBit(tbs, tbs.length - 1) } });
    assert.notEqual(verify(bumped).status, 'good');
  });
  test('21. signed by another key under the issuer name', () => {
    assertRefused(verify(issuerSigned({ tamper: { signWith: generateKeyPair().privateKey } })), OcspReason.BAD_SIGNATURE);
  });
  test('22. signature algorithm mismatch (RSA algorithm on an EC key; other hash)', () => {
    const rsaAlg = w.sequence(w.oid(OID.sha256WithRSA), w.nullValue());
    assertRefused(verify(issuerSigned({ tamper: { signatureAlgorithm: rsaAlg } })), OcspReason.SIGNATURE_ALGORITHM_MISMATCH);
    const otherHash = w.sequence(w.oid(OID.ecdsaWithSha384));
    assertRefused(verify(issuerSigned({ tamper: { signatureAlgorithm: otherHash } })), OcspReason.BAD_SIGNATURE);
    const md5 = w.sequence(w.oid(OID.md5WithRSA), w.nullValue());
    assertRefused(verify(issuerSigned({ tamper: { signatureAlgorithm: md5 } })), OcspReason.UNSUPPORTED_SIGNATURE_ALGORITHM);
  });
  test('23. SHA-1 signature refused when allowSha1Signatures is false', () => {
    assertRefused(verify(issuerSigned({ signatureHash: 'sha1' }), { allowSha1Signatures: false }), OcspReason.SHA1_SIGNATURE_REFUSED);
  });
  test('24. each non-successful responseStatus', () => {
    const cases = [
      ['malformedRequest', OcspReason.STATUS_MALFORMED_REQUEST],
      ['internalError', OcspReason.STATUS_INTERNAL_ERROR],
      ['tryLater', OcspReason.STATUS_TRY_LATER],
      ['sigRequired', OcspReason.STATUS_SIG_REQUIRED],
      ['unauthorized', OcspReason.STATUS_UNAUTHORIZED],
    ] as const;
    for (const [name, code] of cases) {
      const r = verify(buildErrorResponse(name));
      assertRefused(r, code);
      assert.match(r.reasons[0]!.message, new RegExp(name));
    }
    assertRefused(verify(buildErrorResponse(4)), OcspReason.STATUS_UNRECOGNIZED);
    // A successful status without responseBytes.
    assertRefused(verify(buildErrorResponse(0)), OcspReason.NO_RESPONSE_BYTES);
  });
  test('25. wrong responseType', () => {
    assertRefused(verify(issuerSigned({ tamper: { responseType: '1.3.6.1.5.5.7.48.1.99' } })), OcspReason.UNSUPPORTED_RESPONSE_TYPE);
  });
  test('26. nonce mismatch, and missing nonce when required', () => {
    const sent = Buffer.from('sent-nonce-12345');
    assertRefused(verify(issuerSigned({ nonce: Buffer.from('other-nonce-1234') }), { nonce: sent }), OcspReason.NONCE_MISMATCH);
    assertRefused(verify(issuerSigned(), { nonce: sent, requireNonce: true }), OcspReason.NONCE_MISSING);
    // Without requireNonce, a response without nonce (pre-produced, RFC 5019) is accepted.
    assert.equal(verify(issuerSigned(), { nonce: sent }).status, 'good');
  });
  test('27. producedAt outside the certificate validity', () => {
    const young = makeLeaf(ca, 'young.example', { notBefore: new Date(Date.now() - 3_600_000) });
    const der = buildOcspResponse({
      issuer: ca.certificate,
      signer: ca,
      producedAt: new Date(Date.now() - 2 * DAY),
      responses: [{ certificate: young.certificate, status: 'good', thisUpdate: new Date(Date.now() - 2 * DAY), nextUpdate: new Date(Date.now() + DAY) }],
    });
    assertRefused(verifyOcspResponse(der, { certificate: young.certificate, issuer: ca.certificate }), OcspReason.PRODUCED_AT_OUTSIDE_VALIDITY);
  });
  test('28. producedAt in the future', () => {
    assertRefused(verify(issuerSigned({ producedAt: new Date(Date.now() + 3_600_000), responses: [{ certificate: leaf.certificate, status: 'good', thisUpdate: new Date() }] })), OcspReason.PRODUCED_AT_IN_FUTURE);
  });
  test('29. several SingleResponses for the certificate, one revoked: revoked wins', () => {
    const der = issuerSigned({
      responses: [
        { certificate: leaf.certificate, status: 'good' },
        { certificate: leaf.certificate, status: 'revoked', reason: 'superseded' },
        { certificate: leaf.certificate, status: 'good', hashAlgorithm: 'sha256' },
      ],
    });
    const r = verify(der);
    assertRefused(r, OcspReason.REVOKED, 'revoked');
    assert.equal(r.revocationReason, 'superseded');
    // good + unknown: unknown wins.
    const gu = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good' }, { certificate: leaf.certificate, status: 'unknown' }] });
    assert.equal(verify(gu).status, 'unknown');
  });
  test('30. responder certificate only in the peer chain, not in the response: no authority', () => {
    const der = delegated(responder, { includeSignerCert: false });
    assertRefused(verify(der), OcspReason.RESPONDER_NOT_FOUND);
    // Passing the responder as if it were an issuer candidate does not help either: its CertID hashes do not match.
    assert.equal(verify(der, { issuerCandidates: [responder.certificate] }).status, 'invalid');
  });
  test('31. ResponderID names a third party while the issuer key signs', () => {
    const der = issuerSigned({ tamper: { responderId: w.explicit(1, Buffer.from(otherCa.certificate.subjectDer)) } });
    assertRefused(verify(der), OcspReason.RESPONDER_NOT_FOUND);
  });
  test('32. delegated ResponderID and certificate, but the issuer key signed', () => {
    const der = delegated(responder, { tamper: { signWith: ca.privateKey } });
    assertRefused(verify(der), OcspReason.BAD_SIGNATURE);
  });
  test('33. ResponseData version other than v1', () => {
    assertRefused(verify(issuerSigned({ tamper: { version: 1 } })), OcspReason.UNSUPPORTED_VERSION);
    assert.equal(verify(issuerSigned({ tamper: { version: 0 } })).status, 'good');
  });
  test('34. nextUpdate before thisUpdate', () => {
    const der = issuerSigned({ responses: [{ certificate: leaf.certificate, status: 'good', thisUpdate: new Date(), nextUpdate: new Date(Date.now() - 60_000) }] });
    assertRefused(verify(der), OcspReason.NEXT_UPDATE_BEFORE_THIS_UPDATE);
  });
  test('35. delegated responder certificate with a broken signature', () => {
    const der = delegated(responder, {
      includeSignerCert: false,
      certificates: [],
      tamper: {
        basic: (basic) => {
          // Append the responder certificate with its last signature byte flipped.
          const cert = flipBit(responder.certificate.der, responder.certificate.der.length - 1);
          const inner = basic.subarray(basic[1]! & 0x80 ? 2 + (basic[1]! & 0x7f) : 2);
          return w.sequence(inner, w.explicit(0, w.sequence(cert)));
        },
      },
    });
    assertRefused(verify(der), OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER);
  });
  test('36. responder ID byKey for a key not in the response', () => {
    const der = delegated(responder, { includeSignerCert: false, responderIdByKey: true });
    assertRefused(verify(der), OcspReason.RESPONDER_NOT_FOUND);
  });
  test('37. no SingleResponse at all', () => {
    assertRefused(verify(issuerSigned({ responses: [] })), OcspReason.NO_RESPONSES);
  });
});

describe('key rollover: issuerCandidates', () => {
  test('a response about a certificate of the old key verifies with the old key among the candidates', () => {
    const oldCa = makeIntermediate(root, 'CN=Rolling CA');
    const newCa = makeIntermediate(root, 'CN=Rolling CA');
    const cert = makeLeaf(oldCa, 'rolled.example');
    const der = buildOcspResponse({ issuer: oldCa.certificate, signer: oldCa, responses: [{ certificate: cert.certificate, status: 'good' }] });
    assert.equal(verifyOcspResponse(der, { certificate: cert.certificate, issuer: newCa.certificate }).status, 'invalid');
    const r = verifyOcspResponse(der, { certificate: cert.certificate, issuer: newCa.certificate, issuerCandidates: [oldCa.certificate] });
    assert.equal(r.status, 'good');
    assert.ok(r.issuer?.equals(oldCa.certificate));
  });
});

describe('mutation: no single-bit change of a good response is accepted, and nothing throws', () => {
  for (const [label, der] of [
    ['issuer-signed', issuerSigned()],
    ['delegated', delegated(responder)],
  ] as const) {
    test(label, () => {
      let accepted = 0;
      for (let i = 0; i < der.length; i++) {
        for (const mask of [0x01, 0x80]) {
          const copy = Buffer.from(der);
          copy[i] = copy[i]! ^ mask;
          const r = verify(copy);
          if (r.status === 'good') accepted++;
        }
      }
      assert.equal(accepted, 0);
    });
  }
});
