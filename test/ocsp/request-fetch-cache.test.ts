/**
 * OCSP requests, the HTTP client (with an injected transport) and the cache
 * (with an injected clock).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as asn1Ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { FetchOptions, FetchResult } from '../../src/net/http-fetch.ts';
import { CertwardenError, ErrorCode } from '../../src/errors.ts';
import { buildErrorResponse, buildOcspResponse } from '../../src/ocsp/builder.ts';
import { OcspCache } from '../../src/ocsp/cache.ts';
import { certIdKey, computeCertId } from '../../src/ocsp/cert-id.ts';
import { queryOcsp } from '../../src/ocsp/fetch.ts';
import { OcspReason } from '../../src/ocsp/reasons.ts';
import { buildOcspRequest, MAX_GET_REQUEST_LENGTH, ocspGetUrl } from '../../src/ocsp/request.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=Unit Root');
const ca = makeIntermediate(root, 'CN=Unit CA');
const leaf = makeLeaf(ca, 'unit.example', { ocspUrls: ['http://127.0.0.1:9/ocsp'] });
const DAY = 86_400_000;

describe('requests', () => {
  test('SHA-1 CertID by default, decodable by an independent ASN.1 schema', () => {
    const req = buildOcspRequest({ certificate: leaf.certificate, issuer: ca.certificate });
    const decoded = AsnConvert.parse(req.der, asn1Ocsp.OCSPRequest);
    const one = decoded.tbsRequest.requestList[0]!;
    assert.equal(one.reqCert.hashAlgorithm.algorithm, '1.3.14.3.2.26');
    assert.equal(Buffer.from(one.reqCert.serialNumber).toString('hex').replace(/^(00)+/, ''), leaf.certificate.serialHex);
    assert.equal(one.reqCert.issuerKeyHash.byteLength, 20);
    assert.equal(decoded.tbsRequest.requestExtensions, undefined);
    assert.equal(req.nonce, undefined);
  });
  test('SHA-256 CertID and a nonce', () => {
    const req = buildOcspRequest({ certificate: leaf.certificate, issuer: ca.certificate, hashAlgorithm: 'sha256', nonce: true });
    const decoded = AsnConvert.parse(req.der, asn1Ocsp.OCSPRequest);
    assert.equal(decoded.tbsRequest.requestList[0]!.reqCert.hashAlgorithm.algorithm, '2.16.840.1.101.3.4.2.1');
    assert.equal(decoded.tbsRequest.requestList[0]!.reqCert.issuerKeyHash.byteLength, 32);
    assert.equal(req.nonce?.length, 16);
    assert.equal(decoded.tbsRequest.requestExtensions?.[0]?.extnID, '1.3.6.1.5.5.7.48.1.2');
    assert.throws(() => buildOcspRequest({ certificate: leaf.certificate, issuer: ca.certificate, nonce: Buffer.alloc(33) }), (e: unknown) => e instanceof CertwardenError && e.code === ErrorCode.USAGE);
  });
  test('GET URL: base64 then URL-encoded, only up to 255 bytes (RFC 5019 §5)', () => {
    const req = buildOcspRequest({ certificate: leaf.certificate, issuer: ca.certificate });
    const url = ocspGetUrl('http://ocsp.example/', req.der)!;
    const tail = url.slice('http://ocsp.example/'.length);
    assert.ok(tail.length <= MAX_GET_REQUEST_LENGTH);
    assert.doesNotMatch(tail, /[+/=]/);
    assert.deepEqual(Buffer.from(decodeURIComponent(tail), 'base64'), req.der);
    assert.equal(ocspGetUrl('http://ocsp.example', req.der), url, 'a slash is added when missing');
    assert.equal(ocspGetUrl('http://ocsp.example/', Buffer.alloc(300, 1)), undefined);
  });
});

describe('parsing', () => {
  test('parseOcspResponse accepts PEM/base64 forms and exposes structure', () => {
    const der = buildOcspResponse({ issuer: ca.certificate, signer: ca, responses: [{ certificate: leaf.certificate, status: 'revoked', reason: 'cessationOfOperation' }] });
    const p = parseOcspResponse(der.toString('base64'));
    assert.equal(p.responseStatusName, 'successful');
    assert.equal(p.basic?.responses[0]?.status, 'revoked');
    assert.equal(p.basic?.responses[0]?.revocationReason, 'cessationOfOperation');
    assert.equal(parseOcspResponse(buildErrorResponse('tryLater')).responseStatusName, 'tryLater');
    assert.throws(() => parseOcspResponse(Buffer.from([0x30, 0x03, 0x0a, 0x01])), (e: unknown) => e instanceof CertwardenError && e.code === ErrorCode.OCSP_PARSE);
  });
  test('verifyOcspResponse takes DER, bare base64 (as .ors files) and PEM', () => {
    const der = buildOcspResponse({ issuer: ca.certificate, signer: ca, responses: [{ certificate: leaf.certificate, status: 'good' }] });
    const opts = { certificate: leaf.certificate, issuer: ca.certificate };
    assert.equal(verifyOcspResponse(der, opts).status, 'good');
    assert.equal(verifyOcspResponse(der.toString('base64'), opts).status, 'good');
    assert.equal(verifyOcspResponse(Buffer.from(der.toString('base64')), opts).status, 'good');
    const pem = `-----BEGIN OCSP RESPONSE-----\n${der.toString('base64')}\n-----END OCSP RESPONSE-----\n`;
    assert.equal(verifyOcspResponse(pem, opts).status, 'good');
  });
  test('verifyOcspResponse never throws, whatever the input', () => {
    for (const junk of [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x80, 0, 0]), Buffer.alloc(64, 0xff), Buffer.from('not der at all')]) {
      const r = verifyOcspResponse(junk, { certificate: leaf.certificate, issuer: ca.certificate });
      assert.equal(r.status, 'invalid');
      assert.ok(r.reasons.length > 0);
    }
  });
});

/** A fake transport that records calls and answers with a canned response. */
function fakeFetch(answer: (url: string, o: FetchOptions) => Partial<FetchResult> | Error) {
  const calls: Array<{ url: string; options: FetchOptions }> = [];
  const fn = async (url: string, options: FetchOptions): Promise<FetchResult> => {
    calls.push({ url, options });
    const a = answer(url, options);
    if (a instanceof Error) throw a;
    return { status: 200, headers: { 'content-type': 'application/ocsp-response' }, body: Buffer.alloc(0), url, ...a };
  };
  return { fn, calls };
}

