/**
 * A stapled OCSP response is DER (RFC 6066 §8: the CertificateStatus carries a
 * DER OCSPResponse). A staple that is not DER (PEM, base64, a flood of BEGIN
 * lines) comes from the peer and is refused as malformed, never PEM-decoded
 * (finding 10.5), in both modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { resolveDestination } from '../../src/policy/match.ts';
import { checkChainRevocation } from '../../src/revocation/checker.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { toPem } from '../../src/util/pem.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=Staple DER Root');
const inter = makeIntermediate(root, 'CN=Staple DER CA');

function settings(mode: 'hard-fail' | 'soft-fail') {
  const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] }, revocation: { mode, check: 'leaf', sources: ['staple'] } }, { baseDir: process.cwd() });
  return resolveDestination(policy, 'x.test').revocation;
}

test('a DER staple is used; the same staple as PEM or base64 is staple-invalid (ocsp-malformed) in both modes', async () => {
  const l = makeLeaf(inter, 'x.test');
  const der = buildOcspResponse({ issuer: inter.certificate, signer: inter, responses: [{ certificate: l.certificate, status: 'good' }] });
  assert.equal((await checkChainRevocation([l.certificate, inter.certificate], { settings: settings('hard-fail'), staple: der })).status, 'good');
  for (const mode of ['hard-fail', 'soft-fail'] as const) {
    for (const notDer of [toPem(der, 'OCSP RESPONSE'), der.toString('base64'), '-----BEGIN OCSP RESPONSE-----\n'.repeat(50_000)]) {
      const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings(mode), staple: Buffer.from(notDer) });
      assert.equal(r.accepted, false);
      assert.deepEqual(r.certificates[0]!.reasons.map((x) => x.code), ['staple-invalid', 'ocsp-malformed']);
    }
  }
});
