/**
 * mTLS listeners: createServerOptions + attachClientVerification on Node's
 * https server, with trusted, untrusted and revoked client certificates, a
 * revocation enforced on a resumed session, and the handler never running
 * for a refused client. Also certwarden's agent presenting a client
 * certificate to `openssl s_server -Verify`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { attachClientVerification, createServerOptions } from '../../src/tls/server-options.ts';
import { createAgent } from '../../src/tls/agent.ts';
import { keyPem, type TestIdentity } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';
import { startOpensslServer } from './helpers/servers.ts';
import { get } from './helpers/client.ts';

const serverPki = makePki('Server');
const clientPki = makePki('Clients');
let responder: TestResponder;
let serverResponder: TestResponder;
let clock = Date.now();
const now = (): number => clock;

before(async () => {
  responder = await startTestResponder({ issuer: clientPki.inter, signer: clientPki.responder, now });
  serverResponder = await startTestResponder({ issuer: serverPki.inter, signer: serverPki.responder });
});
after(async () => {
  await responder.close();
  await serverResponder.close();
});

function policy(): ReturnType<typeof policyFor> {
  return policyFor(serverPki, { inbound: { 'client-cas': [clientPki.root.certificate.toPem()], revocation: { check: 'leaf' } } });
}

async function startMtlsServer(): Promise<{ port: number; handled: () => number; rejected: string[]; resumed: () => number; close: () => Promise<void> }> {
  const p = policy();
  const id = leafFor(serverPki, '127.0.0.1');
  let handled = 0;
  const rejected: string[] = [];
  const server = https.createServer(createServerOptions(p, { clientIntermediates: [clientPki.inter.certificate], key: keyPem(id.privateKey), cert: [id.certificate, serverPki.inter.certificate].map((c) => c.toPem()).join('') }), (_req, res) => {
    handled++;
    res.end('hello');
  });
  const gate = attachClientVerification(server, p, { clientIntermediates: [clientPki.inter.certificate.toPem()], now, onRejected: (err) => { rejected.push(err.code); if (process.env.DEBUG_CW) console.log(err.message); } });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    handled: () => handled,
    rejected,
    resumed: () => gate.stats().resumed,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** One HTTPS request with a client certificate; resolves with the status or the error message. */
function request(port: number, client: TestIdentity | undefined, session?: Buffer): Promise<{ status?: number; error?: string; session?: Buffer; reused?: boolean }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: serverPki.root.certificate.toPem(),
      ...(client ? { key: keyPem(client.privateKey), cert: [client.certificate, clientPki.inter.certificate].map((c) => c.toPem()).join('') } : {}),
      ...(session ? { session } : {}),
    });
    let ticket: Buffer | undefined;
    socket.on('session', (s) => (ticket = s));
    let out = '';
    let reused = false;
    socket.on('secureConnect', () => (reused = socket.isSessionReused()));
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', (e) => resolve({ error: e.message }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(out);
      resolve(m ? { status: Number(m[1]), reused, ...(ticket ? { session: ticket } : {}) } : { error: 'closed without a response' });
    });
  });
}

describe('mTLS listener', () => {
  let srv: Awaited<ReturnType<typeof startMtlsServer>>;
  before(async () => (srv = await startMtlsServer()));
  after(() => srv.close());

  test('a client certificate from the inbound CA with a good OCSP answer is served', async () => {
    const r = await request(srv.port, leafFor(clientPki, 'alice', { ocspUrl: responder.ocspUrl }));
    assert.equal(r.status, 200, r.error);
  });

  test('a client certificate from another CA is refused in the handshake; the handler never runs', async () => {
    const before = srv.handled();
    const other = makePki('Rogue Clients');
    const r = await request(srv.port, makeLeafUnder(other));
    assert.equal(r.status, undefined);
    assert.equal(srv.handled(), before);
  });

  test('no client certificate: refused', async () => {
    const before = srv.handled();
    const r = await request(srv.port, undefined);
    assert.equal(r.status, undefined);
    assert.equal(srv.handled(), before);
  });

  test('a revoked client certificate is refused after the handshake, before any request is handled', async () => {
    const mallory = leafFor(clientPki, 'mallory', { ocspUrl: responder.ocspUrl });
    responder.revoked.add(mallory.certificate.serialHex);
    const before = srv.handled();
    const r = await request(srv.port, mallory);
    assert.equal(r.status, undefined);
    assert.equal(srv.handled(), before);
    assert.ok(srv.rejected.includes('CW_ERR_REVOCATION'));
  });

  test('a client revoked after its first connection is refused on its resumed session once the answer is stale', async () => {
    const bob = leafFor(clientPki, 'bob', { ocspUrl: responder.ocspUrl });
    const first = await request(srv.port, bob);
    assert.equal(first.status, 200, first.error);
    assert.ok(first.session, 'the server issued a ticket');
    const second = await request(srv.port, bob, first.session);
    assert.equal(second.status, 200, second.error);
    assert.equal(second.reused, true, 'the second connection resumed');

    responder.revoked.add(bob.certificate.serialHex);
    clock += 2 * 3_600_000; // past the good answer's nextUpdate (1 h) and the verdict cap
    const before = srv.handled();
    const third = await request(srv.port, bob, first.session);
    assert.equal(third.status, undefined, 'the resumed session of a revoked client is refused');
    assert.equal(srv.handled(), before);
    assert.equal(srv.resumed(), 2, 'both later connections resumed: the stored certificate was re-judged');
    assert.ok(srv.rejected.includes('CW_ERR_REVOCATION'));
  });
});

function makeLeafUnder(pki: ReturnType<typeof makePki>): TestIdentity {
  return leafFor(pki, 'eve');
}

describe('certwarden agent as an mTLS client of openssl s_server -Verify', () => {
  test('presents its client certificate and verifies the server', async () => {
    const alice = leafFor(clientPki, 'alice');
    const id = leafFor(serverPki, 'svc.test', { ocspUrl: serverResponder.ocspUrl });
    const s = await startOpensslServer(id, [serverPki.inter.certificate], { verifyCa: [clientPki.root.certificate, clientPki.inter.certificate] });
    try {
      const agent = createAgent(policy(), { clientCertificate: { key: keyPem(alice.privateKey), cert: alice.certificate.toPem() + clientPki.inter.certificate.toPem() }, resumption: false });
      const r = await get(`https://svc.test:${s.port}/`, agent);
      assert.equal(r.status, 200);
      assert.match(s.output(), /CN ?= ?alice/);
    } finally {
      await s.stop();
    }
  });
});

test('createServerOptions: a policy without inbound is a typed error', () => {
  assert.throws(() => createServerOptions(policyFor(serverPki)), { code: 'CW_ERR_USAGE' });
  const server = https.createServer();
  assert.throws(() => attachClientVerification(server, policyFor(serverPki)), { code: 'CW_ERR_USAGE' });
});
