/** Fetching CRLs (http, file:, timeout, size cap) and the verified cache. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { isCertwardenError, ErrorCode } from '../../src/errors.ts';
import { makeLeaf, tempDir } from '../helpers/pki.ts';
import { fetchCrl, type FetchedCrl } from '../../src/crl/fetch.ts';
import { CrlCache, checkCrlViaDistributionPoints } from '../../src/crl/cache.ts';
import { Crl } from '../../src/crl/parse.ts';
import { CRL_REASON } from '../../src/crl/verify.ts';
import { crlPki, HOUR } from './pki-fixtures.test.ts';

interface Server {
  url: string;
  hits: Map<string, number>;
  close: () => Promise<void>;
}

async function serve(routes: Record<string, (res: http.ServerResponse) => void>): Promise<Server> {
  const hits = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const route = routes[req.url!];
    if (route) route(res);
    else res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const codeOf = (e: unknown): string | undefined => (isCertwardenError(e) ? e.code : undefined);

test('fetchCrl over http: DER body; 404; timeout; size cap', async () => {
  const p = crlPki();
  const der = p.crl({ entries: [{ serial: 9n, revocationDate: p.now }] });
  const srv = await serve({
    '/ca.crl': (res) => res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(der),
    '/slow.crl': () => {
      /* never answers */
    },
    '/big.crl': (res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(64 * 1024));
      res.end(Buffer.alloc(64 * 1024));
    },
    '/garbage.crl': (res) => res.writeHead(200).end(Buffer.from([0x30, 0x03, 0x01])),
  });
  try {
    const got = await fetchCrl(`${srv.url}/ca.crl`);
    assert.equal(got.crl.revokedCount, 1);
    assert.equal(got.bytes, der.length);
    await assert.rejects(fetchCrl(`${srv.url}/missing.crl`), (e) => codeOf(e) === ErrorCode.FETCH);
    const t0 = Date.now();
    await assert.rejects(fetchCrl(`${srv.url}/slow.crl`, { timeoutMs: 200 }), (e) => codeOf(e) === ErrorCode.FETCH_TIMEOUT);
    assert.ok(Date.now() - t0 < 2000);
    await assert.rejects(fetchCrl(`${srv.url}/big.crl`, { maxBytes: 100_000 }), (e) => codeOf(e) === ErrorCode.FETCH_TOO_LARGE);
    await assert.rejects(fetchCrl(`${srv.url}/garbage.crl`), (e) => codeOf(e) === ErrorCode.CRL_PARSE);
  } finally {
    await srv.close();
  }
});

test('fetchCrl over http refuses a body that is not DER (PEM, base64, BEGIN flood) as a malformed CRL, quickly', async () => {
  // RFC 5280 §4.2.1.13: a CRL fetched over HTTP is DER. Anything else is a malformed answer, and is not PEM-decoded.
  const p = crlPki();
  const der = p.crl();
  const srv = await serve({
    '/ca.pem': (res) => res.writeHead(200).end(`-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`),
    '/ca.b64': (res) => res.writeHead(200).end(der.toString('base64')),
    '/flood.crl': (res) => res.writeHead(200).end('-----BEGIN X509 CRL-----\n'.repeat(160_000)),
  });
  try {
    for (const path of ['/ca.pem', '/ca.b64', '/flood.crl']) {
      await assert.rejects(fetchCrl(`${srv.url}${path}`), (e) => codeOf(e) === ErrorCode.CRL_PARSE && /not DER/.test((e as Error).message), path);
    }
  } finally {
    await srv.close();
  }
});

test('fetchCrl from file: URLs only when allowed; a local file may be PEM', async () => {
  const p = crlPki();
  const tmp = tempDir();
  try {
    const file = tmp.write('ca.crl', p.crl());
    const url = pathToFileURL(file).href;
    await assert.rejects(fetchCrl(url), (e) => codeOf(e) === ErrorCode.FETCH_UNSUPPORTED);
    const got = await fetchCrl(url, { allowFile: true });
    assert.equal(got.crl.revokedCount, 0);
    const pemFile = tmp.write('ca.pem', `-----BEGIN X509 CRL-----\n${p.crl().toString('base64')}\n-----END X509 CRL-----\n`);
    assert.equal((await fetchCrl(pathToFileURL(pemFile).href, { allowFile: true })).crl.revokedCount, 0);
    await assert.rejects(fetchCrl(url, { allowFile: true, maxBytes: 10 }), (e) => codeOf(e) === ErrorCode.FETCH_TOO_LARGE);
    await assert.rejects(fetchCrl('ftp://example.invalid/x.crl'), (e) => codeOf(e) === ErrorCode.FETCH_UNSUPPORTED);
  } finally {
    tmp.cleanup();
  }
});

