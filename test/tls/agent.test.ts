/**
 * createAgent against Node's own https server on loopback, with a live OCSP
 * and CRL responder: every rejection happens before the request reaches the
 * server (counted server-side).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent } from '../../src/tls/agent.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor, selfSigned } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startHttpsServer, type CountingServer } from './helpers/servers.ts';
import { get } from './helpers/client.ts';

const pki = makePki('Agent');
let responder: TestResponder;
const servers: CountingServer[] = [];

before(async () => {
  responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await responder.close();
});

async function serve(identity: Parameters<typeof startHttpsServer>[0], chain = [pki.inter.certificate]): Promise<CountingServer> {
  const s = await startHttpsServer(identity, chain);
  servers.push(s);
  return s;
}

async function rejects(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCertwardenError(err), `expected a CertwardenError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (reason) assert.ok(JSON.stringify(err.details).includes(reason), `expected reason ${reason} in ${JSON.stringify(err.details)}`);
    return true;
  });
}

describe('createAgent: trust', () => {
  test('a chain to the policy CA with a good OCSP answer is admitted', async () => {
    const s = await serve(leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl }));
    const agent = createAgent(policyFor(pki));
    const r = await get(`https://svc.test:${s.port}/`, agent);
    assert.equal(r.status, 200);
    assert.equal(s.requests, 1);
    assert.equal(agent.stats().trusted, 1);
  });

  test('a chain to another CA is refused before the request is sent', async () => {
    const rogue = makePki('Rogue');
    const s = await serve(leafFor(rogue, 'svc.test', { ocspUrl: responder.ocspUrl }), [rogue.inter.certificate]);
    const agent = createAgent(policyFor(pki));
    await rejects(get(`https://svc.test:${s.port}/`, agent), 'CW_ERR_UNTRUSTED', 'no-path-to-anchor');
    assert.equal(s.requests, 0);
    assert.equal(agent.stats().rejected, 1);
  });

  test('a pinned self-signed certificate is admitted (OpenSSL agreement is not required for it)', async () => {
    const self = selfSigned('pinned.test');
    const s = await serve(self, []);
    const backup = selfSigned('backup').certificate.spkiSha256;
    const agent = createAgent(policyFor(undefined, { pins: [`sha256/${self.certificate.spkiSha256}`, `sha256/${backup}`] }));
    assert.equal((await get(`https://pinned.test:${s.port}/`, agent)).status, 200);
    assert.equal(s.requests, 1);
  });

  test('an unpinned self-signed certificate is refused', async () => {
    const self = selfSigned('pinned.test');
    const other = selfSigned('pinned.test');
    const s = await serve(other, []);
    const backup = selfSigned('backup').certificate.spkiSha256;
    const agent = createAgent(policyFor(undefined, { pins: [`sha256/${self.certificate.spkiSha256}`, `sha256/${backup}`] }));
    await rejects(get(`https://pinned.test:${s.port}/`, agent), 'CW_ERR_UNTRUSTED');
    assert.equal(s.requests, 0);
  });

  test('an expired certificate is refused', async () => {
    const s = await serve(leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl, notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 2 * 86_400_000) }));
    await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki))), 'CW_ERR_UNTRUSTED', 'expired');
    assert.equal(s.requests, 0);
  });

  test('a certificate for another host is refused', async () => {
    const s = await serve(makeLeaf(pki.inter, 'other.test', { san: ['DNS:other.test'], ocspUrls: [responder.ocspUrl] }));
    await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki))), 'CW_ERR_UNTRUSTED');
    assert.equal(s.requests, 0);
  });

  test('a root the policy does not name is refused even when the server sends it', async () => {
    const rogue = makeRoot('CN=Agent Root');
    const leaf = makeLeaf(rogue, 'svc.test');
    const s = await serve(leaf, [rogue.certificate]);
    await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki))), 'CW_ERR_UNTRUSTED');
    assert.equal(s.requests, 0);
  });
});

describe('createAgent: revocation', () => {
  test('revoked by OCSP', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl });
    responder.revoked.add(leaf.certificate.serialHex);
    const s = await serve(leaf);
    await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki))), 'CW_ERR_REVOCATION', 'revoked');
    assert.equal(s.requests, 0);
  });

  test('revoked by CRL', async () => {
    const leaf = leafFor(pki, 'svc.test', { crlUrl: responder.crlUrl });
    responder.revoked.add(leaf.certificate.serialHex);
    const s = await serve(leaf);
    const before = responder.crlRequests;
    await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki, { revocation: { check: 'leaf' } }))), 'CW_ERR_REVOCATION', 'revoked');
    assert.ok(responder.crlRequests > before);
    assert.equal(s.requests, 0);
  });

  test('responder down: hard-fail refuses, soft-fail admits and says so', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl });
    const s = await serve(leaf);
    responder.down = true;
    try {
      await rejects(get(`https://svc.test:${s.port}/`, createAgent(policyFor(pki, { revocation: { check: 'leaf' } }))), 'CW_ERR_REVOCATION', 'revocation-unavailable');
      assert.equal(s.requests, 0);
      const events: unknown[] = [];
      const soft = createAgent(policyFor(pki, { revocation: { mode: 'soft-fail', check: 'leaf' } }), { onVerdict: (m) => events.push(m) });
      assert.equal((await get(`https://svc.test:${s.port}/`, soft)).status, 200);
      assert.equal(soft.stats().softFailed, 1);
      assert.ok(JSON.stringify(events).includes('soft-fail-unreachable'));
    } finally {
      responder.down = false;
    }
  });

  test('one OCSP cache per agent: a second connection does not query the responder again', async () => {
    const s = await serve(leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl }));
    const agent = createAgent(policyFor(pki, { revocation: { check: 'leaf' } }), { resumption: false });
    const before = responder.ocspRequests;
    await get(`https://svc.test:${s.port}/`, agent);
    await get(`https://svc.test:${s.port}/`, agent);
    assert.equal(responder.ocspRequests - before, 1);
    const st = agent.stats();
    // Without a staple, the still-valid verdict answers (its lifetime is bounded by the cached OCSP answer's).
    assert.equal(st.verdictCacheHits + st.revocationCacheHits, 1);
    assert.equal(st.resumed, 0);
  });
});

describe('createAgent: resumed sessions', () => {
  test('a session is resumed while its verdict is valid; a revocation is enforced once the answer is stale', async () => {
    let clock = Date.now();
    const now = (): number => clock;
    const local = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now, validityMs: 3_600_000 });
    try {
      const leaf = leafFor(pki, 'svc.test', { ocspUrl: local.ocspUrl });
      const s = await serve(leaf);
      const agent = createAgent(policyFor(pki, { revocation: { check: 'leaf' } }), { now, maxVerdictAgeMs: 86_400_000 });
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
      const st = agent.stats();
      assert.equal(st.resumed, 1, 'the second connection resumed');
      assert.equal(st.verdictCacheHits, 1);
      assert.equal(local.ocspRequests, 1);

      local.revoked.add(leaf.certificate.serialHex);
      // Within the answer's validity the earlier verdict still stands (RFC 6960 §4.2.2.1 nextUpdate)...
      clock += 30 * 60_000;
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
      // ...and past nextUpdate the session is no longer offered and the fresh answer rejects.
      clock += 61 * 60_000;
      await rejects(get(`https://svc.test:${s.port}/`, agent), 'CW_ERR_REVOCATION', 'revoked');
      assert.equal(s.requests, 3);
      assert.equal(local.ocspRequests, 2);
    } finally {
      await local.close();
    }
  });
});

describe('createAgent: options', () => {
  test('bad options are typed errors at construction', () => {
    assert.throws(() => createAgent({} as never), { code: 'CW_ERR_USAGE' });
    assert.throws(() => createAgent(policyFor(pki), { handshakeTimeoutMs: -1 }), { code: 'CW_ERR_USAGE' });
    assert.throws(() => createAgent(policyFor(pki), { maxVerdictAgeMs: Number.NaN }), { code: 'CW_ERR_USAGE' });
    assert.throws(() => createAgent(policyFor(pki), { clientCertificate: { cert: 'x', key: '' } }), { code: 'CW_ERR_USAGE' });
  });
});
