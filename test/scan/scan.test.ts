/**
 * certwarden scan against Node TLS servers on loopback: each scenario asserts
 * both requirement verdicts and the finding ids.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLeaf, makeRoot, keyPem } from '../helpers/pki.ts';
import { OID } from '../../src/x509/oids.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { TargetResult } from '../../src/scan/report.ts';
import type { Policy } from '../../src/policy/types.ts';
import { FAST, makePki, startSilentServer, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

let pki: Pki;
const servers: RunningServer[] = [];
const ports: Record<string, number> = {};
let policy: Policy;
let results: Map<string, TargetResult>;

const ids = (r: TargetResult, q: 'V9.2.1' | 'V9.2.4'): string[] => r.requirements[q].findings.map((f) => f.id);

before(async () => {
  pki = await makePki();
  const good = pki.leaf('good.test');
  const nostaple = pki.leaf('nostaple.test');
  const revoked = pki.leaf('revoked.test');
  pki.revoked.add(revoked.certificate.serialHex);
  const expired = pki.leaf('expired.test', { notBefore: new Date(Date.now() - 40 * 86_400_000), notAfter: new Date(Date.now() - 10 * 86_400_000) });
  const must = pki.leaf('muststaple.test', { mustStaple: true });
  const rogueRoot = makeRoot('CN=Rogue Root');
  const rogue = makeLeaf(rogueRoot, 'rogue.test');
  const selfKeys = generateKeyPair();
  const self = { certificate: createCertificate({ subject: 'CN=pinned.test', publicKey: selfKeys.publicKey, selfSignKey: selfKeys.privateKey, ca: false, san: ['DNS:pinned.test'], extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'] }), privateKey: selfKeys.privateKey, publicKey: selfKeys.publicKey };
  const backup = generateKeyPair();
  const backupPin = createCertificate({ subject: 'CN=b', publicKey: backup.publicKey, selfSignKey: backup.privateKey }).spkiSha256;
  const clientCa = makeRoot('CN=Client CA');
  const start = async (name: string, p: Promise<RunningServer>): Promise<void> => {
    const s = await p;
    servers.push(s);
    ports[name] = s.port;
  };
  await start('good', startTlsServer({ identity: good, staple: pki.staple(good) }, pki));
  await start('nostaple', startTlsServer({ identity: nostaple }, pki));
  await start('revoked', startTlsServer({ identity: revoked, staple: pki.staple(revoked, { status: 'revoked' }) }, pki));
  await start('expired', startTlsServer({ identity: expired, staple: pki.staple(expired) }, pki));
  await start('wronghost', startTlsServer({ identity: good, staple: pki.staple(good) }, pki));
  await start('rogue', startTlsServer({ identity: rogue, chain: [rogueRoot] }));
  await start('incomplete', startTlsServer({ identity: good, chain: [], staple: pki.staple(good) }));
  await start('order', startTlsServer({ identity: good, chain: [pki.root, pki.inter], staple: pki.staple(good) }));
  await start('pinned', startTlsServer({ identity: self, chain: [] }));
  await start('must', startTlsServer({ identity: must }, pki));
  await start('lax', startTlsServer({ identity: good, staple: pki.staple(good), requestCert: true, rejectUnauthorized: false }, pki));
  await start('strict', startTlsServer({ identity: good, staple: pki.staple(good), requestCert: true, rejectUnauthorized: true, ca: clientCa.certificate.toPem() }, pki));
  void keyPem;
  policy = pki.policy(`revocation:\n  check: leaf\ndestinations:\n  - match: pinned.test\n    trust:\n      pins: ["sha256/${self.certificate.spkiSha256}", "sha256/${backupPin}"]\n`);
  const host: Record<string, string> = { wronghost: 'other.test', rogue: 'rogue.test', pinned: 'pinned.test', must: 'muststaple.test', revoked: 'revoked.test', expired: 'expired.test', nostaple: 'nostaple.test' };
  const targets = Object.keys(ports).map((k) => ({ ...parseTarget(`${host[k] ?? 'good.test'}:${ports[k]}`), address: '127.0.0.1', input: k }));
  const report = await runScan({ policy, targets, settings: FAST, targetTimeoutMs: 8_000, concurrency: 20 });
  results = new Map(report.results.map((r) => [r.target, r]));
  // A dead target beside a live one, with a short budget: it costs its timeout and nothing else.
  const dead = await startSilentServer();
  servers.push(dead);
  const second = await runScan({ policy, targets: [{ ...parseTarget(`good.test:${dead.port}`), address: '127.0.0.1', input: 'dead' }, { ...parseTarget(`good.test:${ports.good}`), address: '127.0.0.1', input: 'good-again' }], settings: FAST, targetTimeoutMs: 1_500 });
  for (const r of second.results) results.set(r.target, r);
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pki.close();
});

describe('certwarden scan: Node TLS servers', () => {
  test('good chain, good staple on TLS 1.2 and 1.3, OCSP good: both pass', () => {
    const r = results.get('good')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', JSON.stringify(r.requirements));
    assert.equal(r.requirements['V9.2.4'].status, 'pass', JSON.stringify(r.requirements));
    assert.ok(ids(r, 'V9.2.1').includes('client-auth-not-requested'));
    assert.ok(ids(r, 'V9.2.4').includes('staple-info'));
    assert.equal(r.address, '127.0.0.1');
    assert.equal(r.serverName, 'good.test');
  });
  test('stapling off: V9.2.1 pass, V9.2.4 fail staple-missing (after the retries)', () => {
    const r = results.get('nostaple')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass');
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
    assert.deepEqual(ids(r, 'V9.2.4'), ['staple-missing']);
    const d = r.evidence.checks.stapling as { versions: Array<{ attempts: number }> };
    assert.deepEqual(d.versions.map((v) => v.attempts), [FAST.stapleAttempts, FAST.stapleAttempts]);
  });
  test('revoked certificate: V9.2.4 fails however it is found (staple and OCSP)', () => {
    const r = results.get('revoked')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass');
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
    assert.ok(ids(r, 'V9.2.4').includes('staple-revoked'));
    assert.ok(ids(r, 'V9.2.4').includes('revoked'));
  });
  test('expired certificate: certificate-expired', () => {
    const r = results.get('expired')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.ok(ids(r, 'V9.2.1').includes('certificate-expired'));
  });
  test('wrong host: hostname-mismatch', () => {
    const r = results.get('wronghost')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.ok(ids(r, 'V9.2.1').includes('hostname-mismatch'));
  });
  test('untrusted CA: chain-untrusted; no staple, no revocation source', () => {
    const r = results.get('rogue')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.ok(ids(r, 'V9.2.1').includes('chain-untrusted'));
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
  });
  test('missing intermediate: chain-incomplete', () => {
    const r = results.get('incomplete')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.ok(ids(r, 'V9.2.1').includes('chain-incomplete'));
  });
  test('chain served out of order: chain-order (warn), still trusted', () => {
    const r = results.get('order')!;
    assert.equal(r.requirements['V9.2.1'].status, 'warn', JSON.stringify(r.requirements['V9.2.1']));
    assert.ok(ids(r, 'V9.2.1').includes('chain-order'));
  });
  test('pinned self-signed: V9.2.1 pass, V9.2.4 na with the reason', () => {
    const r = results.get('pinned')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', JSON.stringify(r.requirements['V9.2.1']));
    assert.equal(r.requirements['V9.2.4'].status, 'na', JSON.stringify(r.requirements['V9.2.4']));
    assert.match(r.requirements['V9.2.4'].reason ?? '', /anchor/);
  });
  test('Must-Staple certificate without a staple: must-staple-violated', () => {
    const r = results.get('must')!;
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
    assert.ok(ids(r, 'V9.2.4').includes('must-staple-violated'));
  });
  test('lax mTLS listener (rejectUnauthorized: false): client-auth-accepts-untrusted', () => {
    const r = results.get('lax')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.ok(ids(r, 'V9.2.1').includes('client-auth-accepts-untrusted'));
    assert.equal(r.requirements['V9.2.4'].status, 'pass');
  });
  test('strict mTLS listener: every untrusted credential refused on TLS 1.2 and 1.3', () => {
    const r = results.get('strict')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', JSON.stringify(r.requirements['V9.2.1']));
    assert.ok(ids(r, 'V9.2.1').includes('client-auth-enforced'));
    const d = r.evidence.checks['client-auth'] as { probes: Array<{ accepted: boolean; version: string }> };
    assert.equal(d.probes.length, 8);
    assert.ok(d.probes.every((p) => !p.accepted));
  });
  test('a server that accepts TCP and never answers: error (never pass), the others unaffected', () => {
    const r = results.get('dead')!;
    assert.equal(r.requirements['V9.2.1'].status, 'error');
    assert.equal(r.requirements['V9.2.4'].status, 'error');
    assert.ok(r.attempts.every((a) => a.status === 'error' && a.reason === 'connectivity'));
    assert.equal(results.get('good-again')!.requirements['V9.2.1'].status, 'pass');
  });
});

/**
 * A server that staples lazily, like nginx: the first handshake that asks for
 * a staple starts a "fetch" and gets none; the staple is there for the
 * handshakes after the fetch. Scanned with the default settings, so this
 * guards the default retry schedule (staple-retry.ts) on both TLS versions.
 */