test('cache: one fetch for concurrent requests, kept until nextUpdate and never past it', async () => {
  const p = crlPki();
  let clock = p.now.getTime();
  let fetches = 0;
  const der = p.crl({ nextUpdate: new Date(p.now.getTime() + HOUR) });
  const fakeFetch = async (url: string): Promise<FetchedCrl> => {
    fetches++;
    await new Promise((r) => setTimeout(r, 20));
    return { url, crl: Crl.parse(der), fetchedAt: new Date(clock), bytes: der.length };
  };
  const cache = new CrlCache({ now: () => clock, fetch: fakeFetch });
  const issuers = [p.ca.certificate];
  const all = await Promise.all([1, 2, 3, 4, 5].map(() => cache.get('http://crl.example/ca.crl', issuers)));
  assert.equal(fetches, 1);
  assert.ok(all.every((x) => x.crl === all[0]!.crl && x.verified));
  const again = await cache.get('http://crl.example/ca.crl', issuers);
  assert.equal(again.cached, true);
  assert.equal(again.validUntil.getTime(), p.now.getTime() + HOUR);
  assert.equal(fetches, 1);
  clock = p.now.getTime() + HOUR; // nextUpdate reached: refetch
  const later = await cache.get('http://crl.example/ca.crl', issuers);
  assert.equal(later.cached, false);
  assert.equal(fetches, 2);
  // Another URL is another entry.
  await cache.get('http://crl.example/other.crl', issuers);
  assert.equal(fetches, 3);
});

test('cache: an unverifiable CRL is returned flagged, and not kept', async () => {
  const p = crlPki();
  let fetches = 0;
  const bad = p.crl({ corruptSignature: true });
  const cache = new CrlCache({
    fetch: async (url) => {
      fetches++;
      return { url, crl: Crl.parse(bad), fetchedAt: new Date(), bytes: bad.length };
    },
  });
  const first = await cache.get('http://crl.example/ca.crl', [p.ca.certificate]);
  assert.equal(first.verified, false);
  await cache.get('http://crl.example/ca.crl', [p.ca.certificate]);
  assert.equal(fetches, 2);
  assert.equal(cache.size, 0);
});

test('checkCrlViaDistributionPoints: good, revoked, and fetch failure is an error', async () => {
  const base = crlPki();
  let der: Buffer = Buffer.alloc(0) as Buffer;
  const srv = await serve({ '/ca.crl': (res) => res.writeHead(200).end(der) });
  try {
    const goodLeaf = makeLeaf(base.ca, 'good.example', { crlUrls: [`${srv.url}/ca.crl`] });
    const revokedLeaf = makeLeaf(base.ca, 'revoked.example', { crlUrls: [`${srv.url}/ca.crl`] });
    const deadLeaf = makeLeaf(base.ca, 'dead.example', { crlUrls: [`${srv.url}/nothing.crl`] });
    der = base.crl({ entries: [{ serial: revokedLeaf.certificate.serialBytes, revocationDate: base.now, reason: 'superseded' }] });
    const cache = new CrlCache();
    const issuers = [base.ca.certificate];
    const good = await checkCrlViaDistributionPoints(goodLeaf.certificate, { issuers, cache });
    assert.equal(good.status, 'good');
    const revoked = await checkCrlViaDistributionPoints(revokedLeaf.certificate, { issuers, cache });
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revocationReason, 'superseded');
    assert.equal(revoked.evidence[0]?.cached, true);
    assert.equal(srv.hits.get('/ca.crl'), 1);
    const dead = await checkCrlViaDistributionPoints(deadLeaf.certificate, { issuers, cache });
    assert.equal(dead.status, 'error');
    assert.deepEqual(dead.reasons.map((r) => r.code), [CRL_REASON.fetchFailed]);
    const none = await checkCrlViaDistributionPoints(base.leaf.certificate, { issuers, cache });
    assert.deepEqual(none.reasons.map((r) => r.code), [CRL_REASON.noDistributionPoint]);
  } finally {
    await srv.close();
  }
});
