/**
 * createStapler on Node's https server (default certificate + an SNI
 * context), against a live responder on a controllable clock: refresh at half
 * the window, responder down (keep the last good staple until nextUpdate,
 * then staple nothing), responder back, persistence with re-verification,
 * Must-Staple, revocation hook, and never stapling a bad response.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createStapler, type Stapler } from '../../src/tls/stapler.ts';
import { MemoryStapleStorage } from '../../src/tls/stapler-storage.ts';
import { createAgent } from '../../src/tls/agent.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { keyPem, tempDir, type TestIdentity } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { FakeClock } from './helpers/fake-timers.ts';
import { get } from './helpers/client.ts';

const pki = makePki('Stapler');
const WINDOW = 4 * 3_600_000;
const HOUR = 3_600_000;

function pemChain(id: TestIdentity): string {
  return id.certificate.toPem() + pki.inter.certificate.toPem();
}

/** Ask the server for a staple over a real handshake; resolves with it (or null) or the error. */
function fetchStaple(port: number, servername: string): Promise<{ staple: Buffer | null; error?: string }> {
  return new Promise((resolve) => {
    let staple: Buffer | null = null;
    const s = tls.connect({ host: '127.0.0.1', port, servername, requestOCSP: true, rejectUnauthorized: false });
    s.on('OCSPResponse', (r: Buffer | null) => (staple = r && r.length > 0 ? r : null));
    s.on('secureConnect', () => {
      s.destroy();
      resolve({ staple });
    });
    s.on('error', (e) => resolve({ staple: null, error: e.message }));
  });
}

async function serve(def: TestIdentity, sni: Record<string, TestIdentity>, stapler: Stapler): Promise<{ port: number; close: () => Promise<void> }> {
  const contexts = new Map(Object.entries(sni).map(([name, id]) => [name, tls.createSecureContext({ key: keyPem(id.privateKey), cert: pemChain(id) })]));
  const server = https.createServer({ key: keyPem(def.privateKey), cert: pemChain(def), SNICallback: (name, cb) => cb(null, contexts.get(name)) }, (_q, r) => r.end('ok'));
  server.on('tlsClientError', () => {});
  stapler.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('stapler lifecycle', () => {
  const fake = new FakeClock();
  let responder: TestResponder;
  let stapler: Stapler;
  let server: { port: number; close: () => Promise<void> };
  let a: TestIdentity;
  let b: TestIdentity;
  const events: string[] = [];
  const store = tempDir('certwarden-staples-');

  before(async () => {
    responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now: fake.clock, validityMs: WINDOW });
    a = leafFor(pki, 'a.test', { ocspUrl: responder.ocspUrl });
    b = leafFor(pki, 'b.test', { ocspUrl: responder.ocspUrl });
    stapler = createStapler({ certificates: [{ certificate: pemChain(a) }, { certificate: b.certificate, issuer: pki.inter.certificate }], dir: store.dir, now: fake.clock, timers: fake.timers, random: () => 0.5, maxStalenessMs: WINDOW });
    for (const k of ['fetched', 'refresh-failed', 'expired', 'revoked', 'rejected-response']) stapler.on(k, () => events.push(k));
    await stapler.ready();
    server = await serve(a, { 'b.test': b }, stapler);
  });
  after(async () => {
    stapler.close();
    await server.close();
    await responder.close();
    store.cleanup();
  });

  test('ready() fetched a good response per certificate; both the default and the SNI certificate are stapled', async () => {
    assert.equal(stapler.stats().refreshes, 2);
    for (const [name, id] of [['a.test', a], ['b.test', b]] as const) {
      const { staple } = await fetchStaple(server.port, name);
      assert.ok(staple, `${name} got a staple`);
      const v = verifyOcspResponse(staple, { certificate: id.certificate, issuer: pki.inter.certificate, at: new Date(fake.now) });
      assert.equal(v.status, 'good');
    }
    assert.equal(readdirSync(store.dir).filter((f) => f.endsWith('.ocsp')).length, 2, 'responses persisted');
  });

  test('a certwarden client that requires a staple accepts this server', async () => {
    const policy = policyFor(pki, { revocation: { 'require-staple': true, sources: ['staple'] } });
    const r = await get(`https://a.test:${server.port}/`, createAgent(policy, { now: fake.clock }));
    assert.equal(r.status, 200);
  });

  test('refresh happens at half the window, from a timer, never inside a handshake', async () => {
    const before = responder.ocspRequests;
    await fetchStaple(server.port, 'a.test');
    assert.equal(responder.ocspRequests, before, 'a handshake does not fetch');
    const delay = fake.nextAt! - fake.now;
    // thisUpdate is the responder's clock minus 1 s, in whole seconds (RFC 5280 GeneralizedTime).
    assert.ok(delay <= WINDOW / 2 && delay > WINDOW / 2 - 3000, `refresh at thisUpdate + window/2 (got ${delay} ms)`);
    await fake.advance(WINDOW / 2, () => stapler.settled());
    assert.equal(stapler.stats().refreshes, 4);
  });

  test('responder down: the last good staple is kept until its nextUpdate, then nothing is stapled; back up: stapling resumes', async () => {
    responder.down = true;
    await fake.advance(WINDOW / 2, () => stapler.settled());
    assert.ok(stapler.stats().responderFailures >= 2);
    assert.ok((await fetchStaple(server.port, 'a.test')).staple, 'still stapling the last good response');
    await fake.advance(WINDOW / 2 + 1000, () => stapler.settled());
    assert.equal((await fetchStaple(server.port, 'a.test')).staple, null, 'past nextUpdate: no staple');
    assert.ok(events.includes('expired'));
    responder.down = false;
    await fake.advance(HOUR + 60_000 * 15, () => stapler.settled());
    assert.ok((await fetchStaple(server.port, 'a.test')).staple, 'stapling again after the responder came back');
  });

  test('revoked: no staple, event and onRevoked-style hook fired', async () => {
    responder.revoked.add(b.certificate.serialHex);
    await stapler.refresh();
    assert.equal((await fetchStaple(server.port, 'b.test')).staple, null);
    assert.ok(events.includes('revoked'));
    responder.revoked.delete(b.certificate.serialHex);
  });
});