describe('certwarden scan: cold stapling cache with the default retry', () => {
  const FETCH_MS = 40;
  let cold: { port: number; close: () => Promise<void> };
  let result: TargetResult;
  let handshakesAsking = 0;
  before(async () => {
    const { default: tls } = await import('node:tls');
    const leaf = pki.leaf('cold.test');
    const staple = pki.staple(leaf);
    let cached: Buffer | undefined;
    let fetching = false;
    const server = tls.createServer({ cert: leaf.certificate.toPem() + pki.inter.certificate.toPem(), key: keyPem(leaf.privateKey) }, (s) => s.on('error', () => {}).end());
    server.on('tlsClientError', () => {});
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => {
      handshakesAsking++;
      if (!cached && !fetching) {
        fetching = true;
        setTimeout(() => (cached = staple), FETCH_MS);
      }
      cb(null, cached);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cold = { port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
    const report = await runScan({ policy, targets: [{ ...parseTarget(`cold.test:${cold.port}`), address: '127.0.0.1', input: 'cold' }] });
    result = report.results[0]!;
  });
  after(() => cold.close());

  test('the staple is found by a retry on TLS 1.2 and TLS 1.3: V9.2.4 passes', () => {
    assert.equal(result.requirements['V9.2.4'].status, 'pass', JSON.stringify(result.requirements['V9.2.4']));
    const d = result.evidence.checks.stapling as { versions: Array<{ version: string; stapled: boolean; attempts: number }> };
    assert.deepEqual(d.versions.map((v) => v.stapled), [true, true]);
    assert.ok(d.versions.some((v) => v.attempts > 1), `the first handshakes found the cache cold: ${JSON.stringify(d.versions)}`);
    assert.ok(handshakesAsking >= 3);
  });
});
