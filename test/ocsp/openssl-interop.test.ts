/**
 * Interop with OpenSSL's own OCSP responder (`openssl ocsp -port`), queried
 * live over loopback, and OpenSSL's verifier run on responses we build.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { buildTamperedOcspResponse } from '../../src/ocsp/internal/response-encoder.ts';
import { queryOcsp } from '../../src/ocsp/fetch.ts';
import { OcspReason } from '../../src/ocsp/reasons.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { freePort, runOpenssl, startHangingServer, startOpensslResponder, type OpensslResponder } from '../helpers/openssl-ocsp.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, tempDir } from '../helpers/pki.ts';

const root = makeRoot('CN=Interop Root');
const ca = makeIntermediate(root, 'CN=Interop Issuing CA');
const good = makeLeaf(ca, 'good.example');
const revoked = makeLeaf(ca, 'revoked.example');
const stranger = makeLeaf(ca, 'not-in-index.example');
const responder = makeOcspResponder(ca);
const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);

const entries = [
  { certificate: good.certificate, status: 'V' as const },
  { certificate: revoked.certificate, status: 'R' as const, revocationTime: revokedAt, reason: 'keyCompromise' },
];

describe('live queries against openssl ocsp -port', () => {
  let delegatedResponder: OpensslResponder;
  let issuerResponder: OpensslResponder;
  before(async () => {
    delegatedResponder = await startOpensslResponder({ ca, signer: responder, entries });
    issuerResponder = await startOpensslResponder({ ca, signer: ca, entries, extraArgs: ['-resp_key_id'] });
  });
  after(async () => {
    await delegatedResponder?.stop();
    await issuerResponder?.stop();
  });

  const base = () => ({ issuer: ca.certificate, url: delegatedResponder.url, timeoutMs: 5_000, maxBytes: 65_536 });

  test('good (GET, delegated responder)', async () => {
    const r = await queryOcsp({ ...base(), certificate: good.certificate, preferGet: true });
    assert.equal(r.method, 'GET');
    assert.equal(r.status, 'good', JSON.stringify(r.reasons));
    assert.equal(r.verification?.signer, 'delegated');
    assert.ok(r.verification?.responderCertificate?.equals(responder.certificate));
    assert.match(r.evidence[0]!.signer!, /^delegated: /);
    assert.ok(r.validUntil && r.validUntil.getTime() > Date.now());
  });

  test('good (POST with a nonce, SHA-256 CertID)', async () => {
    const r = await queryOcsp({ ...base(), certificate: good.certificate, nonce: true, requireNonce: true, hashAlgorithm: 'sha256' });
    assert.equal(r.method, 'POST');
    assert.equal(r.status, 'good', JSON.stringify(r.reasons));
  });

  test('revoked, with reason and time', async () => {
    const r = await queryOcsp({ ...base(), certificate: revoked.certificate });
    assert.equal(r.status, 'revoked', JSON.stringify(r.reasons));
    assert.equal(r.revocationReason, 'keyCompromise');
    assert.equal(r.revocationTime?.getTime(), revokedAt.getTime());
  });

  test('unknown (serial not in index.txt) is not good', async () => {
    const r = await queryOcsp({ ...base(), certificate: stranger.certificate });
    assert.equal(r.status, 'unknown', JSON.stringify(r.reasons));
    assert.equal(r.reasons[0]?.code, OcspReason.UNKNOWN_STATUS);
  });

  test('issuer-signed responses (ResponderID byKey)', async () => {
    const g = await queryOcsp({ ...base(), url: issuerResponder.url, certificate: good.certificate });
    assert.equal(g.status, 'good', JSON.stringify(g.reasons));
    assert.equal(g.verification?.signer, 'issuer');
    const r = await queryOcsp({ ...base(), url: issuerResponder.url, certificate: revoked.certificate, preferGet: false });
    assert.equal(r.status, 'revoked');
  });

  test('a response for another CA (wrong issuer given) is invalid, not good', async () => {
    const other = makeIntermediate(root, 'CN=Interop Issuing CA');
    const r = await queryOcsp({ ...base(), issuer: other.certificate, certificate: good.certificate });
    assert.equal(r.status, 'error');
  });
});

describe('responders that fail', () => {
  test('connection refused', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await queryOcsp({ certificate: good.certificate, issuer: ca.certificate, url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000 });
    assert.equal(r.status, 'error');
    assert.equal(r.reasons[0]?.code, OcspReason.FETCH_FAILED);
    assert.ok(Date.now() - started < 2_000);
  });

  test('responder that hangs: timeout', async () => {
    const hang = await startHangingServer();
    try {
      const started = Date.now();
      const r = await queryOcsp({ certificate: good.certificate, issuer: ca.certificate, url: hang.url, timeoutMs: 300 });
      assert.equal(r.status, 'error');
      assert.equal(r.reasons[0]?.code, OcspReason.FETCH_TIMEOUT);
      assert.ok(Date.now() - started < 2_000);
    } finally {
      await hang.stop();
    }
  });
});

describe('OpenSSL verifies what we build, and parses what we ask', () => {
  const tmp = tempDir('certwarden-ocsp-interop-');
  after(() => tmp.cleanup());

  const verifyArgs = (resp: string, extra: string[]) => [
    'ocsp', '-respin', resp, '-issuer', join(tmp.dir, 'ca.pem'), '-cert', join(tmp.dir, 'leaf.pem'),
    '-CAfile', join(tmp.dir, 'root.pem'), '-verify_other', join(tmp.dir, 'ca.pem'), '-no-CApath', '-no-CAstore', ...extra,
  ];

  before(() => {
    tmp.write('ca.pem', ca.certificate.toPem());
    tmp.write('root.pem', root.certificate.toPem());
    tmp.write('leaf.pem', good.certificate.toPem());
  });

  test('issuer-signed and delegated responses from buildOcspResponse verify with openssl ocsp', async () => {
    for (const [name, signer] of [['issuer', ca], ['delegated', responder]] as const) {
      const der = buildOcspResponse({ issuer: ca.certificate, signer, responses: [{ certificate: good.certificate, status: 'good' }] });
      const file = tmp.write(`${name}.der`, der);
      const out = await runOpenssl(verifyArgs(file, []));
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr + out.stdout, /Response verify OK/);
      assert.match(out.stdout, /: good/);
    }
  });

  test('a flipped signature bit is refused by openssl too', async () => {
    const der = buildTamperedOcspResponse({ issuer: ca.certificate, signer: ca, responses: [{ certificate: good.certificate, status: 'good' }], tamper: { signature: (s) => { s[s.length - 1]! ^= 1; return s; } } });
    const out = await runOpenssl(verifyArgs(tmp.write('bad.der', der), []));
    assert.doesNotMatch(out.stderr + out.stdout, /Response verify OK/);
    assert.match(out.stderr, /Response Verify Failure/i);
  });

  test('our request parses with openssl ocsp -reqin', async () => {
    const req = buildOcspRequest({ certificate: good.certificate, issuer: ca.certificate, nonce: true });
    const file = join(tmp.dir, 'req.der');
    writeFileSync(file, req.der);
    const out = await runOpenssl(['ocsp', '-reqin', file, '-req_text']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`Serial Number: ${good.certificate.serialHex.toUpperCase()}`));
    assert.match(out.stdout, /OCSP Nonce/);
  });
});
