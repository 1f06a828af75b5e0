import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { resolveDestination, resolveInbound, matchDestination, patternMatches } from '../../src/policy/match.ts';
import { parseHostPattern } from '../../src/policy/values.ts';
import type { HostPattern, Policy } from '../../src/policy/types.ts';
import { fixture, PIN_A, PIN_B, PIN_C, type Fixture } from './fixtures.ts';

let f: Fixture;
let policy: Policy;
before(() => {
  f = fixture();
  policy = f.load(`version: 1
trust:
  cas: [root.pem]
  pins: ["${PIN_A}", "${PIN_B}"]
revocation:
  mode: hard-fail
  check: chain
destinations:
  - name: any-internal
    match: "**.internal"
    revocation: { mode: soft-fail }
  - name: payments
    match: "*.payments.internal"
    trust:
      cas: [root2.pem]
      pins: []
    revocation: { check: leaf }
  - name: ledger-admin
    match: "ledger.payments.internal:8443"
    purpose: clientAuth
  - name: ledger
    match: "LEDGER.Payments.Internal."
    clock-skew: 10s
  - name: payments-deep
    match: "**.payments.internal"
    revocation: { max-response-age: 1h }
  - name: ip
    match: ["10.0.0.5", "[2001:DB8::1]"]
    trust: { system: true }
`);
});
after(() => f.cleanup());

const ruleName = (host: string, port?: number): string | null => resolveDestination(policy, host, port).rule?.name ?? null;

describe('resolveDestination precedence: most specific wins', () => {
  test('unmatched hosts get the top level', () => {
    const r = resolveDestination(policy, 'example.com', 443);
    assert.equal(r.rule, null);
    assert.equal(r.host, 'example.com');
    assert.equal(r.port, 443);
    assert.equal(r.anchors[0]!.fingerprint256, f.root.certificate.fingerprint256);
    assert.equal(r.pinState, 'active');
    assert.equal(r.revocation.mode, 'hard-fail');
    assert.equal(r.purpose, 'serverAuth');
  });

  test('exact host beats wildcards, port-specific beats port-less', () => {
    assert.equal(ruleName('ledger.payments.internal'), 'ledger');
    assert.equal(ruleName('ledger.payments.internal', 443), 'ledger');
    assert.equal(ruleName('ledger.payments.internal', 8443), 'ledger-admin');
    const r = resolveDestination(policy, 'ledger.payments.internal', 8443);
    assert.deepEqual(r.rule, { name: 'ledger-admin', index: 2, pattern: 'ledger.payments.internal:8443' });
    assert.equal(r.purpose, 'clientAuth');
  });

  test('longer suffix beats shorter; *. beats **. on the same suffix', () => {
    assert.equal(ruleName('api.payments.internal'), 'payments');
    assert.equal(ruleName('a.b.payments.internal'), 'payments-deep');
    assert.equal(ruleName('db.internal'), 'any-internal');
    assert.equal(ruleName('x.y.z.internal'), 'any-internal');
  });

  test('wildcards do not match the bare suffix', () => {
    assert.equal(ruleName('internal'), null);
    assert.equal(ruleName('payments.internal'), 'any-internal');
  });

  test('matching is case-insensitive and ignores a trailing dot', () => {
    assert.equal(ruleName('API.PAYMENTS.INTERNAL.'), 'payments');
    assert.equal(ruleName('Ledger.Payments.Internal'), 'ledger');
    assert.equal(resolveDestination(policy, 'API.Payments.Internal').host, 'api.payments.internal');
  });

  test('rules override field by field and inherit the rest', () => {
    const pay = resolveDestination(policy, 'api.payments.internal');
    assert.equal(pay.anchors.length, 1);
    assert.equal(pay.anchors[0]!.fingerprint256, f.root2.certificate.fingerprint256, 'cas is replaced, not appended');
    assert.equal(pay.pinState, 'none', 'pins: [] turns pinning off for this rule');
    assert.equal(pay.revocation.check, 'leaf');
    assert.equal(pay.revocation.mode, 'hard-fail', 'inherited from the top level, not from the broader **.internal rule');
    const deep = resolveDestination(policy, 'a.b.payments.internal');
    assert.equal(deep.revocation.maxResponseAgeMs, 3_600_000);
    assert.equal(deep.revocation.check, 'chain');
    assert.equal(deep.pins.length, 2);
    const ledger = resolveDestination(policy, 'ledger.payments.internal');
    assert.equal(ledger.clockSkewMs, 10_000);
    assert.equal(ledger.anchors[0]!.fingerprint256, f.root.certificate.fingerprint256);
    const soft = resolveDestination(policy, 'db.internal');
    assert.equal(soft.revocation.mode, 'soft-fail');
    assert.deepEqual(soft.revocation.tolerates, ['unreachable']);
  });

  test('IP literals match only exact rules', () => {
    assert.equal(ruleName('10.0.0.5'), 'ip');
    assert.equal(ruleName('10.0.0.6'), null);
    assert.equal(ruleName('2001:db8::1'), 'ip');
    assert.equal(ruleName('[2001:db8:0:0::1]'), 'ip', 'IPv6 compared in canonical form');
    const wild = parseHostPattern('*.0.0.5');
    assert.ok(wild.ok);
    assert.equal(patternMatches(wild.value, '10.0.0.5', true), false);
  });

  test('system: true adds the runtime roots to anchors but not to configuredAnchors', () => {
    const r = resolveDestination(policy, '10.0.0.5');
    assert.equal(r.system, true);
    assert.equal(r.configuredAnchors.length, 1);
    assert.ok(r.anchors.length >= 1 + Math.min(rootCertificates.length, 50));
  });

  test('matchDestination exposes the rule and the pattern for evidence', () => {
    const m = matchDestination(policy, 'api.payments.internal');
    assert.equal(m?.rule.name, 'payments');
    assert.equal(m?.pattern.source, '*.payments.internal');
    assert.equal(matchDestination(policy, 'nowhere.example'), undefined);
  });

  test('rule order in the file does not matter', () => {
    const reversed = f.load(
      `version: 1
trust: { cas: [root.pem] }
destinations:
  - { name: exact, match: "a.b.example" }
  - { name: one, match: "*.b.example" }
  - { name: deep, match: "**.example" }
`,
      undefined,
      'reversed.yaml',
    );
    const forward = f.load(
      `version: 1
trust: { cas: [root.pem] }
destinations:
  - { name: deep, match: "**.example" }
  - { name: one, match: "*.b.example" }
  - { name: exact, match: "a.b.example" }
`,
      undefined,
      'forward.yaml',
    );
    for (const p of [reversed, forward]) {
      assert.equal(resolveDestination(p, 'a.b.example').rule?.name, 'exact');
      assert.equal(resolveDestination(p, 'c.b.example').rule?.name, 'one');
      assert.equal(resolveDestination(p, 'c.example').rule?.name, 'deep');
    }
  });
});