describe('stapler: persistence, Must-Staple, bad responses', () => {
  let responder: TestResponder;
  before(async () => {
    responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
  });
  after(() => responder.close());

  test('stored responses are re-verified on load: a good one serves while the responder is down, a tampered one is discarded', async () => {
    const store = tempDir('certwarden-staples-');
    try {
      const leaf = leafFor(pki, 'p.test', { ocspUrl: responder.ocspUrl, mustStaple: true });
      const first = createStapler({ certificates: [{ certificate: pemChain(leaf) }], dir: store.dir });
      await first.ready();
      first.close();
      responder.down = true;
      const second = createStapler({ certificates: [{ certificate: pemChain(leaf) }], dir: store.dir });
      await second.ready();
      assert.ok(second.staple(leaf.certificate.fingerprint256));
      second.close();
      const file = join(store.dir, `${leaf.certificate.fingerprint256}.ocsp`);
      writeFileSync(file, Buffer.from('not an OCSP response'));
      const third = createStapler({ certificates: [{ certificate: pemChain(leaf) }], dir: store.dir });
      await assert.rejects(third.ready(), { code: 'CW_ERR_REVOCATION' });
      assert.equal(third.stats().rejectedResponses, 1);
      third.close();
    } finally {
      responder.down = false;
      store.cleanup();
    }
  });

  test('Must-Staple: ready() rejects without a staple, and a handshake that would serve the certificate unstapled is aborted', async () => {
    const leaf = leafFor(pki, 'm.test', { ocspUrl: responder.ocspUrl, mustStaple: true });
    responder.down = true;
    const stapler = createStapler({ certificates: [{ certificate: pemChain(leaf) }], storage: new MemoryStapleStorage() });
    try {
      await assert.rejects(stapler.ready(), { code: 'CW_ERR_REVOCATION' });
      const server = await serve(leaf, {}, stapler);
      try {
        const r = await fetchStaple(server.port, 'm.test');
        assert.ok(r.error, 'handshake aborted');
        assert.equal(stapler.stats().mustStapleAborts, 1);
      } finally {
        await server.close();
      }
    } finally {
      stapler.close();
      responder.down = false;
    }
  });

  test('onRevoked is called with the verification', async () => {
    const leaf = leafFor(pki, 'r.test', { ocspUrl: responder.ocspUrl });
    responder.revoked.add(leaf.certificate.serialHex);
    const seen: string[] = [];
    const stapler = createStapler({ certificates: [{ certificate: pemChain(leaf) }], onRevoked: ({ certificate, verification }) => seen.push(`${certificate.subject}:${verification.status}`) });
    await stapler.ready();
    stapler.close();
    assert.deepEqual(seen, ['CN=r.test:revoked']);
    assert.equal(stapler.staple(leaf.certificate.fingerprint256), undefined);
  });

  test('a response from an unauthorized responder is never stapled', async () => {
    const other = makePki('Other');
    const rogue = await startTestResponder({ issuer: pki.inter, signer: other.responder });
    try {
      const leaf = leafFor(pki, 'u.test', { ocspUrl: rogue.ocspUrl });
      const stapler = createStapler({ certificates: [{ certificate: pemChain(leaf) }] });
      await stapler.ready();
      stapler.close();
      assert.equal(stapler.staple(leaf.certificate.fingerprint256), undefined);
      assert.equal(stapler.stats().rejectedResponses, 1);
    } finally {
      await rogue.close();
    }
  });

  test('the handshake lookup matches the served certificate byte for byte: same length, one byte different, no staple', async () => {
    const x = leafFor(pki, 'x.test', { ocspUrl: responder.ocspUrl });
    const y = leafFor(pki, 'y.test', { ocspUrl: responder.ocspUrl });
    const stapler = createStapler({ certificates: [{ certificate: pemChain(x) }, { certificate: pemChain(y) }] });
    await stapler.ready();
    stapler.close();
    const server = new tls.Server();
    stapler.attach(server);
    const onRequest = server.listeners('OCSPRequest')[0] as (c: Buffer, i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => void;
    const ask = (der: Uint8Array): Promise<Buffer | undefined> => new Promise((resolve, reject) => onRequest(Buffer.from(der), Buffer.from(pki.inter.certificate.der), (e, r) => (e ? reject(e) : resolve(r))));
    const forX = await ask(x.certificate.der);
    assert.ok(forX && forX.equals(stapler.staple(x.certificate.fingerprint256)!));
    assert.equal(verifyOcspResponse(forX, { certificate: x.certificate, issuer: pki.inter.certificate }).status, 'good');
    const forY = await ask(y.certificate.der);
    assert.ok(forY && forY.equals(stapler.staple(y.certificate.fingerprint256)!) && !forY.equals(forX));
    const tampered = Buffer.from(x.certificate.der);
    tampered[tampered.length - 1]! ^= 1;
    assert.equal(await ask(tampered), undefined);
    assert.equal(await ask(Buffer.alloc(0)), undefined);
    assert.deepEqual([stapler.stats().stapled, stapler.stats().unstapled], [2, 2]);
  });

  test('bad options are typed errors at construction', () => {
    assert.throws(() => createStapler({ certificates: [] }), { code: 'CW_ERR_USAGE' });
    const leaf = leafFor(pki, 'n.test');
    assert.throws(() => createStapler({ certificates: [{ certificate: pemChain(leaf) }] }), { code: 'CW_ERR_USAGE' }, 'no OCSP URL');
    assert.throws(() => createStapler({ certificates: [{ certificate: leaf.certificate }], }), { code: 'CW_ERR_USAGE' }, 'no issuer');
    assert.throws(() => createStapler({ certificates: [{ certificate: pemChain(leaf), responderUrl: 'http://127.0.0.1:1/' }], dir: '/tmp/x', storage: new MemoryStapleStorage() }), { code: 'CW_ERR_USAGE' });
  });
});
