/**
 * Regression tests for the field-trial / red-team report 10.12: IP SANs were
 * mis-issued (a 5-digit group truncated, "1::2::3" and zone ids encoded as
 * 14 bytes) and a 2,559-character DNS name was accepted. Names are validated
 * with node:net isIP and RFC 1035 length limits; the rest is CW_ERR_USAGE.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSans } from '../../src/ca/profiles.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { freshCa } from './fixtures.ts';

function refusedAsUsage(san: string): void {
  assert.throws(
    () => normaliseSans([san]),
    (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE',
    `${san.slice(0, 40)} must be refused`,
  );
}

describe('SAN validation (10.12)', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa()));
  after(async () => f.cleanup());

  test('malformed IP SANs are refused, never truncated or mis-encoded', async () => {
    for (const bad of ['IP:1:2:3:4:5:6:7:12345', 'IP:1::2::3', 'IP:zzzz::1', 'IP:fe80::1%eth0', 'IP:256.1.1.1', 'IP:1.2.3', 'IP:01.2.3.4', 'IP:']) refusedAsUsage(bad);
    await assert.rejects(async () => await f.ca.issue({ profile: 'server', sans: ['IP:1:2:3:4:5:6:7:12345'] }), /not an IPv4 or IPv6 address/);
  });

  test('DNS names over RFC 1035 limits (253 characters, 63 per label) are refused', async () => {
    refusedAsUsage(`DNS:${Array.from({ length: 40 }, () => 'a'.repeat(63)).join('.')}`); // 2,559 characters
    refusedAsUsage(`DNS:${'a'.repeat(64)}.test`);
    refusedAsUsage(`DNS:${Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.')}.ab`); // 256
    refusedAsUsage('DNS:a..b');
    refusedAsUsage('DNS:foo.*.test');
    refusedAsUsage('DNS:-foo.test');
  });

  test('valid names are accepted at the limits and encoded exactly', async () => {
    const longest = `${Array.from({ length: 3 }, () => 'a'.repeat(63)).join('.')}.${'b'.repeat(61)}`;
    assert.equal(longest.length, 253);
    assert.deepEqual(normaliseSans([`DNS:${longest}`, 'DNS:*.Example.TEST', 'IP:2001:DB8:0:0:0:0:0:1', 'IP:::ffff:1.2.3.4', 'IP:10.0.0.5']), [
      `DNS:${longest}`,
      'DNS:*.example.test',
      'IP:2001:db8::1',
      'IP:::ffff:102:304',
      'IP:10.0.0.5',
    ]);
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:ok.test', 'IP:2001:db8::1', 'IP:::ffff:1.2.3.4', 'IP:1:2:3:4:5:6:7:ffff', 'IP:127.0.0.1'] });
    const ips = r.certificate.ipAddresses.map((b) => Buffer.from(b).toString('hex'));
    assert.deepEqual(ips, ['20010db8000000000000000000000001', '00000000000000000000ffff01020304', '0001000200030004000500060007ffff', '7f000001']);
    for (const b of r.certificate.ipAddresses) assert.ok(b.length === 4 || b.length === 16);
  });
});
