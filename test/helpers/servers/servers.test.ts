/**
 * Smoke tests for the server launchers: each starts on loopback, serves the
 * certificate chain it was given, and staples what it should.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOcspResponse } from '../../../src/ocsp/response.ts';
import { startApache } from './apache.ts';
import { startHaproxy } from './haproxy.ts';
import { startNginx } from './nginx.ts';
import { startNodeTls } from './node-tls.ts';
import { readLog } from './process.ts';
import { startOpensslServer } from './openssl-server.ts';
import { probeTls, type ProbeResult } from './probe.ts';
import { startTestPki, type ServerIdentity, type TestPki } from './test-pki.ts';
import { makeLeaf, makeRoot, keyPem } from '../pki.ts';

/** nginx fetches its first staple after the first handshake asks for one; a few handshakes find it. */
async function probeUntilStapled(port: number, servername: string, attempts = 40): Promise<ProbeResult> {
  let last: ProbeResult | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await probeTls({ port, servername });
    if (last.staple) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last!;
}

/** A fetched staple is a successful answer about `site`'s leaf, and says good. */
function assertGoodStapleFor(staple: Buffer | undefined, site: ServerIdentity): void {
  assert.ok(staple, 'a staple was sent');
  const single = parseOcspResponse(staple).basic?.responses[0];
  assert.equal(single?.certId.serialHex, site.identity.certificate.serialHex);
  assert.equal(single?.status, 'good');
}

function assertServes(r: ProbeResult, site: ServerIdentity): void {
  assert.equal(r.error, undefined);
  assert.ok(r.chain[0]?.equals(site.identity.certificate.der), 'the leaf sent is the configured one');
}

describe('server launchers', () => {
  let pki: TestPki;
  before(async () => {
    pki = await startTestPki();
  });
  after(() => pki?.stop());

  test('openssl s_server serves the chain and the status file', async () => {
    const site = pki.leaf('s-server.test');
    const staple = pki.staple(site.identity.certificate);
    const server = await startOpensslServer({ cert: site.cert, key: site.key, chain: pki.intermediatePem, statusFile: staple });
    try {
      const r = await probeTls({ port: server.port, servername: 's-server.test' });
      assertServes(r, site);
      assert.ok(r.chain[1]?.equals(pki.intermediate.certificate.der), 'the intermediate follows');
      assert.ok(r.staple?.equals(staple));
    } finally {
      await server.stop();
    }
  });

  test('openssl s_server: strict rejects an untrusted client certificate, lax accepts it', async () => {
    const site = pki.leaf('mtls.test');
    const stranger = makeLeaf(makeRoot('CN=Stranger Root'), 'client.test');
    const client = { cert: stranger.certificate.toPem(), key: keyPem(stranger.privateKey) };
    const strict = await startOpensslServer({ cert: site.cert, key: site.key, chain: pki.intermediatePem, verify: 'strict', caFile: pki.rootPem });
    const lax = await startOpensslServer({ cert: site.cert, key: site.key, chain: pki.intermediatePem, verify: 'lax', caFile: pki.rootPem });
    try {
      assert.equal((await probeTls({ port: strict.port, ...client })).connected, false);
      assert.equal((await probeTls({ port: strict.port })).connected, false, 'strict also requires a certificate');
      assert.equal((await probeTls({ port: lax.port, ...client })).connected, true);
    } finally {
      await Promise.all([strict.stop(), lax.stop()]);
    }
  });

  test('nginx staples what it fetched from the responder, and nothing with stapling off', async () => {
    const site = pki.leaf('nginx.test');
    const on = await startNginx({ certChain: site.certChain, key: site.key, stapling: true, staplingVerify: true, trustedCert: pki.rootPem });
    const off = await startNginx({ certChain: site.certChain, key: site.key, stapling: false });
    try {
      const r = await probeUntilStapled(on.port, 'nginx.test');
      assertServes(r, site);
      assert.ok(r.staple, `nginx stapled nothing:${on.output()}${readLog(`${on.dir}/error.log`)}`);
      assertGoodStapleFor(r.staple, site);
      const none = await probeTls({ port: off.port, servername: 'nginx.test' });
      assertServes(none, site);
      assert.equal(none.staple, undefined);
    } finally {
      await Promise.all([on.stop(), off.stop()]);
    }
  });

  test('Apache staples on the first handshake', async () => {
    const site = pki.leaf('apache.test');
    const server = await startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: true });
    try {
      const r = await probeTls({ port: server.port, servername: 'apache.test' });
      assertServes(r, site);
      assertGoodStapleFor(r.staple, site);
    } finally {
      await server.stop();
    }
  });

  test('HAProxy staples its .ocsp file', async () => {
    const site = pki.leaf('haproxy.test');
    const staple = pki.staple(site.identity.certificate);
    const server = await startHaproxy({ certChain: site.certChain, key: site.key, ocspFile: staple });
    try {
      const r = await probeTls({ port: server.port, servername: 'haproxy.test' });
      assertServes(r, site);
      assert.ok(r.staple?.equals(staple));
    } finally {
      await server.stop();
    }
  });

  test('Node TLS server serves the chain and the staple', async () => {
    const site = pki.leaf('node.test');
    const staple = pki.staple(site.identity.certificate);
    const server = await startNodeTls({ certChain: site.certChain, key: site.key, staple });
    try {
      const r = await probeTls({ port: server.port, servername: 'node.test' });
      assertServes(r, site);
      assert.ok(r.staple?.equals(staple));
    } finally {
      await server.stop();
    }
  });
});
