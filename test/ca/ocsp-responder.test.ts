/** The CA's OCSP responder and HTTP server: pre-signing, statuses, errors, cache headers, refresh, rotation, cross-process revocation. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { OcspResponder } from '../../src/ca/ocsp-responder.ts';
import { startCaServer, type CaServer } from '../../src/ca/server.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { OID } from '../../src/x509/oids.ts';
import { makeRoot } from '../helpers/pki.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';

async function post(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${url}/ocsp`, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request', ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function responseStatus(der: Uint8Array): number {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }: the ENUMERATED's one content octet.
  return der[4]!;
}

describe('ca serve: OCSP over HTTP', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let server: CaServer;
  let good: Certificate;
  let revoked: Certificate;
  before(async () => {
    f = await freshCa();
    good = (await f.ca.issue({ profile: 'server', sans: ['DNS:good.test'] })).certificate;
    revoked = (await f.ca.issue({ profile: 'server', sans: ['DNS:revoked.test'] })).certificate;
    await f.ca.revoke(revoked, 'keyCompromise');
    server = await startCaServer(f.ca, { pollMs: 20 });
  });
  after(async () => {
    await server.close();
    await f.cleanup();
  });

  test('known serials are answered from pre-signed responses: no signature on the request path', async () => {
    const before = server.responder.stats.signatures;
    for (let i = 0; i < 20; i++) {
      const cert = i % 2 ? good : revoked;
      const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert });
      const res = i % 4 < 2 ? await post(server.url, req.der) : await get(`${server.url}/ocsp/${encodeURIComponent(req.der.toString('base64'))}`);
      assert.equal(res.status, 200);
      const v = verifyOcspResponse(res.body, { certificate: cert, issuer: f.ca.issuing.certificate });
      assert.equal(v.status, cert === good ? 'good' : 'revoked', JSON.stringify(v.reasons));
      if (cert === revoked) assert.equal(v.revocationReason, 'keyCompromise');
      assert.match(v.signer ?? '', /delegated/);
    }
    assert.equal(server.responder.stats.signatures, before, 'no signing for known serials');
  });

  test('base64url GET works too', async () => {
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: good });
    const res = await get(`${server.url}/ocsp/${req.der.toString('base64url')}`);
    assert.equal(verifyOcspResponse(res.body, { certificate: good, issuer: f.ca.issuing.certificate }).status, 'good');
  });

  test('RFC 5019 §6 cache headers, and 304 on If-None-Match', async () => {
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: good });
    const res = await post(server.url, req.der);
    assert.equal(res.headers.get('content-type'), 'application/ocsp-response');
    assert.match(res.headers.get('cache-control') ?? '', /^max-age=\d+, public, no-transform, must-revalidate$/);
    const parsed = parseOcspResponse(res.body);
    const single = parsed.basic!.responses[0]!;
    assert.equal(new Date(res.headers.get('last-modified')!).getTime(), single.thisUpdate.getTime());
    assert.equal(new Date(res.headers.get('expires')!).getTime(), single.nextUpdate!.getTime());
    const etag = res.headers.get('etag')!;
    assert.ok(etag);
    const again = await get(`${server.url}/ocsp/${encodeURIComponent(req.der.toString('base64'))}`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
  });

  test('cache headers follow a re-signed response (formatted once per signed response, not stale)', async () => {
    const cert = (await f.ca.issue({ profile: 'server', sans: ['DNS:headers.test'] })).certificate;
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert });
    const first = await post(server.url, req.der);
    const again = await post(server.url, req.der);
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    assert.equal(again.headers.get('last-modified'), first.headers.get('last-modified'));
    await new Promise((r) => setTimeout(r, 1100)); // thisUpdate has whole-second precision
    await f.ca.revoke(cert, 'superseded');
    const after = await post(server.url, req.der);
    const single = parseOcspResponse(after.body).basic!.responses[0]!;
    assert.equal(single.status, 'revoked');
    assert.notEqual(after.headers.get('etag'), first.headers.get('etag'));
    assert.equal(new Date(after.headers.get('last-modified')!).getTime(), single.thisUpdate.getTime());
    assert.equal(new Date(after.headers.get('expires')!).getTime(), single.nextUpdate!.getTime());
    assert.ok(new Date(after.headers.get('last-modified')!).getTime() > new Date(first.headers.get('last-modified')!).getTime());
    const notModified = await post(server.url, req.der, { 'if-none-match': after.headers.get('etag')! });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
    assert.match(notModified.headers.get('cache-control') ?? '', /^max-age=\d+, public, no-transform, must-revalidate$/);
  });

  test('a serial never issued is unknown (never good)', async () => {
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, serial: 0x1234567890abcdefn });
    const res = await post(server.url, req.der);
    const parsed = parseOcspResponse(res.body);
    assert.equal(parsed.basic!.responses[0]!.status, 'unknown');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-store');
  });

  test('another issuer is unauthorized; garbage and oversized requests are malformedRequest', async () => {
    const other = makeRoot('CN=Other CA');
    const req = buildOcspRequest({ issuer: other.certificate, serial: good.serialBytes });
    assert.equal(responseStatus((await post(server.url, req.der)).body), 6);
    assert.equal(responseStatus((await post(server.url, Buffer.from('hello'))).body), 1);
    assert.equal(responseStatus((await post(server.url, Buffer.alloc(20_000, 0x30))).body), 1);
    assert.equal(responseStatus((await get(`${server.url}/ocsp/%%%`)).body), 1);
  });

  test('a nonce is echoed (signed on demand) and verified', async () => {
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: good, nonce: true });
    const before = server.responder.stats.onDemand;
    const res = await post(server.url, req.der);
    const v = verifyOcspResponse(res.body, { certificate: good, issuer: f.ca.issuing.certificate, nonce: req.nonce!, requireNonce: true });
    assert.equal(v.status, 'good', JSON.stringify(v.reasons));
    assert.equal(server.responder.stats.onDemand, before + 1);
  });

  test('CRL and CA certificates are served', async () => {
    const crl = await get(`${server.url}/crl`);
    assert.equal(crl.headers.get('content-type'), 'application/pkix-crl');
    assert.equal(verifyCrlForCertificate(crl.body, revoked, [f.ca.issuing.certificate]).status, 'revoked');
    const der = await get(`${server.url}/ca.der`);
    assert.ok(new Certificate(der.body).equals(f.ca.issuing.certificate));
    const pem = await get(`${server.url}/ca.pem`);
    assert.equal(Certificate.parseAll(pem.body).length, 2);
    assert.equal((await get(`${server.url}/nope`)).status, 404);
  });

  test('a revocation by another process is seen in the next OCSP answer and the next CRL (latency measured)', async () => {
    const victim = (await f.ca.issue({ profile: 'server', sans: ['DNS:victim.test'] })).certificate;
    // A second connection to the same store, as `certwarden ca revoke` in another process would be.
    const other = await CertificateAuthority.open(f.dir, PASSPHRASE);
    try {
      const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: victim });
      assert.equal(verifyOcspResponse((await post(server.url, req.der)).body, { certificate: victim, issuer: f.ca.issuing.certificate }).status, 'good');
      const t0 = performance.now();
      await other.revoke(victim.serialHex, 'cessationOfOperation');
      let status = 'good';
      let polls = 0;
      while (status !== 'revoked' && polls++ < 500) {
        status = verifyOcspResponse((await post(server.url, req.der)).body, { certificate: victim, issuer: f.ca.issuing.certificate }).status;
        if (status !== 'revoked') await new Promise((r) => setTimeout(r, 2));
      }
      const latency = performance.now() - t0;
      assert.equal(status, 'revoked');
      assert.equal(verifyCrlForCertificate((await get(`${server.url}/crl`)).body, victim, [f.ca.issuing.certificate]).status, 'revoked');
      console.log(`# cross-process revocation → OCSP: ${latency.toFixed(1)} ms with pollMs=20`);
    } finally {
      await other.close();
    }
  });
});

describe('OcspResponder: refresh, rotation, issuer mode', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa()));
  after(async () => f.cleanup());

  test('responses are re-signed after half their window; the delegated certificate rotates after half its life', async () => {
    const cert = (await f.ca.issue({ profile: 'server', sans: ['DNS:refresh.test'] })).certificate;
    let now = Date.now();
    const r = new OcspResponder(f.ca, { now: () => new Date(now), responseValidityMs: 3_600_000, responderValidityMs: 4 * 3_600_000 });
    await r.load();
    const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert });
    const first = await r.answer(req.der);
    assert.equal((await r.refresh()).resigned, 0, 'nothing is due yet');
    now += 31 * 60_000;
    const step = await r.refresh();
    assert.ok(step.resigned >= 1 && !step.rotated);
    const second = await r.answer(req.der);
    assert.ok(second.cache!.thisUpdate > first.cache!.thisUpdate);
    const signerBefore = r.identity.signer.certificate;
    now += 2 * 3_600_000;
    assert.equal((await r.refresh()).rotated, true);
    assert.ok(!r.identity.signer.certificate.equals(signerBefore));
    const third = await r.answer(req.der);
    const v = verifyOcspResponse(third.body, { certificate: cert, issuer: f.ca.issuing.certificate, at: new Date(now) });
    assert.equal(v.status, 'good', JSON.stringify(v.reasons));
    const responderCert = r.identity.signer.certificate;
    assert.deepEqual(responderCert.extKeyUsage, [OID.ocspSigning]);
    assert.equal(responderCert.ocspNoCheck, true);
    assert.equal(responderCert.notAfter.getTime() - responderCert.notBefore.getTime(), 4 * 3_600_000);
  });

  test('a response never outlives its delegated signer (validated at construction)', async () => {
    assert.throws(() => new OcspResponder(f.ca, { responseValidityMs: 86_400_000, responderValidityMs: 86_400_000 }), /at most half/);
  });

  test('the request path answers a pre-signed serial synchronously (no promise per request), and signs on demand only for a nonce', async () => {
    const cert = (await f.ca.issue({ profile: 'server', sans: ['DNS:fast-lane.test'] })).certificate;
    const r = new OcspResponder(f.ca);
    await r.load();
    const plain = r.respond(buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert }).der);
    assert.ok(!(plain instanceof Promise), 'a pre-signed answer is returned as it is');
    assert.equal(plain.signedOnDemand, false);
    assert.ok(!(r.respond(Buffer.from('not an OCSP request')) instanceof Promise), 'an error status needs no signature either');
    const withNonce = r.respond(buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert, nonce: true }).der);
    assert.ok(withNonce instanceof Promise, 'a nonce must be signed');
    const v = verifyOcspResponse((await withNonce).body, { certificate: cert, issuer: f.ca.issuing.certificate });
    assert.equal(v.status, 'good', JSON.stringify(v.reasons));
  });

  test('issuer mode signs with the issuing CA key', async () => {
    const cert = (await f.ca.issue({ profile: 'client', sans: ['DNS:issuer-mode.test'] })).certificate;
    const r = new OcspResponder(f.ca, { mode: 'issuer' });
    await r.load();
    const v = verifyOcspResponse((await r.answer(buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert }).der)).body, { certificate: cert, issuer: f.ca.issuing.certificate });
    assert.equal(v.status, 'good');
    assert.equal(v.signer, 'issuer');
  });
});
