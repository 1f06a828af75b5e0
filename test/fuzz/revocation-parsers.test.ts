/**
 * Property: mutated OCSP requests, OCSP responses and CRLs, and random policy
 * text, produce a typed error or a verdict — never an untyped exception, a
 * crash or a hang — and a mutated response or CRL is never accepted as good
 * unless the mutation left the signed bytes intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCertwardenError } from '../../src/errors.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { parseOcspRequest } from '../../src/ocsp/request-parse.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { splitSigned } from '../../src/util/der.ts';
import { after } from 'node:test';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, tempDir } from '../helpers/pki.ts';
import { apply, mutation } from './mutate.ts';

const RUNS = Number(process.env.CERTWARDEN_FUZZ_RUNS ?? 400);
const tmp = tempDir('certwarden-fuzz-');
after(() => tmp.cleanup());

function typedOrOk<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    assert.ok(isCertwardenError(err), `untyped error escaped: ${(err as Error)?.stack ?? String(err)}`);
    return undefined;
  }
}

/** Whether the mutated object still carries the original signed bytes and signature. */
function sameSigned(original: Uint8Array, mutated: Uint8Array): boolean {
  try {
    const a = splitSigned(original, 'x');
    const b = splitSigned(mutated, 'x');
    return Buffer.compare(a.tbs, b.tbs) === 0 && Buffer.compare(a.signature, b.signature) === 0;
  } catch {
    return false;
  }
}

const root = makeRoot();
const inter = makeIntermediate(root);
const leaf = makeLeaf(inter, 'fuzz.test');
const revokedLeaf = makeLeaf(inter, 'revoked.test');
const responder = makeOcspResponder(inter);
const response = buildOcspResponse({ issuer: inter.certificate, signer: responder, responses: [{ certificate: leaf.certificate, status: 'good' }] });
const request = buildOcspRequest({ issuer: inter.certificate, certificate: leaf.certificate, nonce: true }).der;
const crl = buildCrl({
  issuer: inter,
  thisUpdate: new Date(Date.now() - 60_000),
  nextUpdate: new Date(Date.now() + 86_400_000),
  entries: [{ serial: revokedLeaf.certificate.serialHex, revocationDate: new Date(), reason: 'keyCompromise' }],
});

test('mutated OCSP responses: typed error or a verdict; good only with intact signed bytes', () => {
  const original = parseOcspResponse(response).basic!;
  fc.assert(
    fc.property(fc.array(mutation(), { minLength: 1, maxLength: 4 }), (muts) => {
      const der = apply(response, muts);
      typedOrOk(() => parseOcspResponse(der));
      const v = verifyOcspResponse(der, { certificate: leaf.certificate, issuer: inter.certificate });
      assert.ok(['good', 'revoked', 'unknown', 'invalid'].includes(v.status));
      if (v.status === 'good') {
        const b = parseOcspResponse(der).basic!;
        assert.ok(Buffer.compare(b.tbs, original.tbs) === 0 && Buffer.compare(b.signature, original.signature) === 0, 'a mutation of the signed bytes was accepted as good');
      }
    }),
    { numRuns: RUNS },
  );
});

test('mutated OCSP requests: typed error or a parse', () => {
  fc.assert(
    fc.property(fc.array(mutation(), { minLength: 1, maxLength: 4 }), (muts) => {
      typedOrOk(() => parseOcspRequest(apply(request, muts)));
    }),
    { numRuns: RUNS },
  );
});

test('mutated CRLs: typed error or a verdict; good only with intact signed bytes', () => {
  fc.assert(
    fc.property(fc.array(mutation(), { minLength: 1, maxLength: 4 }), fc.boolean(), (muts, useRevoked) => {
      const der = apply(crl, muts);
      typedOrOk(() => parseCrl(der));
      const cert = useRevoked ? revokedLeaf.certificate : leaf.certificate;
      const v = verifyCrlForCertificate(der, cert, [inter.certificate]);
      assert.ok(['good', 'revoked', 'invalid'].includes(v.status));
      if (v.status === 'good') assert.ok(sameSigned(crl, der), 'a mutation of the signed bytes was accepted as good');
    }),
    { numRuns: RUNS },
  );
});

test('random and mutated policy text: CW_ERR_POLICY, never a crash', () => {
  const valid = `version: 1\ntrust:\n  cas:\n    - |\n${root.certificate
    .toPem()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')}\nrevocation:\n  mode: hard-fail\n`;
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(mutation(), { minLength: 1, maxLength: 3 }).map((m) => apply(Buffer.from(valid), m).toString('latin1'))), (text) => {
      const file = tmp.write('policy.yaml', text);
      try {
        loadPolicy(file);
      } catch (err) {
        assert.ok(isCertwardenError(err), `untyped error: ${(err as Error)?.stack}`);
      }
    }),
    { numRuns: Math.min(RUNS, 200) },
  );
});
