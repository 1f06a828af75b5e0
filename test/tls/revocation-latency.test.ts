/**
 * Revocation latency (ASVS V9.2.4, field trial items 9.6 and 9.7): after the
 * responder starts answering `revoked`, each enforcement path refuses the
 * certificate once `revocation.max-staleness` has passed, even though the
 * good answer it holds (cached, or stapled by a server that keeps stapling
 * its cache) is valid for 24 h. Time moves through the injectable clocks;
 * the only assertion on time is "refused after the bound".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { request as undiciRequest } from 'undici';
import { createAgent } from '../../src/tls/agent.ts';
import { createDispatcher } from '../../src/tls/dispatcher.ts';
import { attachClientVerification, createServerOptions } from '../../src/tls/server-options.ts';
import { createStapler } from '../../src/tls/stapler.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { DEFAULTS } from '../../src/policy/defaults.ts';
import { keyPem, type TestIdentity } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startHttpsServer, type CountingServer } from './helpers/servers.ts';
import { get } from './helpers/client.ts';
import { FakeClock } from './helpers/fake-timers.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The bound under test (short, so the tests need not move the clock far). */
const MAX_STALENESS_MS = 10 * MINUTE;
/** Just past the bound. */
const PAST_BOUND_MS = MAX_STALENESS_MS + 1_000;

const pki = makePki('Latency');
let clock = Date.now();
const now = (): number => clock;
let responder: TestResponder;

before(async () => {
  // Answers valid 24 h, as with the old `ca serve` defaults: nextUpdate alone would hide a revocation for a day.
  responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now, validityMs: DAY });
});
after(() => responder.close());

const policy = () => policyFor(pki, { revocation: { 'max-staleness': '10m' } });

/** A good answer for `leaf` with thisUpdate `at`, valid 24 h: what a server keeps stapling from its cache. */
function goodStaple(leaf: TestIdentity, at: number): Buffer {
  const t = new Date(at);
  return Buffer.from(buildOcspResponse({ issuer: pki.inter.certificate, signer: pki.responder, producedAt: t, responses: [{ serial: leaf.certificate.serialBytes, status: 'good', thisUpdate: t, nextUpdate: new Date(at + DAY) }] }));
}

/** A server that staples a fixed (cached) good answer whatever happens at the responder. */
async function staplingServer(leaf: TestIdentity, staple: Buffer): Promise<CountingServer> {
  const server = await startHttpsServer(leaf, [pki.inter.certificate]);
  (server as CountingServer & { server: https.Server }).server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple));
  return server;
}

test('policy default: max-staleness is 1 h unless configured', () => {
  assert.equal(DEFAULTS.revocation.maxStalenessMs, 60 * MINUTE);
  assert.equal(policyFor(pki).revocation.maxStalenessMs, 60 * MINUTE);
  assert.equal(policy().revocation.maxStalenessMs, MAX_STALENESS_MS);
  assert.throws(() => loadPolicy({ version: 1, trust: { system: true }, revocation: { 'max-staleness': '0s' } }), { code: 'CW_ERR_POLICY' });
});

