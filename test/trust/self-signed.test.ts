/**
 * `trust.self-signed`: specific self-signed certificates are trust beside the
 * CAs (ASVS V9.2.1 reads as a union), while `trust.pins` stays a restriction
 * on every chain. Regression for the field trial: the README's example (cas +
 * pins of a self-signed server) failed every CA-issued host with pin-mismatch.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPolicy } from '../../src/policy/load.ts';
import { evaluateTrust } from '../../src/trust/evaluate.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { OID } from '../../src/x509/oids.ts';
import type { PolicyWarning } from '../../src/policy/types.ts';
import { makeIntermediate, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

const root = makeRoot('CN=Internal Root');
const inter = makeIntermediate(root, 'CN=Internal Issuing');
const caLeaf = makeLeaf(inter, 'api.internal');

function selfSigned(name: string, o: { ca?: boolean } = {}) {
  const k = generateKeyPair();
  const certificate = createCertificate({ subject: `CN=${name}`, publicKey: k.publicKey, selfSignKey: k.privateKey, ca: o.ca ?? false, san: [`DNS:${name}`], extKeyUsage: [OID.serverAuth], keyUsage: o.ca ? ['keyCertSign', 'digitalSignature'] : ['digitalSignature'] });
  return { certificate, ...k };
}
const nas = selfSigned('nas.internal');
const printer = selfSigned('printer.internal');
const backup = selfSigned('backup.internal');

function load(trust: Record<string, unknown>, warnings: PolicyWarning[] = []) {
  return loadPolicy({ version: 1, trust, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd(), onWarning: (w) => warnings.push(w) });
}

const ev = (chain: Parameters<typeof evaluateTrust>[0], policy: ReturnType<typeof load>, host: string) => evaluateTrust(chain, { policy, host, skipRevocation: true });

describe('the README trap: cas + pins of a self-signed server', () => {
  test('pins restrict every chain: a CA-issued host fails with pin-mismatch, and the message points to trust.self-signed', async () => {
    const policy = load({ cas: [root.certificate.toPem()], pins: [`sha256/${nas.certificate.spkiSha256}`, `sha256/${backup.certificate.spkiSha256}`] });
    const v = await ev([caLeaf.certificate, inter.certificate], policy, 'api.internal');
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'pin-mismatch');
    assert.match(v.reasons[0]!.message, /trust\.self-signed/);
  });

  test('loading it warns: pins restrict every chain; use trust.self-signed beside CAs', () => {
    const warnings: PolicyWarning[] = [];
    load({ cas: [root.certificate.toPem()], pins: [`sha256/${nas.certificate.spkiSha256}`, `sha256/${backup.certificate.spkiSha256}`] }, warnings);
    assert.ok(warnings.some((w) => /pins restrict every chain; to trust a self-signed certificate beside your CAs use trust\.self-signed/.test(w.message)), JSON.stringify(warnings));
  });

  test('no warning when a pin is the key of a configured CA (deliberate HPKP-style restriction)', () => {
    const warnings: PolicyWarning[] = [];
    load({ cas: [root.certificate.toPem()], pins: [`sha256/${root.certificate.spkiSha256}`, `sha256/${backup.certificate.spkiSha256}`] }, warnings);
    assert.deepEqual(warnings.map((w) => w.message), []);
  });

  test('no warning when trust.self-signed is present', () => {
    const warnings: PolicyWarning[] = [];
    load({ cas: [root.certificate.toPem()], 'self-signed': [`sha256/${nas.certificate.spkiSha256}`], pins: [`sha256/${inter.certificate.spkiSha256}`, `sha256/${backup.certificate.spkiSha256}`] }, warnings);
    assert.deepEqual(warnings.map((w) => w.message), []);
  });
});

describe('cas + self-signed: a union', () => {
  const forms = {
    'inline PEM': () => nas.certificate.toPem(),
    'SPKI pin sha256/': () => `sha256/${nas.certificate.spkiSha256}`,
    'certificate pin sha256-cert/': () => `sha256-cert/${nas.certificate.fingerprint256.toUpperCase()}`,
  };
  for (const [form, entry] of Object.entries(forms)) {
    test(`${form}: CA-issued hosts and the listed self-signed host are both trusted`, async () => {
      const policy = load({ cas: [root.certificate.toPem()], 'self-signed': [entry()] });
      const ca = await ev([caLeaf.certificate, inter.certificate], policy, 'api.internal');
      assert.equal(ca.trusted, true, JSON.stringify(ca.reasons));
      const own = await ev([nas.certificate], policy, 'nas.internal');
      assert.equal(own.trusted, true, JSON.stringify(own.reasons));
      assert.equal(own.path.length, 1);
    });
  }

  test('a file entry works and a self-signed certificate not listed is refused', async () => {
    const tmp = tempDir();
    try {
      tmp.write('nas.pem', nas.certificate.toPem());
      const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()], 'self-signed': ['nas.pem'] } }, { baseDir: tmp.dir });
      assert.equal((await ev([nas.certificate], policy, 'nas.internal')).trusted, true);
      const other = await ev([printer.certificate], policy, 'printer.internal');
      assert.equal(other.trusted, false);
    } finally {
      tmp.cleanup();
    }
  });

  test('the self-signed certificate is still checked for the host name', async () => {
    const policy = load({ 'self-signed': [`sha256/${nas.certificate.spkiSha256}`] });
    const v = await ev([nas.certificate], policy, 'printer.internal');
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'hostname-mismatch');
  });

  test('a listed self-signed CA anchors only itself, never certificates it issued', async () => {
    const selfCa = selfSigned('lab.internal', { ca: true });
    const issued = makeLeaf({ certificate: selfCa.certificate, privateKey: selfCa.privateKey, publicKey: selfCa.publicKey }, 'box.internal');
    const policy = load({ 'self-signed': [selfCa.certificate.toPem()] });
    const v = await ev([issued.certificate, selfCa.certificate], policy, 'box.internal');
    assert.equal(v.trusted, false);
  });

  test('an SPKI entry admits only a self-signed leaf with that key, not a CA-issued certificate for the same key', async () => {
    const rogue = makeRoot('CN=Rogue');
    const sameKey = createCertificate({ subject: 'CN=nas.internal', publicKey: nas.publicKey, issuer: { certificate: rogue.certificate, privateKey: rogue.privateKey }, ca: false, san: ['DNS:nas.internal'], extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'] });
    const policy = load({ 'self-signed': [`sha256/${nas.certificate.spkiSha256}`] });
    assert.equal((await ev([sameKey, rogue.certificate], policy, 'nas.internal')).trusted, false);
  });

  test('pins still restrict a self-signed host when both are given', async () => {
    const policy = load({ 'self-signed': [`sha256/${nas.certificate.spkiSha256}`], pins: [`sha256/${printer.certificate.spkiSha256}`, `sha256/${backup.certificate.spkiSha256}`] });
    const v = await ev([nas.certificate], policy, 'nas.internal');
    assert.equal(v.trusted, false);
    assert.equal(v.reasons[0]!.code, 'pin-mismatch');
  });

  test('revocation of a self-signed leaf is not applicable (no issuer), not a failure', async () => {
    const policy = load({ 'self-signed': [`sha256/${nas.certificate.spkiSha256}`] });
    const v = await evaluateTrust([nas.certificate], { policy, host: 'nas.internal' });
    assert.equal(v.trusted, true, JSON.stringify(v.reasons));
    assert.equal(v.revocation?.status, 'na');
  });
});

describe('loading trust.self-signed', () => {
  test('self-signed alone is an anchor: the policy loads', () => {
    const policy = load({ 'self-signed': [`sha256/${nas.certificate.spkiSha256}`] });
    assert.equal(policy.trust.selfSigned.length, 1);
    assert.equal(policy.trust.selfSigned[0]!.kind, 'spki');
  });

  test('a CA-issued certificate in self-signed is an error that says to use trust.cas', () => {
    assert.throws(() => load({ 'self-signed': [caLeaf.certificate.toPem()] }), (e: Error & { code?: string }) => e.code === 'CW_ERR_POLICY' && /trust\.self-signed\[0\].*is not self-signed.*trust\.cas/.test(e.message));
  });

  test('a malformed sha256-cert pin is an error', () => {
    assert.throws(() => load({ 'self-signed': ['sha256-cert/abcd'] }), (e: Error & { code?: string }) => e.code === 'CW_ERR_POLICY' && /64 hex digits/.test(e.message));
  });

  test('a malformed sha256 pin is an error', () => {
    assert.throws(() => load({ 'self-signed': ['sha256/short='] }), (e: Error & { code?: string }) => e.code === 'CW_ERR_POLICY' && /44 base64/.test(e.message));
  });

  test('a destination rule replaces the inherited list', async () => {
    const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()], 'self-signed': [`sha256/${nas.certificate.spkiSha256}`] }, destinations: [{ match: 'printer.internal', trust: { 'self-signed': [`sha256/${printer.certificate.spkiSha256}`] } }] });
    assert.equal((await ev([printer.certificate], policy, 'printer.internal')).trusted, true);
    assert.equal((await ev([printer.certificate], policy, 'nas.internal')).trusted, false);
  });
});