describe('queryOcsp with an injected transport', () => {
  const goodDer = (o: { nonce?: Uint8Array; now?: number; nextUpdate?: Date | null } = {}) =>
    buildOcspResponse({
      issuer: ca.certificate,
      signer: ca,
      producedAt: new Date(o.now ?? Date.now()),
      responses: [{ certificate: leaf.certificate, status: 'good', ...(o.nextUpdate !== undefined ? { nextUpdate: o.nextUpdate } : {}) }],
      ...(o.nonce ? { nonce: o.nonce } : {}),
    });

  test('uses the AIA URL and GET by default, POST with the right Content-Type otherwise', async () => {
    const t = fakeFetch(() => ({ body: goodDer() }));
    const r = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: t.fn });
    assert.equal(r.status, 'good');
    assert.equal(t.calls[0]!.options.method, 'GET');
    assert.ok(t.calls[0]!.url.startsWith('http://127.0.0.1:9/ocsp/'));
    await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: t.fn, preferGet: false, timeoutMs: 1234, maxBytes: 999 });
    const post = t.calls[1]!.options;
    assert.equal(post.method, 'POST');
    assert.equal(post.headers?.['content-type'], 'application/ocsp-request');
    assert.equal(post.timeoutMs, 1234);
    assert.equal(post.maxBytes, 999);
    assert.ok(post.body && post.body.length > 0);
  });

  test('nonce: echoed → good; another nonce → error', async () => {
    const echo = fakeFetch((_u, o) => {
      const req = AsnConvert.parse(o.body!, asn1Ocsp.OCSPRequest);
      const ext = req.tbsRequest.requestExtensions![0]!;
      const nonce = AsnConvert.parse(ext.extnValue.buffer, asn1Ocsp.Nonce);
      return { body: goodDer({ nonce: Buffer.from(nonce.buffer) }) };
    });
    const ok = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: echo.fn, nonce: true, requireNonce: true });
    assert.equal(ok.status, 'good', JSON.stringify(ok.reasons));
    assert.equal(echo.calls[0]!.options.method, 'POST');
    const liar = fakeFetch(() => ({ body: goodDer({ nonce: Buffer.from('0000000000000000') }) }));
    const bad = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: liar.fn, nonce: true });
    assert.equal(bad.status, 'error');
    assert.equal(bad.reasons[0]?.code, OcspReason.NONCE_MISMATCH);
  });

  test('HTTP status, Content-Type, transport errors, missing URL', async () => {
    const cases: Array<[Partial<FetchResult> | Error, string]> = [
      [{ status: 500, body: goodDer() }, OcspReason.HTTP_STATUS],
      [{ headers: { 'content-type': 'text/html' }, body: goodDer() }, OcspReason.CONTENT_TYPE],
      [{ headers: {}, body: goodDer() }, OcspReason.CONTENT_TYPE],
      [new CertwardenError(ErrorCode.FETCH_TIMEOUT, 'slow'), OcspReason.FETCH_TIMEOUT],
      [new CertwardenError(ErrorCode.FETCH_TOO_LARGE, 'big'), OcspReason.FETCH_TOO_LARGE],
      [new CertwardenError(ErrorCode.FETCH, 'refused'), OcspReason.FETCH_FAILED],
      [{ body: buildErrorResponse('unauthorized') }, OcspReason.STATUS_UNAUTHORIZED],
    ];
    for (const [answer, code] of cases) {
      const r = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: fakeFetch(() => answer).fn });
      assert.equal(r.status, 'error');
      assert.equal(r.reasons[0]?.code, code);
      assert.equal(r.evidence[0]?.status, 'error');
    }
    const noAia = makeLeaf(ca, 'no-aia.example');
    const r = await queryOcsp({ certificate: noAia.certificate, issuer: ca.certificate });
    assert.equal(r.reasons[0]?.code, OcspReason.NO_URL);
    // content-type with parameters is fine
    const p = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, fetch: fakeFetch(() => ({ headers: { 'content-type': 'Application/OCSP-Response; charset=binary' }, body: goodDer() })).fn });
    assert.equal(p.status, 'good');
  });

  test('the cache serves verified results until nextUpdate, never past it, and never invalid ones', async () => {
    let now = Date.now();
    const cache = new OcspCache({ now: () => now });
    const t = fakeFetch(() => ({ body: goodDer({ now, nextUpdate: new Date(now + DAY) }) }));
    const opts = { certificate: leaf.certificate, issuer: ca.certificate, fetch: t.fn, cache };
    const first = await queryOcsp(opts);
    assert.equal(first.status, 'good');
    assert.equal(first.evidence[0]?.cached, false);
    const second = await queryOcsp(opts);
    assert.equal(second.evidence[0]?.cached, true);
    assert.equal(t.calls.length, 1);
    now += DAY - 1000;
    assert.equal((await queryOcsp(opts)).evidence[0]?.cached, true);
    now += 2000; // past nextUpdate
    const third = await queryOcsp(opts);
    assert.equal(third.evidence[0]?.cached, false);
    assert.equal(t.calls.length, 2);

    // invalid answers are not cached
    const bad = fakeFetch(() => ({ body: buildErrorResponse('tryLater') }));
    const badCache = new OcspCache({ now: () => now });
    await queryOcsp({ ...opts, fetch: bad.fn, cache: badCache });
    await queryOcsp({ ...opts, fetch: bad.fn, cache: badCache });
    assert.equal(bad.calls.length, 2);
    assert.equal(badCache.size, 0);
  });

  test('cache: no nextUpdate → not cached; maxTtlMs caps; maxEntries evicts; key is the CertID', () => {
    const now = Date.now();
    const cache = new OcspCache({ now: () => now, maxEntries: 2, maxTtlMs: 60_000 });
    const v = verifyOcspResponse(goodDer({ nextUpdate: null }), { certificate: leaf.certificate, issuer: ca.certificate });
    assert.equal(v.status, 'good');
    assert.equal(cache.set('a', v), false);
    const withNext = verifyOcspResponse(goodDer(), { certificate: leaf.certificate, issuer: ca.certificate });
    assert.equal(cache.set('a', withNext), true);
    assert.equal(cache.get('a')?.expiresAt.getTime(), now + 60_000);
    cache.set('b', withNext);
    cache.set('c', withNext);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined);
    assert.equal(OcspCache.key(leaf.certificate, ca.certificate), certIdKey(computeCertId(ca.certificate, leaf.certificate)));
    assert.equal(cache.set('x', { status: 'invalid', reasons: [] }), false);
  });
});