describe('host patterns', () => {
  const pat = (s: string): HostPattern => {
    const r = parseHostPattern(s);
    assert.ok(r.ok, s);
    return r.value;
  };
  test('one-label and any-depth wildcards', () => {
    assert.equal(patternMatches(pat('*.example.com'), 'a.example.com', false), true);
    assert.equal(patternMatches(pat('*.example.com'), 'a.b.example.com', false), false);
    assert.equal(patternMatches(pat('*.example.com'), 'example.com', false), false);
    assert.equal(patternMatches(pat('*.example.com'), 'badexample.com', false), false);
    assert.equal(patternMatches(pat('**.example.com'), 'a.b.example.com', false), true);
    assert.equal(patternMatches(pat('**.example.com'), 'example.com', false), false);
    assert.equal(patternMatches(pat('*.example.com:443'), 'a.example.com', false, 443), true);
    assert.equal(patternMatches(pat('*.example.com:443'), 'a.example.com', false, 444), false);
    assert.equal(patternMatches(pat('*.example.com:443'), 'a.example.com', false), false, 'a port-specific pattern needs a port');
  });
  test('rejected patterns', () => {
    for (const bad of ['a.*.example', '*.[::1]', 'x:0', 'x:65536', '[not-ip]']) assert.equal(parseHostPattern(bad).ok, false, bad);
  });
  test('IDN hosts are compared in punycode', () => {
    const p = f.load(`version: 1\ntrust: { cas: [root.pem] }\ndestinations:\n  - { match: "*.xn--bcher-kva.example" }\n`, undefined, 'idn.yaml');
    assert.equal(resolveDestination(p, 'shop.bücher.example').rule?.pattern, '*.xn--bcher-kva.example');
  });
});

describe('pin expiry at resolution time', () => {
  test('expired pins are dropped; all expired means reject (pinState all-expired)', () => {
    const p = f.load(
      `version: 1
trust:
  cas: [root.pem]
  pins:
    - { pin: "${PIN_A}", expires: 2040-01-01 }
    - { pin: "${PIN_B}", expires: 2041-01-01 }
    - "${PIN_C}"
destinations:
  - match: short.example
    trust:
      pins:
        - { pin: "${PIN_A}", expires: 2040-01-01 }
        - { pin: "${PIN_B}", expires: 2041-01-01 }
`,
      { now: new Date('2030-01-01T00:00:00Z') },
      'expiry.yaml',
    );
    // Only the cas-beside-pins advice (these pins name no CA key); no expiry warning yet.
    assert.deepEqual(p.warnings.filter((w) => !/pins restrict every chain/.test(w.message)), []);
    const before = resolveDestination(p, 'x.example', 443, { at: new Date('2039-12-31T23:59:59Z') });
    assert.equal(before.pins.length, 3);
    assert.equal(before.pinState, 'active');
    const later = resolveDestination(p, 'x.example', 443, { at: new Date('2040-06-01T00:00:00Z') });
    assert.deepEqual(later.pins.map((x) => x.value), [PIN_B, PIN_C]);
    const short = resolveDestination(p, 'short.example', 443, { at: new Date('2042-01-01T00:00:00Z') });
    assert.equal(short.pinState, 'all-expired');
    assert.deepEqual(short.pins, []);
  });
});

describe('resolveInbound', () => {
  test('client certificates use client-cas, clientAuth, no staple', () => {
    const p = f.load(
      `version: 1
trust: { cas: [root.pem] }
revocation: { mode: hard-fail, sources: [staple, ocsp, crl], require-staple: true }
inbound:
  client-cas: [root2.pem]
`,
      undefined,
      'inbound.yaml',
    );
    const r = resolveInbound(p)!;
    assert.equal(r.rule, null);
    assert.equal(r.purpose, 'clientAuth');
    assert.equal(r.anchors[0]!.fingerprint256, f.root2.certificate.fingerprint256);
    assert.equal(r.system, false);
    assert.equal(r.pinState, 'none');
    assert.deepEqual(r.revocation.sources, ['ocsp', 'crl']);
    assert.equal(r.revocation.requireStaple, false);
    assert.equal(r.revocation.mode, 'hard-fail');
    assert.equal(resolveInbound(f.load('version: 1\ntrust: { cas: [root.pem] }\n', undefined, 'none.yaml')), undefined);
  });
});
