/**
 * Node clients against the farm: https.get and undici fetch with `ca` only
 * (no revocation: they fail V9.2.4), and the same with certwarden's
 * createAgent / createDispatcher under a hard-fail policy that trusts {ca}
 * and pins {pin} for {pin-host}: both must pass both requirements.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Farm } from '../../src/probe/farm.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { EXPECTED_WRONG, runProfile, wrongCases } from './profiles.ts';

const NODE_CLIENT = fileURLToPath(new URL('../../src/probe/clients/node-client.ts', import.meta.url));

let farm: Farm;
before(async () => {
  farm = await Farm.start();
});
after(async () => {
  await farm.close();
});

describe('probe: Node clients', () => {
  for (const profile of ['node-certwarden-agent', 'node-certwarden-dispatcher']) {
    test(`${profile} (hard-fail policy, pinning) passes both requirements`, async () => {
      const r = await runProfile(profile, farm, 6);
      assert.deepEqual(wrongCases(r), []);
      assert.equal(r.pinning, true);
      assert.equal(r.cases.find((c) => c.id === 'pinned-self-signed')!.got, 'accepted');
      assert.equal(r.requirements['V9.2.1'].status, 'pass');
      assert.equal(r.requirements['V9.2.4'].status, 'pass');
    });
  }
  test('node-https (ca only) accepts ca-as-leaf and every revocation case', async () => {
    const r = await runProfile('node-https', farm, 6);
    assert.deepEqual(wrongCases(r), EXPECTED_WRONG['node-https']);
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
  });
  // undici's fetch verifies with the same OpenSSL as https.get; its V9.2.1 verdicts are in docs/probe.md.
  test('node-fetch (ca only) accepts every revocation case', async () => {
    const r = await runProfile('node-fetch', farm, 6, ['v9.2.4']);
    assert.deepEqual(wrongCases(r), EXPECTED_WRONG['node-fetch']!.filter((id) => r.cases.some((c) => c.id === id)));
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
  });

  test('node-client --connect ADDR: the socket goes to ADDR even for an IP URL, and the URL\'s name is still verified', async () => {
    // 127.0.0.2 is loopback but nothing listens there: reaching the server proves the route, never another address.
    const root = makeRoot('CN=Route Root');
    const leaf = makeLeaf(root, 'routed.test', { san: ['IP:127.0.0.2'] });
    const tmp = tempDir('certwarden-node-client-');
    const ca = tmp.write('ca.pem', root.certificate.toPem());
    const server = createServer({ cert: leaf.certificate.toPem(), key: keyPem(leaf.privateKey) }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const client = (args: string[]): Promise<number | null> =>
      new Promise((resolve) => {
        // Asynchronous: the server answers from this process.
        const child = spawn(process.execPath, [NODE_CLIENT, ...args], { stdio: 'ignore' });
        child.on('close', (code) => resolve(code));
      });
    try {
      for (const mode of ['https', 'fetch']) {
        assert.equal(await client([mode, '--ca', ca, '--connect', '127.0.0.1', `https://127.0.0.2:${port}/`]), 0, `${mode}: routed to the server`);
        assert.equal(await client([mode, '--ca', ca, `https://127.0.0.2:${port}/`]), 1, `${mode}: without the route nothing answers at 127.0.0.2`);
        assert.equal(await client([mode, '--ca', ca, '--connect', '127.0.0.1', `https://127.0.0.3:${port}/`]), 1, `${mode}: a name the certificate does not hold is rejected`);
      }
      assert.equal(spawnSync(process.execPath, [NODE_CLIENT, 'certwarden-agent', '--ca', ca, '--connect', '127.0.0.1', `https://127.0.0.2:${port}/`]).status, 2, 'the certwarden modes take no --connect');
    } finally {
      server.close();
      server.closeAllConnections();
      tmp.cleanup();
    }
  });
});
