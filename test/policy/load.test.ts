import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPolicy } from '../../src/policy/load.ts';
import { policyHash } from '../../src/policy/hash.ts';
import { DEFAULTS } from '../../src/policy/defaults.ts';
import { makeLeaf, makeRoot } from '../helpers/pki.ts';
import { fixture, PIN_A, PIN_B, PIN_C, type Fixture } from './fixtures.ts';

let f: Fixture;
before(() => {
  f = fixture();
});
after(() => f.cleanup());

describe('good policies', () => {
  test('minimal policy from the README (CAs plus a specific self-signed certificate)', () => {
    const p = f.load(`version: 1
trust:
  cas: [root.pem]
  self-signed: ["${PIN_A}"]
  system: false
revocation:
  mode: hard-fail
  require-staple: false
`);
    assert.equal(p.version, 1);
    assert.equal(p.file, join(f.dir, 'policy.yaml'));
    assert.equal(p.baseDir, f.dir);
    assert.equal(p.trust.anchors.length, 1);
    assert.equal(p.trust.anchors[0]!.fingerprint256, f.root.certificate.fingerprint256);
    assert.equal(p.trust.caSources[0]!.source, join(f.dir, 'root.pem'));
    assert.equal(p.trust.caSources[0]!.kind, 'file');
    assert.deepEqual(p.trust.pins, []);
    assert.deepEqual(p.trust.selfSigned.map((x) => [x.kind, x.sha256]), [['spki', PIN_A.slice('sha256/'.length)]]);
    assert.equal(p.revocation.mode, 'hard-fail');
    assert.deepEqual(p.revocation.tolerates, []);
    assert.deepEqual(p.warnings, []);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.trust) && Object.isFrozen(p.trust.pins) && Object.isFrozen(p.trust.selfSigned) && Object.isFrozen(p.revocation.sources));
  });

  test('defaults are applied and are the strict ones', () => {
    const p = f.load('version: 1\ntrust:\n  cas: [root.pem]\n');
    assert.equal(p.trust.system, false);
    assert.equal(p.trust.allowSinglePin, false);
    assert.deepEqual(p.trust.pins, []);
    assert.equal(p.purpose, 'serverAuth');
    assert.equal(p.clockSkewMs, 5 * 60_000);
    assert.deepEqual(p.revocation, {
      mode: 'hard-fail',
      tolerates: [],
      requireStaple: false,
      check: 'chain',
      crlNumber: 'optional',
      sources: ['staple', 'ocsp', 'crl'],
      maxResponseAgeMs: 7 * 86_400_000,
      maxStalenessMs: 3_600_000,
      timeouts: { ocspMs: 5000, crlMs: 10_000, connectMs: 5000 },
      maxResponseBytes: { ocsp: 1 << 20, crl: 32 << 20 },
      ocspGet: true,
    });
    assert.deepEqual(p.destinations, []);
    assert.equal(p.inbound, undefined);
    assert.equal(DEFAULTS.revocation.mode, 'hard-fail');
  });

  test('a full policy normalises every key', () => {
    const p = f.load(`# every key
version: 1
purpose: serverAuth
clock-skew: 90
trust:
  cas: [bundle.pem]
  pins:
    - pin: "${PIN_A}"
      expires: 2999-01-01
      note: current key
    - "${PIN_B}"
  system: true
revocation:
  mode: soft-fail
  require-staple: true
  check: leaf
  sources: [staple, crl]
  max-response-age: 2d
  max-staleness: 20m
  timeouts: { ocsp: 3s, crl: 1m, connect: 1500ms }
  max-response-bytes: { crl: 1000000 }
  ocsp-get: false
destinations:
  - match: "*.payments.internal"
    name: payments
    trust:
      cas: [root2.pem]
      pins: ["${PIN_C}"]
      allow-single-pin: true
    revocation:
      mode: hard-fail
      timeouts: { ocsp: 2s }
    clock-skew: 1m
  - match: ["legacy.example.com:8443", "10.0.0.5", "[2001:db8::1]:443"]
    purpose: clientAuth
inbound:
  client-cas: [root2.pem]
  revocation:
    check: chain
  clock-skew: 30s
`);
    assert.equal(p.clockSkewMs, 90_000);
    assert.equal(p.trust.anchors.length, 2);
    assert.equal(p.trust.caSources[0]!.certificates.length, 2);
    assert.equal(p.trust.system, true);
    assert.equal(p.trust.pins[0]!.expires?.toISOString(), '2999-01-01T00:00:00.000Z');
    assert.equal(p.trust.pins[0]!.note, 'current key');
    assert.equal(p.trust.pins[0]!.location.line, 8);
    assert.deepEqual(p.revocation, {
      mode: 'soft-fail',
      tolerates: ['unreachable'],
      requireStaple: true,
      check: 'leaf',
      crlNumber: 'optional',
      sources: ['staple', 'crl'],
      maxResponseAgeMs: 2 * 86_400_000,
      maxStalenessMs: 20 * 60_000,
      timeouts: { ocspMs: 3000, crlMs: 60_000, connectMs: 1500 },
      maxResponseBytes: { ocsp: 1 << 20, crl: 1_000_000 },
      ocspGet: false,
    });
    const [pay, legacy] = p.destinations;
    assert.equal(pay!.name, 'payments');
    assert.equal(pay!.index, 0);
    assert.equal(pay!.trust.anchors[0]!.fingerprint256, f.root2.certificate.fingerprint256);
    assert.equal(pay!.trust.system, true, 'system is inherited key by key');
    assert.deepEqual(pay!.trust.pins.map((x) => x.value), [PIN_C]);
    assert.equal(pay!.revocation.mode, 'hard-fail');
    assert.deepEqual(pay!.revocation.tolerates, []);
    assert.equal(pay!.revocation.check, 'leaf', 'inherited');
    assert.deepEqual(pay!.revocation.timeouts, { ocspMs: 2000, crlMs: 60_000, connectMs: 1500 });
    assert.equal(pay!.clockSkewMs, 60_000);
    assert.deepEqual([...pay!.overrides].sort(), ['clock-skew', 'revocation.mode', 'revocation.timeouts.ocsp', 'trust.allow-single-pin', 'trust.cas', 'trust.pins']);
    assert.equal(pay!.location.line, 24);
    assert.equal(legacy!.name, 'legacy.example.com:8443');
    assert.deepEqual(
      legacy!.patterns.map((x) => [x.kind, x.host, x.port, x.ip]),
      [
        ['exact', 'legacy.example.com', 8443, false],
        ['exact', '10.0.0.5', undefined, true],
        ['exact', '2001:db8::1', 443, true],
      ],
    );
    assert.equal(legacy!.purpose, 'clientAuth');
    assert.equal(legacy!.trust.anchors.length, 2, 'inherits the top-level anchors');
    assert.equal(p.inbound!.purpose, 'clientAuth');
    assert.equal(p.inbound!.clockSkewMs, 30_000);
    assert.equal(p.inbound!.trust.anchors[0]!.fingerprint256, f.root2.certificate.fingerprint256);
    assert.equal(p.inbound!.revocation.requireStaple, false);
    assert.deepEqual(p.inbound!.revocation.sources, ['crl'], 'staple is dropped from inherited sources');
    assert.equal(p.inbound!.revocation.check, 'chain');
    assert.equal(p.inbound!.revocation.mode, 'soft-fail', 'inherited from the top level');
  });

  test('JSON form (JSON is YAML) with $schema', () => {
    const p = f.load(
      JSON.stringify({ $schema: '../schema/policy.schema.json', version: 1, trust: { cas: ['root.pem'] }, revocation: { 'max-response-age': 3600 } }, null, 2),
      undefined,
      'policy.json',
    );
    assert.equal(p.revocation.maxResponseAgeMs, 3_600_000);
    assert.equal(p.trust.anchors.length, 1);
  });

  test('object form resolves relative paths from baseDir, and inline PEM works', () => {
    const p = loadPolicy(
      { version: 1, trust: { cas: ['root.pem', f.root2.certificate.toPem()] }, revocation: { mode: 'soft-fail' } },
      { baseDir: f.dir },
    );
    assert.equal(p.file, undefined);
    assert.equal(p.baseDir, f.dir);
    assert.deepEqual(
      p.trust.caSources.map((s) => s.kind),
      ['file', 'inline'],
    );
    assert.equal(p.trust.anchors.length, 2);
    assert.deepEqual(p.revocation.tolerates, ['unreachable']);
  });

  test('object form defaults baseDir to cwd', () => {
    const prev = process.cwd();
    process.chdir(f.dir);
    try {
      const p = loadPolicy({ version: 1, trust: { cas: ['root.pem'] } });
      assert.equal(p.trust.anchors.length, 1);
    } finally {
      process.chdir(prev);
    }
  });

  test('object form accepts Date objects for pin expiry', () => {
    const p = loadPolicy(
      { version: 1, trust: { pins: [{ pin: PIN_A, expires: new Date('2999-05-01T00:00:00Z') }, PIN_B] } },
      { baseDir: f.dir },
    );
    assert.equal(p.trust.pins[0]!.expires?.getTime(), Date.parse('2999-05-01T00:00:00Z'));
  });

  test('a policy with pins only (pinned self-signed certificate as anchor) is valid', () => {
    const p = f.load(`version: 1\ntrust:\n  pins: ["${PIN_A}", "${PIN_B}"]\n`);
    assert.equal(p.trust.anchors.length, 0);
    assert.equal(p.trust.pins.length, 2);
  });

  test('system: true alone is a valid anchor source', () => {
    const p = f.load('version: 1\ntrust:\n  system: true\n');
    assert.equal(p.trust.system, true);
  });

  test('durations accept every unit and integer seconds', () => {
    const p = f.load(`version: 1
trust: { cas: [root.pem] }
clock-skew: 0
revocation:
  max-response-age: 12h
  timeouts: { ocsp: 250ms, crl: 2m, connect: 7 }
`);
    assert.equal(p.clockSkewMs, 0);
    assert.equal(p.revocation.maxResponseAgeMs, 12 * 3_600_000);
    assert.deepEqual(p.revocation.timeouts, { ocspMs: 250, crlMs: 120_000, connectMs: 7000 });
  });

  test('max-response-bytes as one integer sets both caps', () => {
    const p = f.load('version: 1\ntrust: { cas: [root.pem] }\nrevocation:\n  max-response-bytes: 4096\n');
    assert.deepEqual(p.revocation.maxResponseBytes, { ocsp: 4096, crl: 4096 });
  });

  test('a non-CA anchor and an expired anchor load with warnings', () => {
    const t = fixture();
    try {
      const leaf = makeLeaf(t.root, 'self.example');
      const old = makeRoot('CN=Old Root', { notBefore: new Date('2000-01-01'), notAfter: new Date('2001-01-01') });
      t.write('leaf.pem', leaf.certificate.toPem());
      t.write('old.pem', old.certificate.toPem());
      const seen: string[] = [];
      const p = t.load('version: 1\ntrust:\n  cas: [leaf.pem, old.pem]\n', { onWarning: (w) => seen.push(w.message) });
      assert.equal(p.warnings.length, 2);
      assert.deepEqual(seen, p.warnings.map((w) => w.message));
      assert.match(p.warnings[0]!.message, /policy\.yaml:3:9: trust\.cas\[0\]: "CN=self\.example" in "leaf\.pem" is not a CA certificate/);
      assert.match(p.warnings[1]!.message, /policy\.yaml:3:19: trust\.cas\[1\]: anchor "CN=Old Root" in "old\.pem" expired on 2001-01-01/);
    } finally {
      t.cleanup();
    }
  });
});


describe('policyHash', () => {
  test('is stable across formatting and comments, and covers CA contents', () => {
    const a = f.load('version: 1\ntrust:\n  cas: [root.pem]\n');
    const b = f.load('# a comment\nversion: 1\ntrust: { cas: ["root.pem"] }\n', undefined, 'other.yaml');
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.hash, b.hash);
    assert.equal(policyHash(a), a.hash);
    const c = f.load('version: 1\ntrust:\n  cas: [root.pem]\nrevocation: { mode: soft-fail }\n', undefined, 'c.yaml');
    assert.notEqual(c.hash, a.hash);
    // Same text, different CA file contents: the hash changes.
    const t = fixture();
    try {
      const d = t.load('version: 1\ntrust:\n  cas: [root.pem]\n');
      assert.equal(d.canonical, a.canonical);
      assert.notEqual(d.hash, a.hash);
    } finally {
      t.cleanup();
    }
  });

  test('object form hashes like the file form', () => {
    const a = f.load('version: 1\ntrust:\n  cas: [root.pem]\n');
    const o = loadPolicy({ trust: { cas: ['root.pem'] }, version: 1 }, { baseDir: f.dir });
    assert.equal(o.hash, a.hash);
  });
});
