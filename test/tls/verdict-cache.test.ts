/**
 * The warm-cache path of createAgent on full handshakes (resumption off): a
 * cached verdict answers only for the exact chain it judged, expires with the
 * revocation answer that admitted it, and reading the chain cheaply leaves the
 * socket's peer chain intact for the application.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { createAgent } from '../../src/tls/agent.ts';
import { VerdictCache } from '../../src/tls/verdict-cache.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { keyPem, makeRoot } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startHttpsServer, type CountingServer } from './helpers/servers.ts';
import { get, loopbackLookup } from './helpers/client.ts';

const pki = makePki('Cache');
let responder: TestResponder;
const servers: CountingServer[] = [];

before(async () => {
  responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await responder.close();
});

async function rejects(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCertwardenError(err), `expected a CertwardenError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (reason) assert.ok(JSON.stringify(err.details).includes(reason), `expected reason ${reason} in ${JSON.stringify(err.details)}`);
    return true;
  });
}

describe('verdict cache: bound to the exact chain', () => {
  test('the key covers every certificate of the chain, in order', () => {
    const leaf = leafFor(pki, 'svc.test').certificate;
    const k = (chain: Parameters<typeof VerdictCache.key>[3]): string => VerdictCache.key('outbound', 'svc.test', 443, chain);
    assert.notEqual(k([leaf, pki.inter.certificate]), k([leaf]));
    assert.notEqual(k([leaf, pki.inter.certificate]), k([leaf, pki.root.certificate]));
    assert.notEqual(k([leaf, pki.inter.certificate, pki.root.certificate]), k([leaf, pki.root.certificate, pki.inter.certificate]));
    assert.equal(k([leaf, pki.inter.certificate]), VerdictCache.key('outbound', 'SVC.test', 443, [leaf, pki.inter.certificate]));
  });

  test('regression: a cached verdict for a leaf does not admit the same leaf with another, untrusted chain', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl });
    const s = await startHttpsServer(leaf, [pki.inter.certificate]);
    servers.push(s);
    // The same issuing CA name and key, cross-signed by a root the policy does not trust.
    const rogueRoot = makeRoot('CN=Cache Rogue Root');
    const crossSigned = createCertificate({
      subject: 'CN=Cache Issuing CA',
      publicKey: pki.inter.publicKey,
      issuer: { certificate: rogueRoot.certificate, privateKey: rogueRoot.privateKey },
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
    });
    // opensslAgreement off: the verdict (and its cache) alone decides, so this tests the cache, not the second opinion.
    const agent = createAgent(policyFor(pki), { resumption: false, opensslAgreement: false });
    assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
    assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
    assert.equal(agent.stats().verdictCacheHits, 1, 'the same chain is answered from the cache');

    s.server.setSecureContext({ key: keyPem(leaf.privateKey), cert: [leaf.certificate, crossSigned].map((c) => c.toPem()).join('') });
    await rejects(get(`https://svc.test:${s.port}/`, agent), 'CW_ERR_UNTRUSTED', 'no-path');
    assert.equal(agent.stats().verdictCacheHits, 1, 'the other chain was judged afresh');
    assert.equal(s.requests, 2);
  });
});

describe('verdict cache: full handshakes expire with the revocation answer', () => {
  test('without resumption, a cached good verdict stands until nextUpdate; past it a revocation is enforced', async () => {
    let clock = Date.now();
    const now = (): number => clock;
    const local = await startTestResponder({ issuer: pki.inter, signer: pki.responder, now, validityMs: 3_600_000 });
    try {
      const leaf = leafFor(pki, 'svc.test', { ocspUrl: local.ocspUrl });
      const s = await startHttpsServer(leaf, [pki.inter.certificate]);
      servers.push(s);
      const agent = createAgent(policyFor(pki, { revocation: { check: 'leaf' } }), { now, resumption: false, maxVerdictAgeMs: 86_400_000 });
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200);
      assert.equal(agent.stats().resumed, 0);
      assert.equal(agent.stats().verdictCacheHits, 1);
      assert.equal(local.ocspRequests, 1);

      local.revoked.add(leaf.certificate.serialHex);
      clock += 30 * 60_000;
      assert.equal((await get(`https://svc.test:${s.port}/`, agent)).status, 200, 'within the answer\'s validity the cached verdict stands');
      clock += 31 * 60_000;
      await rejects(get(`https://svc.test:${s.port}/`, agent), 'CW_ERR_REVOCATION', 'revoked');
      assert.equal(local.ocspRequests, 2);
      assert.equal(s.requests, 3);
    } finally {
      await local.close();
    }
  });
});

describe('reading the peer chain', () => {
  test('the socket given to the application still has its full peer chain (getPeerX509Certificate would have emptied it)', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: responder.ocspUrl });
    const s = await startHttpsServer(leaf, [pki.inter.certificate]);
    servers.push(s);
    const agent = createAgent(policyFor(pki), { resumption: false });
    for (let i = 0; i < 2; i++) {
      const subjects = await new Promise<string[]>((resolve, reject) => {
        https
          .get(`https://svc.test:${s.port}/`, { agent, lookup: loopbackLookup }, (res) => {
            const out: string[] = [];
            const seen = new Set<string>();
            for (let c: DetailedPeerCertificate | undefined = (res.socket as TLSSocket).getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
              seen.add(c.fingerprint256);
              out.push(String(c.subject?.CN));
            }
            res.resume();
            res.on('end', () => resolve(out));
          })
          .on('error', reject);
      });
      assert.deepEqual(subjects.slice(0, 2), ['svc.test', 'Cache Issuing CA'], `connection ${i}`);
    }
    assert.equal(agent.stats().trusted, 2);
  });
});
