/**
 * Abort signals and URL caps on the revocation fetch paths, against real
 * HTTP servers on loopback: a CRL fetch shared by several callers ends only
 * when every one of them has given up; a certificate naming many OCSP
 * responders or CRL distribution points is followed only up to the caps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCrl } from '../../src/crl/builder.ts';
import { CrlCache, MAX_CRL_URLS_PER_CERTIFICATE, checkCrlViaDistributionPoints } from '../../src/crl/cache.ts';
import { MAX_OCSP_URLS_PER_CERTIFICATE, queryOcsp } from '../../src/ocsp/fetch.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { hostileHttp, type CountingHttp } from '../scan/hostile/servers.ts';

const root = makeRoot('CN=Abort Root');
const ca = makeIntermediate(root, 'CN=Abort CA');
const crlDer = buildCrl({ issuer: ca, thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 3_600_000), entries: [] });
let slow: http.Server;
let slowUrl: string;
let tarpit: CountingHttp;
const open = new Set<import('node:net').Socket>();

before(async () => {
  // Serves the CRL after 300 ms: long enough to abort during the fetch.
  slow = http.createServer((_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crlDer);
    }, 300);
  });
  slow.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/ca.crl`;
  tarpit = await hostileHttp('hang');
});
after(async () => {
  for (const s of open) s.destroy();
  await new Promise<void>((r) => slow.close(() => r()));
  await tarpit.close();
});

describe('CrlCache.get: abort signals', () => {
  test('one of two callers aborting leaves the shared fetch to the other', async () => {
    const cache = new CrlCache();
    const quitter = new AbortController();
    const a = cache.get(slowUrl, [ca.certificate], { signal: quitter.signal });
    const b = cache.get(slowUrl, [ca.certificate], { signal: new AbortController().signal });
    quitter.abort();
    await assert.rejects(a, /aborted/);
    const got = await b;
    assert.equal(got.verified, true);
    assert.equal(cache.fetches, 1);
  });
  test('when every caller has aborted, the fetch itself is aborted (its connection closes)', async () => {
    const cache = new CrlCache();
    const ac = new AbortController();
    const p = cache.get(`${slowUrl}?2`, [ca.certificate], { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(open.size >= 1);
    ac.abort();
    await assert.rejects(p, /aborted/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(open.size, 0);
  });
  test('an already-aborted signal fetches nothing', async () => {
    const cache = new CrlCache();
    await assert.rejects(cache.get(slowUrl, [ca.certificate], { signal: AbortSignal.abort() }), /aborted/);
    assert.equal(cache.fetches, 0);
  });
});

describe('URL caps per certificate', () => {
  const many = (kind: string): string[] => Array.from({ length: 12 }, (_, i) => tarpit.url(`/${kind}/${i}`));
  let leaf: ReturnType<typeof makeLeaf>;
  before(() => {
    leaf = makeLeaf(ca, 'many.test', { ocspUrls: many('ocsp'), crlUrls: many('crl') });
  });

  test(`a certificate naming 12 OCSP responders: at most ${MAX_OCSP_URLS_PER_CERTIFICATE} are asked`, async () => {
    const before = tarpit.requests.length;
    const r = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, timeoutMs: 200 });
    assert.equal(r.status, 'error');
    assert.equal(tarpit.requests.slice(before).filter((u) => u.startsWith('/ocsp/')).length, MAX_OCSP_URLS_PER_CERTIFICATE);
  });
  test(`a certificate naming 12 CRL distribution points: at most ${MAX_CRL_URLS_PER_CERTIFICATE} are fetched`, async () => {
    const before = tarpit.requests.length;
    const r = await checkCrlViaDistributionPoints(leaf.certificate, { issuers: [ca.certificate], cache: new CrlCache({ fetchOptions: { timeoutMs: 200 } }) });
    assert.equal(r.status, 'error');
    assert.equal(tarpit.requests.slice(before).filter((u) => u.startsWith('/crl/')).length, MAX_CRL_URLS_PER_CERTIFICATE);
  });
  test('an aborted signal stops the remaining OCSP URLs', async () => {
    const before = tarpit.requests.length;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const r = await queryOcsp({ certificate: leaf.certificate, issuer: ca.certificate, timeoutMs: 5_000, signal: ac.signal });
    assert.equal(r.status, 'error');
    assert.ok(performance.now() - t0 < 1_000);
    assert.equal(tarpit.requests.slice(before).length, 1);
  });
});
