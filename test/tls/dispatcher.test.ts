/**
 * createDispatcher with undici's own fetch and with Node 24's global fetch
 * (which bundles its own undici 7: the npm Agent works with it because global
 * fetch only calls the dispatcher's `dispatch(opts, handler)`, an interface
 * both copies share).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetch as undiciFetch } from 'undici';
import { createDispatcher } from '../../src/tls/dispatcher.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startHttpsServer, type CountingServer } from './helpers/servers.ts';

const pki = makePki('Dispatcher');
let responder: TestResponder;
let good: CountingServer;
let revoked: CountingServer;
let rogue: CountingServer;

before(async () => {
  responder = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
  good = await startHttpsServer(leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl }), [pki.inter.certificate]);
  const r = leafFor(pki, '127.0.0.1', { ocspUrl: responder.ocspUrl });
  responder.revoked.add(r.certificate.serialHex);
  revoked = await startHttpsServer(r, [pki.inter.certificate]);
  const other = makePki('Other');
  rogue = await startHttpsServer(leafFor(other, '127.0.0.1'), [other.inter.certificate]);
});
after(async () => {
  await Promise.all([good.close(), revoked.close(), rogue.close()]);
  await responder.close();
});

const fetches = { 'undici fetch': undiciFetch as unknown as typeof fetch, 'global fetch': globalThis.fetch };

for (const [name, doFetch] of Object.entries(fetches)) {
  describe(`createDispatcher with ${name}`, () => {
    test('trusted server: the request goes through', async () => {
      const dispatcher = createDispatcher(policyFor(pki));
      try {
        const before = good.requests;
        const res = await doFetch(`https://127.0.0.1:${good.port}/`, { dispatcher } as RequestInit);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'ok');
        assert.equal(good.requests - before, 1);
        assert.equal(dispatcher.certwarden.stats().trusted, 1);
      } finally {
        await dispatcher.close();
      }
    });

    for (const [what, server, code] of [
      ['untrusted CA', () => rogue, 'CW_ERR_UNTRUSTED'],
      ['revoked certificate', () => revoked, 'CW_ERR_REVOCATION'],
    ] as const) {
      test(`${what}: fetch fails with the typed error as cause; nothing reaches the server`, async () => {
        const dispatcher = createDispatcher(policyFor(pki));
        try {
          await assert.rejects(doFetch(`https://127.0.0.1:${server().port}/`, { dispatcher } as RequestInit), (err: Error) => {
            assert.equal((err.cause as { code?: string })?.code, code, String(err.cause));
            return true;
          });
          assert.equal(server().requests, 0);
        } finally {
          await dispatcher.close();
        }
      });
    }

    test('plain http is refused unless allowed', async () => {
      const dispatcher = createDispatcher(policyFor(pki));
      try {
        await assert.rejects(doFetch(`http://127.0.0.1:${good.port}/`, { dispatcher } as RequestInit), (err: Error) => (err.cause as { code?: string })?.code === 'CW_ERR_USAGE');
      } finally {
        await dispatcher.close();
      }
    });
  });
}

test('createDispatcher: bad options are typed errors at construction', () => {
  assert.throws(() => createDispatcher(policyFor(pki), { undici: 5 as never }), { code: 'CW_ERR_USAGE' });
  assert.throws(() => createDispatcher(null as never), { code: 'CW_ERR_USAGE' });
});
