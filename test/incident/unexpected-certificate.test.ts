/**
 * `certwarden incident unexpected-certificate` end to end: a real CA home, a
 * real Node TLS server on loopback serving a certificate the CA never issued
 * (reported, evidence bundle written, questions listed), then swapped to one
 * the CA issued (reported as the organisation's). Also: a certificate the
 * CA's key signed without a record, a revoked one, the CT fields, hostile
 * subjects, an unreachable target, and refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readEncryptedKey } from '../../src/ca/keys.ts';
import { parseSctList, OID_EMBEDDED_SCT_LIST } from '../../src/incident/certificate-facts.ts';
import { createCertificate } from '../../src/x509/builder.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { generateKeyPair } from '../../src/x509/sign.ts';
import { assertOneLineError } from '../helpers/cli.ts';
import { schemaAjv } from '../helpers/ajv.ts';
import { projectRoot } from '../helpers/shared.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { initCa, PASSPHRASE, startSwappable, writeTargets, type CaHome, type SwappableServer } from './helpers.ts';

interface BundleJson {
  playbook: string;
  target: string;
  reached: boolean;
  trusted: boolean;
  bundle: { dir: string; files: string[] };
  chain: Array<{ subject: string; sha256: string; spkiPin: string; issuer: string; ct: { embeddedScts: Array<{ logId: string; timestamp: string }> } }>;
  orgCa: { verdict: string; serial?: string; reason?: string };
  questions: string[];
  fleet: { affected: number; endpoints: Array<{ target: string; state: string }> } | null;
}

/** An RFC 6962 §3.3 SignedCertificateTimestampList with one SCT per log id, wrapped in its OCTET STRING. */
function sctExtension(logs: Array<{ id: number; at: number }>): Uint8Array {
  const scts = logs.map(({ id, at }) => {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(at));
    const body = Buffer.concat([Buffer.from([0]), Buffer.alloc(32, id), ts, Buffer.from([0, 0]), Buffer.from([4, 3, 0, 2, 0xaa, 0xbb])]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length);
    return Buffer.concat([len, body]);
  });
  const list = Buffer.concat(scts);
  const total = Buffer.alloc(2);
  total.writeUInt16BE(list.length);
  const tls = Buffer.concat([total, list]);
  return Buffer.concat([Buffer.from([0x04, tls.length]), tls]);
}

