/**
 * Per-listener anchors (`inbound.listeners`): one policy, two mTLS listeners
 * on Node's https server, each accepting only its own client CA. A client of
 * the default listener's CA is refused by the admin listener, in the
 * handshake (createServerOptions) and by the verdict gate alone
 * (attachClientVerification on a server whose OpenSSL layer would let it in);
 * a listener name the policy lacks is a typed error, never a fallback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { attachClientVerification, createServerOptions } from '../../src/tls/server-options.ts';
import { evaluateTrust, TrustReason } from '../../src/trust/evaluate.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { keyPem, type TestIdentity } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';

const serverPki = makePki('Listener Server');
const staffPki = makePki('Staff');
const adminPki = makePki('Operators');
let staffResponder: TestResponder;
let adminResponder: TestResponder;
const servers: https.Server[] = [];

before(async () => {
  staffResponder = await startTestResponder({ issuer: staffPki.inter, signer: staffPki.responder });
  adminResponder = await startTestResponder({ issuer: adminPki.inter, signer: adminPki.responder });
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await staffResponder.close();
  await adminResponder.close();
});

const policy = policyFor(serverPki, {
  inbound: {
    'client-cas': [staffPki.root.certificate.toPem()],
    revocation: { check: 'leaf' },
    listeners: { admin: { 'client-cas': [adminPki.root.certificate.toPem()] } },
  },
});

const serverId = leafFor(serverPki, '127.0.0.1');
const serverTls = { key: keyPem(serverId.privateKey), cert: [serverId.certificate, serverPki.inter.certificate].map((c) => c.toPem()).join('') };

async function listen(options: https.ServerOptions, gate: { listener?: string; intermediates: string[] }): Promise<{ port: number; handled: () => number; rejected: string[] }> {
  let handled = 0;
  const rejected: string[] = [];
  const server = https.createServer(options, (_req, res) => {
    handled++;
    res.end('hello');
  });
  attachClientVerification(server, policy, { clientIntermediates: gate.intermediates, ...(gate.listener ? { listener: gate.listener } : {}), onRejected: (err) => rejected.push(err.code) });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, handled: () => handled, rejected };
}

function request(port: number, client: TestIdentity, inter: TestIdentity): Promise<number | string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: serverPki.root.certificate.toPem(), key: keyPem(client.privateKey), cert: [client.certificate, inter.certificate].map((c) => c.toPem()).join('') });
    let out = '';
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', (e) => resolve(e.message));
    socket.on('close', () => resolve(/^HTTP\/1\.1 (\d+)/.exec(out) ? Number(/^HTTP\/1\.1 (\d+)/.exec(out)![1]) : 'closed without a response'));
  });
}

describe('inbound.listeners', () => {
  const interOf = { staff: staffPki.inter, admin: adminPki.inter };

  test('each listener accepts its own CA only, in the handshake', async () => {
    const alice = leafFor(staffPki, 'alice', { ocspUrl: staffResponder.ocspUrl });
    const root = leafFor(adminPki, 'root-operator', { ocspUrl: adminResponder.ocspUrl });
    const main = await listen(createServerOptions(policy, { ...serverTls, clientIntermediates: [staffPki.inter.certificate] }), { intermediates: [staffPki.inter.certificate.toPem()] });
    const admin = await listen(createServerOptions(policy, { ...serverTls, listener: 'admin', clientIntermediates: [adminPki.inter.certificate] }), { listener: 'admin', intermediates: [adminPki.inter.certificate.toPem()] });
    assert.equal(await request(main.port, alice, interOf.staff), 200);
    assert.equal(await request(admin.port, root, interOf.admin), 200);
    assert.notEqual(await request(admin.port, alice, interOf.staff), 200);
    assert.notEqual(await request(main.port, root, interOf.admin), 200);
    assert.equal(admin.handled(), 1);
    assert.equal(main.handled(), 1);
  });

  test("the verdict gate alone refuses another listener's CA (OpenSSL told to accept both)", async () => {
    const alice = leafFor(staffPki, 'alice', { ocspUrl: staffResponder.ocspUrl });
    const root = leafFor(adminPki, 'root-operator', { ocspUrl: adminResponder.ocspUrl });
    const both = [staffPki.root, staffPki.inter, adminPki.root, adminPki.inter].map((i) => i.certificate.toPem());
    const lax = await listen({ ...serverTls, requestCert: true, rejectUnauthorized: true, ca: both }, { listener: 'admin', intermediates: [adminPki.inter.certificate.toPem(), staffPki.inter.certificate.toPem()] });
    assert.equal(await request(lax.port, root, interOf.admin), 200);
    assert.notEqual(await request(lax.port, alice, interOf.staff), 200);
    assert.equal(lax.handled(), 1);
    assert.deepEqual(lax.rejected, ['CW_ERR_UNTRUSTED']);
  });

  test('a listener the policy does not name is a typed error at construction, and an untrusted verdict', async () => {
    for (const build of [() => createServerOptions(policy, { ...serverTls, listener: 'nope' }), () => attachClientVerification(https.createServer(), policy, { listener: 'nope' })]) {
      assert.throws(build, (err: unknown) => isCertwardenError(err) && err.code === 'CW_ERR_USAGE' && /no inbound listener "nope": it names admin/.test(err.message));
    }
    const alice = leafFor(staffPki, 'alice');
    const v = await evaluateTrust([alice.certificate, staffPki.inter.certificate], { policy, inbound: true, listener: 'nope', skipRevocation: true });
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, TrustReason.NO_ANCHORS);
    assert.match(v.reasons[0]!.message, /no inbound listener "nope"/);
  });

  test('a listener inherits what it does not override', () => {
    const admin = policy.inbound!.listeners!.get('admin')!;
    assert.equal(admin.revocation.check, 'leaf');
    assert.equal(admin.purpose, 'clientAuth');
    assert.deepEqual(admin.trust.anchors.map((a) => a.subject), [adminPki.root.certificate.subject]);
  });
});
