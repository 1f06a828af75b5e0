/**
 * `certwarden incident ca-compromise` end to end: a real CA home with two
 * certificates served by real TLS servers on loopback; the playbook revokes
 * the issuing CA on the root's CRL, lists what is still valid, reissues it
 * under a new CA home, and the sweep shows the endpoints chaining to the
 * compromised CA until they are swapped to the reissued certificates.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '../../src/crl/parse.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { assertOneLineError } from '../helpers/cli.ts';
import { keyPem, makeRoot, tempDir } from '../helpers/pki.ts';
import { runCli } from '../helpers/cli.ts';
import { PASSPHRASE } from './helpers.ts';
import { initCa, startSwappable, writeTargets, type CaHome, type SwappableServer } from './helpers.ts';

interface CaCompromiseJson {
  playbook: string;
  compromisedCa: { serial: string; sha256: string; spkiPin: string };
  revocation: { state: string; reason?: string; rootCrl?: { number: string; file: string } };
  newCa: { state: string; commands: string[]; dir?: string };
  stillValid: Array<{ serial: string; sans: string[]; reissue?: { state: string; serial: string; files: { certificate: string; chain: string; key: string } } }>;
  stalePins: Array<{ pin: string; names: string }>;
  staleAnchors: Array<{ scope: string; source: string; where: string }>;
  fleet: { affected: number; endpoints: Array<{ target: string; state: string; detail?: string }> } | null;
}

describe('certwarden incident ca-compromise', () => {
  let tmp: ReturnType<typeof tempDir>;
  let old: CaHome;
  let neu: CaHome;
  let web: Awaited<ReturnType<CaHome['issue']>>;
  let api: Awaited<ReturnType<CaHome['issue']>>;
  let a: SwappableServer;
  let b: SwappableServer;
  let fleet: string;
  let out: string;
  before(async () => {
    tmp = tempDir('certwarden-incident-cc-');
    old = await initCa(join(tmp.dir, 'old'), 'Old');
    neu = await initCa(join(tmp.dir, 'new'), 'New');
    web = await old.issue('web', ['DNS:web.test', 'IP:127.0.0.1']);
    api = await old.issue('api', ['DNS:api.test', 'IP:127.0.0.1']);
    a = await startSwappable(web.chain, web.key);
    b = await startSwappable(api.chain, api.key);
    fleet = writeTargets(join(tmp.dir, 'fleet.txt'), [a.target, b.target]);
    out = join(tmp.dir, 'out');
  });
  after(async () => {
    await a.stop();
    await b.stop();
    tmp.cleanup();
  });

  test('refusals before anything changes: --reissue without --new-dir, a --dir that is not a CA home', async () => {
    assertOneLineError(await old.cli(['incident', 'ca-compromise', '--reissue']), 'CW_ERR_USAGE');
    assertOneLineError(await old.cli(['incident', 'ca-compromise', '--dir', join(tmp.dir, 'nowhere')]), 'CW_ERR_USAGE');
    assertOneLineError(await old.cli(['incident', 'ca-compromise', '--new-dir', old.dir, '--reissue', '--out', out]), 'CW_ERR_USAGE');
    const list = JSON.parse((await old.cli(['ca', 'list', '--status', 'valid', '--format', 'json'])).stdout) as unknown[];
    assert.equal(list.length, 2);
  });

  test('revokes the issuing CA (cACompromise) on a root CRL signed now, lists what is still valid, the new-CA commands, and the endpoints chaining to it (exit 1)', async () => {
    const r = await old.cli(['incident', 'ca-compromise', '--targets', fleet, '--out', out, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as CaCompromiseJson;
    assert.equal(j.playbook, 'ca-compromise');
    assert.deepEqual([j.revocation.state, j.revocation.reason], ['revoked-now', 'cACompromise']);
    const crl = parseCrl(readFileSync(j.revocation.rootCrl!.file));
    assert.deepEqual([...crl.entries()].map((x) => [x.serialHex, x.reason]), [[j.compromisedCa.serial, 'cACompromise']]);
    assert.deepEqual(j.stillValid.map((v) => v.serial).sort(), [web.serial, api.serial].sort());
    assert.equal(j.newCa.state, 'to-create');
    assert.match(j.newCa.commands[0]!, /^certwarden ca init --dir \S+ --name 'Old \(reissued\)' --key ec-p256 --crl-url http:\/\/127\.0\.0\.1:9\/ca\.crl/);
    assert.equal(j.fleet?.affected, 2);
    assert.match(j.fleet!.endpoints[0]!.detail!, /issued by the compromised CA/);
    // The CA itself now refuses to issue.
    assertOneLineError(await old.cli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:x.test', '--out', join(tmp.dir, 'x')]), 'CW_ERR_USAGE');
  });

  test('key-compromise under the revoked CA is refused before anything changes (CW_ERR_STATE), naming what to do', async () => {
    const r = await old.cli(['incident', 'key-compromise', '--cert', `${api.prefix}.pem`, '--out', join(tmp.dir, 'kc')]);
    assertOneLineError(r, 'CW_ERR_STATE');
    assert.match(r.stderr, new RegExp(`certwarden ca revoke ${api.serial} --reason keyCompromise`));
    assert.match(r.stderr, /--new-dir NEWDIR --reissue/);
    const valid = JSON.parse((await old.cli(['ca', 'list', '--status', 'valid', '--format', 'json'])).stdout) as unknown[];
    assert.equal(valid.length, 2, 'nothing revoked');
  });

  test('with --new-dir and --reissue: every still-valid certificate reissued under the new CA with a new key; a second run does neither again', async () => {
    const r = await old.cli(['incident', 'ca-compromise', '--new-dir', neu.dir, '--reissue', '--out', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /opened with the compromised CA's passphrase/);
    const j = JSON.parse(r.stdout) as CaCompromiseJson;
    assert.equal(j.revocation.state, 'already-revoked');
    assert.equal(j.newCa.state, 'given');
    const newIssuing = Certificate.parse(readFileSync(join(neu.dir, 'issuing.pem')));
    for (const v of j.stillValid) {
      assert.equal(v.reissue?.state, 'reissued-now');
      const cert = Certificate.parse(readFileSync(v.reissue!.files.certificate));
      assert.equal(cert.issuer, newIssuing.subject);
      const before = Certificate.parse(readFileSync(`${v.serial === web.serial ? web.prefix : api.prefix}.pem`));
      assert.deepEqual(cert.dnsNames, before.dnsNames);
      assert.notEqual(cert.spkiSha256, before.spkiSha256, 'a new key');
      assert.equal(statSync(v.reissue!.files.key).mode & 0o777, 0o600);
    }
    const again = await old.cli(['incident', 'ca-compromise', '--new-dir', neu.dir, '--reissue', '--out', out, '--format', 'json']);
    assert.equal(again.code, 0, again.stderr);
    const k = JSON.parse(again.stdout) as CaCompromiseJson;
    assert.deepEqual(k.stillValid.map((v) => v.reissue?.state), ['already-reissued', 'already-reissued']);
    assert.deepEqual(k.stillValid.map((v) => v.reissue?.serial).sort(), j.stillValid.map((v) => v.reissue?.serial).sort());
    const issued = JSON.parse((await neu.cli(['ca', 'list', '--format', 'json'])).stdout) as unknown[];
    assert.equal(issued.length, 2, 'two reissues, not four');
  });

  test('once the endpoints serve the reissued certificates, the sweep is clean (exit 0), text output', async () => {
    const j = JSON.parse((await old.cli(['incident', 'ca-compromise', '--new-dir', neu.dir, '--reissue', '--out', out, '--format', 'json'])).stdout) as CaCompromiseJson;
    const files = (serial: string): { chain: string; key: string } => j.stillValid.find((v) => v.serial === serial)!.reissue!.files;
    a.swap(readFileSync(files(web.serial).chain, 'utf8'), readFileSync(files(web.serial).key, 'utf8'));
    const half = await old.cli(['incident', 'ca-compromise', '--targets', fleet, '--out', out]);
    assert.equal(half.code, 1, half.stderr);
    assert.match(half.stdout, new RegExp(`clean +${a.target.replace(/\./g, '\\.')}`));
    assert.match(half.stdout, new RegExp(`AFFECTED +${b.target.replace(/\./g, '\\.')}: serves ${api.serial}, issued by the compromised CA`));
    b.swap(readFileSync(files(api.serial).chain, 'utf8'), readFileSync(files(api.serial).key, 'utf8'));
    const done = await old.cli(['incident', 'ca-compromise', '--targets', fleet, '--out', out]);
    assert.equal(done.code, 0, done.stderr + done.stdout);
    assert.match(done.stdout, /No endpoint chains to the compromised CA/);
    assert.match(done.stdout, /already revoked by the root \(cACompromise\)/);
  });

  test('an endpoint sending the compromised issuing CA certificate with another leaf is still affected', async () => {
    const self = await neu.issue('mixed', ['DNS:mixed.test', 'IP:127.0.0.1']);
    const mixed = await startSwappable(self.chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0]! + readFileSync(join(old.dir, 'issuing.pem'), 'utf8'), self.key);
    try {
      const r = await old.cli(['incident', 'ca-compromise', '--targets', writeTargets(join(tmp.dir, 'mixed.txt'), [mixed.target]), '--out', out]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /sends the compromised issuing CA certificate in its chain/);
    } finally {
      await mixed.stop();
    }
  });

  test('an imported CA (no root key in its home) is not revoked here: the note says who must, and the exit is 1', async () => {
    const external = makeRoot('CN=External Issuing CA');
    const certFile = join(tmp.dir, 'ext.pem');
    const keyFile = join(tmp.dir, 'ext.key');
    writeFileSync(certFile, external.certificate.toPem());
    writeFileSync(keyFile, keyPem(external.privateKey));
    const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: join(tmp.dir, 'imported') };
    assert.equal((await runCli(['ca', 'init', '--name', 'Imported', '--import-cert', certFile, '--import-key', keyFile], env)).code, 0);
    const r = await runCli(['incident', 'ca-compromise', '--out', join(tmp.dir, 'imported-out'), '--format', 'json'], env);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as CaCompromiseJson & { revocation: { note?: string } };
    assert.equal(j.revocation.state, 'manual');
    assert.match(j.revocation.note!, /ask whoever operates its root to revoke/);
  });

  test('the policy\'s pins of the compromised issuing CA and of the keys being replaced are listed', async () => {
    const issuing = Certificate.parse(readFileSync(join(old.dir, 'issuing.pem')));
    const webCert = Certificate.parse(readFileSync(`${web.prefix}.pem`));
    const policy = join(tmp.dir, 'pinned.yaml');
    writeFileSync(policy, `version: 1\ntrust:\n  cas: [${join(old.dir, 'root.pem')}]\n  pins:\n    - "sha256/${issuing.spkiSha256}"\n    - "sha256/${webCert.spkiSha256}"\n    - "sha256/${Buffer.alloc(32, 7).toString('base64')}"\n`);
    const r = await old.cli(['incident', 'ca-compromise', '--policy', policy, '--out', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as CaCompromiseJson;
    assert.deepEqual(j.stalePins.map((p) => p.pin), [`sha256/${issuing.spkiSha256}`, `sha256/${webCert.spkiSha256}`]);
    assert.match(j.stalePins[0]!.names, /compromised issuing CA/);
    assert.match(j.stalePins[1]!.names, new RegExp(`key of ${web.serial}`));
    assert.deepEqual(j.staleAnchors.map((a) => [a.scope, a.source]), [['trust.cas', join(old.dir, 'root.pem')]], 'the old root is an anchor to replace');
    assert.match(j.staleAnchors[0]!.where, /pinned\.yaml:3$/);
  });
});