describe('certwarden incident unexpected-certificate', () => {
  let tmp: ReturnType<typeof tempDir>;
  let ca: CaHome;
  let server: SwappableServer;
  const stranger = makeLeaf(makeRoot('CN=Stranger Root'), 'web.test', { extensions: [{ oid: OID_EMBEDDED_SCT_LIST, value: sctExtension([{ id: 1, at: Date.UTC(2026, 0, 2) }, { id: 2, at: Date.UTC(2026, 0, 3) }]) }] });
  let n = 0;
  const out = (): string => join(tmp.dir, `bundle-${++n}`);
  before(async () => {
    tmp = tempDir('certwarden-incident-uc-');
    ca = await initCa(join(tmp.dir, 'ca'));
    server = await startSwappable(stranger.certificate.toPem(), keyPem(stranger.privateKey));
  });
  after(async () => {
    await server.stop();
    tmp.cleanup();
  });

  test('a certificate the organisation\'s CA never issued: bundle (0700) with chain, report, fingerprints, pins, CT fields; questions; exit 1', async () => {
    const dir = out();
    const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', ca.dir, '--out', dir, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as BundleJson;
    assert.equal(j.playbook, 'unexpected-certificate');
    assert.equal(j.orgCa.verdict, 'not-issued');
    assert.equal(j.trusted, false, 'the CA root does not anchor a stranger');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ['bundle.json', 'chain.pem', 'leaf.pem', 'scan-report.json', 'certificates.json', 'scan-evidence']) assert.ok(readdirSync(dir).includes(f), `${f} in the bundle`);
    assert.equal(Certificate.parse(readFileSync(join(dir, 'leaf.pem'))).fingerprint256, stranger.certificate.fingerprint256);
    assert.equal(j.chain[0]!.sha256, stranger.certificate.fingerprint256);
    assert.equal(j.chain[0]!.spkiPin, `sha256/${stranger.certificate.spkiSha256}`);
    assert.equal(j.chain[0]!.issuer, 'CN=Stranger Root');
    assert.deepEqual(j.chain[0]!.ct.embeddedScts.map((s) => [s.logId, s.timestamp]), [
      [Buffer.alloc(32, 1).toString('base64'), '2026-01-02T00:00:00.000Z'],
      [Buffer.alloc(32, 2).toString('base64'), '2026-01-03T00:00:00.000Z'],
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'scan-report.json'), 'utf8')) as { results: Array<{ target: string }> };
    assert.equal(report.results[0]!.target, server.target);
    const validate = schemaAjv().compile(JSON.parse(readFileSync(join(projectRoot, 'schema', 'scan-report.schema.json'), 'utf8')));
    assert.ok(validate(report), `scan-report.json has scan's report shape: ${JSON.stringify(validate.errors)}`);
    assert.ok(j.questions.some((q) => /Who requested this certificate/.test(q)));
    assert.ok(j.questions.some((q) => /Which CA issued it \("CN=Stranger Root"\)/.test(q)));
    assert.ok(j.questions.some((q) => /Revoke it\? Ask the issuing CA/.test(q)));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')).orgCa, j.orgCa);
  });

  test('swapped to a certificate the CA issued: reported as the organisation\'s, exit 0; then revoked: exit 1', async () => {
    const web = await ca.issue('web', ['DNS:web.test', 'IP:127.0.0.1']);
    server.swap(web.chain, web.key);
    try {
      const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', ca.dir, '--out', out(), '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as BundleJson;
      assert.deepEqual([j.orgCa.verdict, j.orgCa.serial], ['issued', web.serial]);
      assert.equal(j.trusted, true);
      assert.equal((await ca.cli(['ca', 'revoke', web.serial, '--reason', 'superseded'])).code, 0);
      const again = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', ca.dir, '--out', out(), '--format', 'json']);
      assert.equal(again.code, 1, again.stderr);
      const k = JSON.parse(again.stdout) as BundleJson;
      assert.deepEqual([k.orgCa.verdict, k.orgCa.reason], ['issued-revoked', 'superseded']);
    } finally {
      server.swap(stranger.certificate.toPem(), keyPem(stranger.privateKey));
    }
  });

  test('a certificate signed with the CA\'s issuing key but absent from its inventory is flagged as a CA key compromise', async () => {
    const issuing = Certificate.parse(readFileSync(join(ca.dir, 'issuing.pem')));
    const privateKey = readEncryptedKey(join(ca.dir, 'issuing.key'), PASSPHRASE);
    const keys = generateKeyPair();
    const forged = createCertificate({ subject: 'CN=web.test', publicKey: keys.publicKey, issuer: { certificate: issuing, privateKey }, serial: Buffer.from([0x42, 0x42]), ca: false, keyUsage: ['digitalSignature'], san: ['DNS:web.test', 'IP:127.0.0.1'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    server.swap(forged.toPem() + issuing.toPem(), keyPem(keys.privateKey));
    try {
      const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', ca.dir, '--out', out()]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /SIGNED BY THE ORGANISATION'S ISSUING CA KEY BUT NOT IN ITS INVENTORY/);
      assert.match(r.stdout, /Treat the CA as compromised \(certwarden incident ca-compromise\)/);
    } finally {
      server.swap(stranger.certificate.toPem(), keyPem(stranger.privateKey));
    }
  });

  test('a hostile subject is printed escaped (no forged lines, no escape sequences)', async () => {
    const hostile = makeLeaf(makeRoot('CN=Evil Root'), 'web.test', { subject: 'CN=evil\x1b[31m\nverdict: TRUSTED' });
    server.swap(hostile.certificate.toPem(), keyPem(hostile.privateKey));
    try {
      const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--out', out()]);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /\x1b/);
      assert.doesNotMatch(r.stdout, /^verdict: TRUSTED/m);
      assert.match(r.stdout, /evil\\e\[31m\\nverdict: TRUSTED/);
      assert.match(r.stdout, /unknown \(no CA inventory given/);
    } finally {
      server.swap(stranger.certificate.toPem(), keyPem(stranger.privateKey));
    }
  });

  test('--targets sweeps the fleet for other endpoints serving the same certificate', async () => {
    const twin = await startSwappable(stranger.certificate.toPem(), keyPem(stranger.privateKey));
    const web = await ca.issue('web2', ['DNS:web.test', 'IP:127.0.0.1']);
    const other = await startSwappable(web.chain, web.key);
    try {
      const fleet = writeTargets(join(tmp.dir, 'uc-fleet.txt'), [twin.target, other.target]);
      const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', ca.dir, '--targets', fleet, '--out', out(), '--format', 'json']);
      assert.equal(r.code, 1, r.stderr);
      const j = JSON.parse(r.stdout) as BundleJson;
      assert.deepEqual(j.fleet?.endpoints.map((x) => [x.target, x.state]), [[twin.target, 'affected'], [other.target, 'clean']]);
    } finally {
      await twin.stop();
      await other.stop();
    }
  });

  test('with --watch-config and no --dir, the watch\'s ca: inventories decide (and its targets are swept)', async () => {
    writeFileSync(join(tmp.dir, 'uc-policy.yaml'), `version: 1\ntrust:\n  cas: [${join(ca.dir, 'root.pem')}]\n`);
    const config = join(tmp.dir, 'uc-watch.yaml');
    writeFileSync(config, `version: 1\npolicy: uc-policy.yaml\ntargets:\n  - "${server.target}"\n  - { ca: ca }\n`);
    const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--watch-config', config, '--out', out(), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as BundleJson;
    assert.equal(j.orgCa.verdict, 'not-issued', 'the CA inventory was consulted (not unknown)');
    assert.deepEqual(j.fleet?.endpoints.map((x) => [x.target, x.state]), [[server.target, 'affected']]);
  });

  test('an unreachable target exits 2 and still leaves the scan report in the bundle', async () => {
    const dir = out();
    const r = await ca.cli(['incident', 'unexpected-certificate', '127.0.0.1:9', '--dir', ca.dir, '--out', dir, '--format', 'json']);
    assert.equal(r.code, 2, r.stderr);
    const j = JSON.parse(r.stdout) as BundleJson;
    assert.equal(j.reached, false);
    assert.ok(readdirSync(dir).includes('scan-report.json'));
    assert.ok(j.questions[0]!.includes('could not be reached') || /not be reached/.test(j.questions[0]!));
  });

  test('refusals: a non-empty or world-readable --out (CW_ERR_IO), no TARGET (CW_ERR_USAGE), --dir that is not a CA home (CW_ERR_IO / CW_ERR_USAGE)', async () => {
    const full = join(tmp.dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'old.txt'), 'older evidence');
    chmodSync(full, 0o700);
    const notEmpty = await ca.cli(['incident', 'unexpected-certificate', server.target, '--out', full]);
    assertOneLineError(notEmpty, 'CW_ERR_IO');
    assert.match(notEmpty.stderr, /is not empty/);
    const open = join(tmp.dir, 'world-readable');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const r0 = await ca.cli(['incident', 'unexpected-certificate', server.target, '--out', open]);
    assertOneLineError(r0, 'CW_ERR_IO');
    assert.match(r0.stderr, /readable by others/);
    assert.equal(statSync(open).mode & 0o777, 0o755, 'its mode is not changed');
    assertOneLineError(await ca.cli(['incident', 'unexpected-certificate', '--out', out()]), 'CW_ERR_USAGE');
    const r = await ca.cli(['incident', 'unexpected-certificate', server.target, '--dir', join(tmp.dir, 'nowhere'), '--out', out()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CW_ERR_(IO|USAGE)/);
  });

  test('the SCT list parser stops at a truncated or oversized list instead of reading past it', () => {
    const good = sctExtension([{ id: 7, at: 0 }]);
    assert.equal(parseSctList(good).scts.length, 1);
    assert.match(parseSctList(good.subarray(0, good.length - 3)).problem ?? '', /truncated/);
    assert.match(parseSctList(new Uint8Array([0x04, 0x02, 0xff, 0xff])).problem ?? '', /truncated/);
    const many = sctExtension(Array.from({ length: 2 }, (_, i) => ({ id: i, at: 0 })));
    assert.equal(parseSctList(many).scts.length, 2);
  });
});
