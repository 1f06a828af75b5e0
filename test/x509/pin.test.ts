/** Pins: formats, parsing, chain matching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { certificatePin, chainMatchesPins, parsePin, spkiPin, spkiPinOfDer } from '../../src/x509/pin.ts';
import { isCertwardenError, ErrorCode } from '../../src/errors.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter);

test('spkiPin is sha256/<base64 SHA-256 of DER SPKI>', () => {
  const expected = createHash('sha256').update(leaf.certificate.spkiDer).digest('base64');
  assert.equal(spkiPin(leaf.certificate), `sha256/${expected}`);
});

test('spkiPinOfDer of a certificate\'s SPKI is its spkiPin, and it parses as an SPKI pin', () => {
  assert.equal(spkiPinOfDer(leaf.certificate.spkiDer), spkiPin(leaf.certificate));
  assert.equal(parsePin(spkiPinOfDer(leaf.publicKey.export({ format: 'der', type: 'spki' }))).kind, 'spki');
});

test('certificatePin is sha256-cert/<hex SHA-256 of DER>', () => {
  assert.equal(certificatePin(leaf.certificate), `sha256-cert/${createHash('sha256').update(leaf.certificate.der).digest('hex')}`);
});

test('parsePin round-trips both kinds', () => {
  const s = parsePin(spkiPin(leaf.certificate));
  assert.equal(s.kind, 'spki');
  assert.equal(s.hash.length, 32);
  const c = parsePin(certificatePin(leaf.certificate).toUpperCase().replace('SHA256-CERT', 'sha256-cert'));
  assert.equal(c.kind, 'cert');
  assert.equal(c.hash.toString('hex'), leaf.certificate.fingerprint256);
});

test('parsePin rejects malformed pins with CW_ERR_POLICY', () => {
  for (const bad of ['', 'sha256', 'sha256/abc', 'md5/AAAAAAAAAAAAAAAAAAAAAA==', 'sha256-cert/1234', `sha256/${'A'.repeat(44)}`]) {
    assert.throws(
      () => parsePin(bad),
      (e: unknown) => isCertwardenError(e) && e.code === ErrorCode.POLICY,
      bad,
    );
  }
});

test('chainMatchesPins', () => {
  const chain = [leaf.certificate, inter.certificate, root.certificate];
  assert.equal(chainMatchesPins(chain, [spkiPin(inter.certificate)]), true);
  assert.equal(chainMatchesPins(chain, [certificatePin(root.certificate)]), true);
  assert.equal(chainMatchesPins(chain, [spkiPin(makeRoot().certificate)]), false);
  assert.equal(chainMatchesPins(chain, []), false);
  assert.throws(() => chainMatchesPins(chain, ['nonsense']));
});
