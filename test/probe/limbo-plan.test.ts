/**
 * Which limbo vectors run over the wire: each skip reason shown firing on a
 * vector that has it, and silent on one that does not; a vector with a
 * validation_time runs only when the real clock gives every certificate the
 * same validity.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLimbo, type LimboTestcase } from '../../src/probe/limbo-file.ts';
import { countSkips, LIMBO_SKIP_REASONS, planLimbo } from '../../src/probe/limbo-plan.ts';
import { keyPem, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { limboTestcase } from './limbo-fixture.ts';

const DAY = 86_400_000;
const now = Date.UTC(2026, 11, 2);

function vectors(...raw: Record<string, unknown>[]): LimboTestcase[] {
  return parseLimbo('t.json', { version: 1, testcases: raw.map((o, i) => limboTestcase({ id: `t::${i}`, ...o })) }).testcases;
}
function planOne(o: Record<string, unknown>): string {
  const p = planLimbo(vectors(o), now);
  return p.skipped[0]?.reason ?? `runs:${p.cases[0]!.spec.expected}`;
}

describe('limbo plan', () => {
  test('a plain server vector runs: SUCCESS is expected accept, FAILURE expected reject, under V9.2.1 as limbo:<id>', () => {
    const p = planLimbo(vectors({ expected_result: 'SUCCESS' }, { expected_result: 'FAILURE', importance: 'critical', extended_key_usage: ['serverAuth'] }), now);
    assert.deepEqual(p.skipped, []);
    assert.deepEqual(p.cases.map((c) => [c.spec.id, c.spec.requirement, c.spec.expected, c.spec.severity, c.direct]), [
      ['limbo:t::0', 'V9.2.1', 'accept', 'low', true],
      ['limbo:t::1', 'V9.2.1', 'reject', 'critical', true],
    ]);
  });

  test('each skip reason fires on the vector that has it', () => {
    assert.equal(planOne({ validation_kind: 'CLIENT' }), 'client-validation');
    assert.equal(planOne({ expected_peer_name: null }), 'no-server-name');
    assert.equal(planOne({ expected_peer_name: null, expected_peer_names: [{ kind: 'RFC822', value: 'a@example.com' }] }), 'no-server-name');
    assert.equal(planOne({ expected_peer_name: { kind: 'DNS', value: '*.example.com' } }), 'no-server-name');
    assert.equal(planOne({ expected_peer_name: { kind: 'IP', value: '999.1.1.1' } }), 'no-server-name');
    assert.equal(planOne({ extended_key_usage: ['clientAuth'] }), 'extended-key-usage');
    assert.equal(planOne({ max_chain_depth: 1 }), 'max-chain-depth');
    assert.equal(planOne({ crls: ['-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n'] }), 'out-of-band-crl');
    assert.equal(planOne({ features: ['pedantic-serial-number'] }), 'profile-choice');
    assert.equal(planOne({ features: ['rfc5280-incompatible-with-webpki'] }), 'profile-choice');
    assert.equal(planOne({ id: 'rfc5280::ca-as-leaf', conflicts_with: ['webpki::ca-as-leaf'] }), 'profile-choice');
    assert.equal(planOne({ peer_certificate_key: null }), 'no-leaf-key');
  });

  test('and stays silent where it does not apply (webpki side of a conflict, an unrelated feature, serverAuth, names of every kind)', () => {
    assert.equal(planOne({ id: 'webpki::ca-as-leaf', conflicts_with: ['rfc5280::ca-as-leaf'], expected_result: 'FAILURE' }), 'runs:reject');
    assert.equal(planOne({ features: ['denial-of-service', 'name-constraint-dn'] }), 'runs:accept');
    assert.equal(planOne({ extended_key_usage: ['serverAuth'] }), 'runs:accept');
    const p = planLimbo(vectors({ expected_peer_name: { kind: 'DNS', value: 'foo_bar.example.com' } }, { expected_peer_name: { kind: 'IP', value: '::1' } }, { expected_peer_name: { kind: 'IP', value: '127.0.0.1' } }), now);
    assert.deepEqual(p.cases.map((c) => [c.host, c.urlHost, c.direct]), [['foo_bar.example.com', 'foo_bar.example.com', false], ['::1', '[::1]', false], ['127.0.0.1', '127.0.0.1', true]]);
  });

  test('validation_time: runs when every certificate has the same validity now, skipped when one would flip (or cannot be read)', () => {
    const root = makeRoot('CN=plan root', { notBefore: new Date(now - 3650 * DAY), notAfter: new Date(now + 3650 * DAY) });
    const leafFor = (nb: number, na: number) => makeLeaf(root, 'localhost', { notBefore: new Date(nb), notAfter: new Date(na) });
    const expiredLongAgo = leafFor(now - 400 * DAY, now - 300 * DAY);
    const validThroughout = leafFor(now - 400 * DAY, now + 400 * DAY);
    const vt = new Date(now - 350 * DAY).toISOString();
    const v = (leaf: ReturnType<typeof makeLeaf>, at: string | null) => ({ trusted_certs: [root.certificate.toPem()], peer_certificate: leaf.certificate.toPem(), peer_certificate_key: keyPem(leaf.privateKey), validation_time: at });
    // Valid at validation_time, expired now: the client's clock would give another verdict.
    assert.equal(planOne(v(expiredLongAgo, vt)), 'validation-time');
    assert.equal(planOne(v(validThroughout, vt)), 'runs:accept');
    // Expired at validation_time and now: same verdict either way.
    assert.equal(planOne({ ...v(expiredLongAgo, new Date(now - 100 * DAY).toISOString()), expected_result: 'FAILURE' }), 'runs:reject');
    // A boundary within a day of now could flip during the run.
    assert.equal(planOne(v(leafFor(now - 400 * DAY, now + DAY / 2), vt)), 'validation-time');
    // A certificate whose validity cannot be read: unknown is not "the same".
    assert.match(planLimbo(vectors({ validation_time: vt }), now).skipped[0]!.detail!, /cannot read the validity of the leaf/);
    // No validation_time: the vector is meant for "now".
    assert.equal(planOne(v(expiredLongAgo, null)), 'runs:accept');
  });

  test('the cap: vectors past it are skipped as over-cap, counted per reason in declaration order', () => {
    const p = planLimbo(vectors({}, {}, {}, { validation_kind: 'CLIENT' }), now, 2);
    assert.equal(p.cases.length, 2);
    assert.deepEqual(countSkips(p.skipped).map((x) => [x.reason, x.count]), [['client-validation', 1], ['over-cap', 1]]);
    assert.equal(countSkips(p.skipped)[0]!.text, LIMBO_SKIP_REASONS['client-validation']);
  });
});
