/**
 * Node clients against the farm: https.get and undici fetch with `ca` only
 * (no revocation: they fail V9.2.4), and the same with certwarden's
 * createAgent / createDispatcher under a hard-fail policy that trusts {ca}
 * and pins {pin} for {pin-host}: both must pass both requirements.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Farm } from '../../src/probe/farm.ts';
import { EXPECTED_WRONG, runProfile, wrongCases } from './profiles.ts';

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
});