describe('agent', () => {
  test('cached OCSP answer: a revocation is refused once max-staleness has passed since the fetch', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const server = await startHttpsServer(leaf, [pki.inter.certificate]);
    const agent = createAgent(policy(), { now });
    try {
      assert.equal((await get(`https://127.0.0.1:${server.port}/`, agent)).status, 200);
      responder.revoked.add(leaf.certificate.serialHex);
      clock += PAST_BOUND_MS;
      await assert.rejects(get(`https://127.0.0.1:${server.port}/`, agent), { code: 'CW_ERR_REVOCATION' });
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('cached CRL: a revocation is refused once max-staleness has passed since the fetch (CRL valid 24 h)', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { crlUrl: responder.crlUrl });
    const server = await startHttpsServer(leaf, [pki.inter.certificate]);
    const agent = createAgent(policy(), { now });
    try {
      assert.equal((await get(`https://127.0.0.1:${server.port}/`, agent)).status, 200);
      responder.revoked.add(leaf.certificate.serialHex);
      clock += PAST_BOUND_MS;
      await assert.rejects(get(`https://127.0.0.1:${server.port}/`, agent), { code: 'CW_ERR_REVOCATION' });
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('stapled good answer older than max-staleness is not believed: live OCSP says revoked, refused', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const server = await staplingServer(leaf, goodStaple(leaf, clock));
    const agent = createAgent(policy(), { now });
    try {
      assert.equal((await get(`https://127.0.0.1:${server.port}/`, agent)).status, 200);
      responder.revoked.add(leaf.certificate.serialHex);
      clock += PAST_BOUND_MS;
      const before = server.requests;
      await assert.rejects(get(`https://127.0.0.1:${server.port}/`, agent), { code: 'CW_ERR_REVOCATION' });
      assert.equal(server.requests, before, 'nothing reached the server');
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('a stapled answer older than max-staleness with no other source is an error, not a pass', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const server = await staplingServer(leaf, goodStaple(leaf, clock - PAST_BOUND_MS));
    const agent = createAgent(policyFor(pki, { revocation: { 'max-staleness': '10m', sources: ['staple'] } }), { now });
    try {
      await assert.rejects(get(`https://127.0.0.1:${server.port}/`, agent), (e: Error & { code?: string }) => e.code === 'CW_ERR_REVOCATION' && /max-staleness/.test(e.message));
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  test('a fresh staple is still believed (no OCSP request)', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const server = await staplingServer(leaf, goodStaple(leaf, clock - MINUTE));
    const agent = createAgent(policy(), { now });
    try {
      const asked = responder.ocspRequests;
      assert.equal((await get(`https://127.0.0.1:${server.port}/`, agent)).status, 200);
      assert.equal(responder.ocspRequests, asked);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});

describe('dispatcher', () => {
  test('stapled good answer older than max-staleness: refused after a revocation', async () => {
    const leaf = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const server = await staplingServer(leaf, goodStaple(leaf, clock));
    const dispatcher = createDispatcher(policy(), { now });
    // reset: a new connection (and verdict) per request, as after a keep-alive timeout.
    const send = () => undiciRequest(`https://127.0.0.1:${server.port}/`, { dispatcher, reset: true }).then((r) => r.body.text());
    try {
      assert.equal(await send(), 'ok');
      responder.revoked.add(leaf.certificate.serialHex);
      clock += PAST_BOUND_MS;
      await assert.rejects(send(), { code: 'CW_ERR_REVOCATION' });
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });
});

describe('mTLS server', () => {
  test('a revoked client certificate is refused once max-staleness has passed since the cached answer was fetched', async () => {
    const serverId = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
    const client = leafFor(pki, 'client', { ocspUrl: responder.ocspUrl });
    const p = policyFor(pki, { revocation: { 'max-staleness': '10m' }, inbound: { 'client-cas': [pki.root.certificate.toPem()], revocation: { check: 'leaf' } } });
    let handled = 0;
    const server = https.createServer(createServerOptions(p, { clientIntermediates: [pki.inter.certificate], key: keyPem(serverId.privateKey), cert: [serverId.certificate, pki.inter.certificate].map((c) => c.toPem()).join('') }), (_q, r) => {
      handled++;
      r.end('ok');
    });
    attachClientVerification(server, p, { clientIntermediates: [pki.inter.certificate], now });
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const ask = () =>
      new Promise<boolean>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port, ca: pki.root.certificate.toPem(), key: keyPem(client.privateKey), cert: [client.certificate, pki.inter.certificate].map((c) => c.toPem()).join(''), session: undefined });
        let out = '';
        s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
        s.on('data', (d) => (out += d.toString()));
        s.on('error', () => resolve(false));
        s.on('close', () => resolve(/^HTTP\/1\.1 200/.test(out)));
      });
    try {
      assert.equal(await ask(), true);
      responder.revoked.add(client.certificate.serialHex);
      clock += PAST_BOUND_MS;
      const before = handled;
      assert.equal(await ask(), false);
      assert.equal(handled, before, 'the handler never ran for the revoked client');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('stapler', () => {
  test('refreshes within max-staleness: after a revocation it stops stapling good by the bound', async () => {
    const fake = new FakeClock();
    const r = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now: fake.clock, validityMs: DAY });
    const leaf = leafFor(pki, 'stapled.test', { ocspUrl: r.ocspUrl });
    const stapler = createStapler({ certificates: [{ certificate: leaf.certificate, issuer: pki.inter.certificate }], maxStalenessMs: MAX_STALENESS_MS, now: fake.clock, timers: fake.timers, random: () => 0.5 });
    try {
      await stapler.ready();
      assert.ok(stapler.staple(leaf.certificate.fingerprint256));
      r.revoked.add(leaf.certificate.serialHex);
      await fake.advance(PAST_BOUND_MS, () => stapler.settled());
      assert.equal(stapler.staple(leaf.certificate.fingerprint256), undefined);
    } finally {
      stapler.close();
      await r.close();
    }
  });

  test('never serves a staple older than max-staleness, even with the responder down and nextUpdate a day away', async () => {
    const fake = new FakeClock();
    const r = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now: fake.clock, validityMs: DAY });
    const leaf = leafFor(pki, 'stapled.test', { ocspUrl: r.ocspUrl });
    const stapler = createStapler({ certificates: [{ certificate: leaf.certificate, issuer: pki.inter.certificate }], maxStalenessMs: MAX_STALENESS_MS, now: fake.clock, timers: fake.timers, random: () => 0.5 });
    try {
      await stapler.ready();
      r.down = true;
      await fake.advance(PAST_BOUND_MS, () => stapler.settled());
      assert.equal(stapler.staple(leaf.certificate.fingerprint256), undefined);
    } finally {
      stapler.close();
      await r.close();
    }
  });

  test('a bad maxStalenessMs is a usage error at construction', () => {
    const leaf = leafFor(pki, 'stapled.test', { ocspUrl: responder.ocspUrl });
    assert.throws(() => createStapler({ certificates: [{ certificate: leaf.certificate, issuer: pki.inter.certificate }], maxStalenessMs: 0 }), { code: 'CW_ERR_USAGE' });
  });
});
