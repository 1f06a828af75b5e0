/**
 * The Enforce layer against nginx, the server most internal fleets run:
 * createAgent and createDispatcher admit nginx only for the policy's chain,
 * consume the staple nginx fetched from a live loopback responder (and
 * refuse it cold under require-staple, since nginx staples only after its
 * first fetch), fall back to live OCSP when nginx staples nothing (it never
 * staples `revoked`), and present a client certificate to an nginx that
 * requires one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from 'undici';
import { createAgent } from '../../src/tls/agent.ts';
import { createDispatcher } from '../../src/tls/dispatcher.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { startNginx } from '../helpers/servers/nginx.ts';
import type { RunningServer } from '../helpers/servers/process.ts';
import { startTestPki, type TestPki } from '../helpers/servers/test-pki.ts';
import { get } from './helpers/client.ts';

/** nginx fetches its first OCSP response after the first handshake; on loopback it has it within a few hundred ms. */
const WARM_ATTEMPTS = 40;
const WARM_DELAY_MS = 100;

let pki: TestPki;
const servers: RunningServer[] = [];

before(async () => {
  pki = await startTestPki('certwarden Enforce nginx');
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await pki?.stop();
});

function policy(revocation: Record<string, unknown> = {}): Policy {
  return loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf', ...revocation } }, { baseDir: process.cwd() });
}

async function nginx(o: Parameters<typeof startNginx>[0]): Promise<RunningServer> {
  const s = await startNginx(o);
  servers.push(s);
  return s;
}

async function rejects(p: Promise<unknown>, code: string, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCertwardenError(err), `expected a CertwardenError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(JSON.stringify(err.details).includes(reason), `expected ${reason} in ${JSON.stringify(err.details)}`);
    return true;
  });
}

describe('Enforce against nginx', () => {
  test('ssl_stapling on: a cold nginx is refused under require-staple, then admitted on its staple alone', async () => {
    const leaf = pki.leaf('api.nginx.test');
    const s = await nginx({ certChain: leaf.certChain, key: leaf.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem + pki.intermediatePem });
    const url = `https://api.nginx.test:${s.port}/`;
    // The first handshake only starts nginx's fetch: it carries no staple, and require-staple refuses it.
    await rejects(get(url, createAgent(policy({ 'require-staple': true }), { resumption: false })), 'CW_ERR_REVOCATION', 'staple');
    let status = 0;
    let last: unknown;
    for (let i = 0; i < WARM_ATTEMPTS && status !== 200; i++) {
      try {
        status = (await get(url, createAgent(policy({ 'require-staple': true }), { resumption: false }))).status;
      } catch (err) {
        last = err;
        await sleep(WARM_DELAY_MS);
      }
    }
    assert.equal(status, 200, `nginx never stapled a response certwarden accepts: ${String(last)}\n${s.output()}`);
  });

  test('ssl_stapling off: admitted on the live OCSP answer; refused with require-staple', async () => {
    const leaf = pki.leaf('nostaple.nginx.test');
    const s = await nginx({ certChain: leaf.certChain, key: leaf.key, stapling: false });
    const url = `https://nostaple.nginx.test:${s.port}/`;
    const agent = createAgent(policy());
    assert.equal((await get(url, agent)).status, 200);
    assert.equal(agent.stats().trusted, 1);
    await rejects(get(url, createAgent(policy({ 'require-staple': true }))), 'CW_ERR_REVOCATION', 'staple');
  });

  test('a revoked certificate: nginx staples nothing (it staples only good) and live OCSP says revoked', async () => {
    const leaf = pki.leaf('revoked.nginx.test');
    pki.revoke(leaf.identity.certificate);
    const s = await nginx({ certChain: leaf.certChain, key: leaf.key, stapling: true, trustedCert: pki.rootPem + pki.intermediatePem });
    const url = `https://revoked.nginx.test:${s.port}/`;
    for (let i = 0; i < 3; i++) await rejects(get(url, createAgent(policy())), 'CW_ERR_REVOCATION', 'revoked');
  });

  test('a chain to a CA outside the policy is refused, by the agent and by fetch', async () => {
    const rogueRoot = makeRoot('CN=Rogue nginx Root');
    const rogueInter = makeIntermediate(rogueRoot, 'CN=Rogue nginx Intermediate');
    const leaf = makeLeaf(rogueInter, 'rogue.nginx.test');
    const s = await nginx({ certChain: leaf.certificate.toPem() + rogueInter.certificate.toPem(), key: keyPem(leaf.privateKey), stapling: false });
    await rejects(get(`https://rogue.nginx.test:${s.port}/`, createAgent(policy())), 'CW_ERR_UNTRUSTED', 'no-path-to-anchor');
    const dispatcher = createDispatcher(policy());
    try {
      // By address: the dispatcher resolves names itself, and tests must not touch DNS. The leaves carry IP:127.0.0.1.
      await assert.rejects(fetch(`https://127.0.0.1:${s.port}/`, { dispatcher }), (err: Error) => {
        assert.ok(isCertwardenError(err.cause), `expected a CertwardenError cause, got ${String(err.cause)}`);
        assert.equal(err.cause.code, 'CW_ERR_UNTRUSTED');
        return true;
      });
    } finally {
      await dispatcher.close();
    }
  });

  test('fetch through createDispatcher reaches a trusted nginx', async () => {
    const leaf = pki.leaf('fetch.nginx.test');
    const s = await nginx({ certChain: leaf.certChain, key: leaf.key, stapling: false });
    const dispatcher = createDispatcher(policy());
    try {
      const r = await fetch(`https://127.0.0.1:${s.port}/`, { dispatcher });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'ok\n');
    } finally {
      await dispatcher.close();
    }
  });

  test('ssl_verify_client on: the agent presents its client certificate; without one nginx answers 400', async () => {
    const leaf = pki.leaf('mtls.nginx.test');
    const client = pki.leaf('client.nginx.test');
    const s = await nginx({ certChain: leaf.certChain, key: leaf.key, stapling: false, sslVerifyClient: 'on', clientCa: pki.rootPem + pki.intermediatePem });
    const url = `https://mtls.nginx.test:${s.port}/`;
    const withCert = createAgent(policy(), { clientCertificate: { cert: client.certChain, key: client.key } });
    assert.equal((await get(url, withCert)).status, 200);
    assert.equal((await get(url, createAgent(policy()))).status, 400);
  });
});
