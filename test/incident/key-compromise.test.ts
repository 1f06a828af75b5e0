/**
 * `certwarden incident key-compromise` end to end: a real CA home, a real TLS
 * server on loopback serving the compromised certificate, the playbook run
 * through the CLI; then the server is swapped to the replacement and the
 * sweep reports it clean. Also: running twice changes nothing, --until-clean
 * waits for the swap (and times out with the list), and bad input is a typed
 * error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '../../src/crl/parse.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { assertOneLineError } from '../helpers/cli.ts';
import { schemaAjv } from '../helpers/ajv.ts';
import { projectRoot } from '../helpers/shared.ts';
import { runOpenssl } from '../helpers/openssl-ocsp.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { initCa, runCliStreaming, startSwappable, writeTargets, type CaHome, type SwappableServer } from './helpers.ts';

interface KeyCompromiseJson {
  playbook: string;
  compromised: { serial: string; sha256: string; spkiPin: string };
  revocation: { state: string; reason: string };
  crl: { number: string; file: string; entries: number };
  replacement: { state: string; serial: string; sha256: string; spkiPin: string; files: { certificate: string; chain: string; key?: string } };
  stalePins: Array<{ pin: string; where: string }>;
  deploySteps: string[];
  fleet: { affected: number; unreachable: number; allClean: boolean; endpoints: Array<{ target: string; state: string; leafSha256?: string }>; scan: { results: unknown[] } } | null;
}

describe('certwarden incident key-compromise', () => {
  let tmp: ReturnType<typeof tempDir>;
  let ca: CaHome;
  let web: Awaited<ReturnType<CaHome['issue']>>;
  let server: SwappableServer;
  let targets: string;
  let out: string;
  before(async () => {
    tmp = tempDir('certwarden-incident-kc-');
    ca = await initCa(join(tmp.dir, 'ca'));
    web = await ca.issue('web', ['DNS:web.test', 'IP:127.0.0.1']);
    server = await startSwappable(web.chain, web.key);
    targets = writeTargets(join(tmp.dir, 'fleet.txt'), [server.target]);
    out = join(tmp.dir, 'incident');
  });
  after(async () => {
    await server.stop();
    tmp.cleanup();
  });

  test('revokes with keyCompromise, signs a CRL, replaces with a new key (0600), and reports the endpoint still serving the old certificate (exit 1)', async () => {
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--out', out, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as KeyCompromiseJson;
    assert.equal(j.playbook, 'key-compromise');
    assert.equal(j.compromised.serial, web.serial);
    assert.deepEqual([j.revocation.state, j.revocation.reason], ['revoked-now', 'keyCompromise']);
    assert.equal(j.replacement.state, 'issued-now');
    assert.notEqual(j.replacement.spkiPin, j.compromised.spkiPin, 'the replacement has a new key');
    assert.equal(statSync(j.replacement.files.key!).mode & 0o777, 0o600);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    const replacement = Certificate.parse(readFileSync(j.replacement.files.certificate));
    const old = Certificate.parse(readFileSync(`${web.prefix}.pem`));
    assert.deepEqual(replacement.dnsNames, old.dnsNames);
    assert.equal(replacement.subject, old.subject);
    // The CRL was signed now and lists the serial with reason keyCompromise (RFC 5280 §5.3.1).
    const crl = parseCrl(readFileSync(j.crl.file));
    const entry = [...crl.entries()].find((x) => x.serialHex === web.serial);
    assert.equal(entry?.reason, 'keyCompromise');
    // The CA agrees.
    const list = JSON.parse((await ca.cli(['ca', 'list', '--status', 'revoked', '--format', 'json'])).stdout) as Array<{ serial: string; reason: string }>;
    assert.deepEqual(list.map((x) => [x.serial, x.reason]), [[web.serial, 'keyCompromise']]);
    // The fleet: the one endpoint still serves the old certificate, found by its SHA-256.
    assert.equal(j.fleet?.affected, 1);
    assert.equal(j.fleet?.endpoints[0]?.state, 'affected');
    assert.equal(j.fleet?.endpoints[0]?.leafSha256, old.fingerprint256);
    assert.equal(j.fleet?.scan.results.length, 1, 'the sweep carries the scan report it came from');
    const validate = schemaAjv().compile(JSON.parse(readFileSync(join(projectRoot, 'schema', 'scan-report.schema.json'), 'utf8')));
    assert.ok(validate(j.fleet?.scan), `scan's report shape: ${JSON.stringify(validate.errors)}`);
    assert.ok(j.deploySteps.some((s) => s.includes(j.replacement.files.chain)));
  });

  test('a second run does not revoke again or issue a second replacement, and says so (text)', async () => {
    const before = JSON.parse((await ca.cli(['ca', 'list', '--format', 'json'])).stdout) as unknown[];
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /already revoked \(keyCompromise\)/);
    assert.match(r.stdout, /Replacement already issued \(not issued again\)/);
    assert.match(r.stdout, new RegExp(`AFFECTED +${server.target.replace(/\./g, '\\.')}: still serves the compromised certificate ${web.serial}`));
    const afterList = JSON.parse((await ca.cli(['ca', 'list', '--format', 'json'])).stdout) as unknown[];
    assert.equal(afterList.length, before.length, 'nothing new was issued');
  });

  test('once the server serves the replacement, the sweep reports it clean (exit 0)', async () => {
    const j0 = JSON.parse((await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--out', out, '--format', 'json'])).stdout) as KeyCompromiseJson;
    assert.equal(j0.fleet, null, 'no fleet given: nothing swept');
    server.swap(readFileSync(j0.replacement.files.chain, 'utf8'), readFileSync(j0.replacement.files.key!, 'utf8'));
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--out', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = JSON.parse(r.stdout) as KeyCompromiseJson;
    assert.equal(j.fleet?.affected, 0);
    assert.equal(j.fleet?.endpoints[0]?.state, 'clean');
    assert.equal(j.fleet?.endpoints[0]?.leafSha256, j.replacement.sha256);
    server.swap(web.chain, web.key);
  });

  test('--until-clean keeps sweeping until the server is swapped, then exits 0', async () => {
    const j0 = JSON.parse((await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--out', out, '--format', 'json'])).stdout) as KeyCompromiseJson;
    let swapped = false;
    const r = await runCliStreaming(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--out', out, '--until-clean', '--interval', '1s', '--timeout', '2m'], ca.env, (stderr) => {
      if (!swapped && /sweep 1: .*affected/.test(stderr)) {
        swapped = true;
        server.swap(readFileSync(j0.replacement.files.chain, 'utf8'), readFileSync(j0.replacement.files.key!, 'utf8'));
      }
    });
    assert.ok(swapped, `the first sweep reported the endpoint: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /No endpoint serves the compromised certificate/);
    server.swap(web.chain, web.key);
  });

  test('--until-clean times out with the list of endpoints still serving the old certificate (exit 1)', async () => {
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--out', out, '--until-clean', '--interval', '1s', '--timeout', '2s']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Timed out: 1 endpoint\(s\) serves the compromised certificate/);
    assert.match(r.stdout, new RegExp(`AFFECTED +${server.target.replace(/\./g, '\\.')}`));
  });

  test('--watch-config sweeps the watch\'s targets (labels as written) under its policy', async () => {
    const policy = join(tmp.dir, 'watch-policy.yaml');
    writeFileSync(policy, `version: 1\ntrust:\n  cas: [${join(ca.dir, 'root.pem')}]\n`);
    const config = join(tmp.dir, 'watch.yaml');
    writeFileSync(config, `version: 1\npolicy: watch-policy.yaml\ntargets:\n  - { target: "web.test:${server.port}", resolve: 127.0.0.1 }\n  - { ca: ca }\n`);
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--watch-config', config, '--out', out, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as KeyCompromiseJson;
    assert.deepEqual(j.fleet?.endpoints.map((x) => [x.target, x.state]), [[`web.test:${server.port}`, 'affected']]);
    const bad = join(tmp.dir, 'bad-watch.yaml');
    writeFileSync(bad, 'version: 1\npolicy: watch-policy.yaml\ntargets: []\nbogus: 1\n');
    assertOneLineError(await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--watch-config', bad, '--out', out]), 'CW_ERR_WATCH_CONFIG');
  });

  test('a swept endpoint\'s hostile subject is printed escaped', async () => {
    const hostile = makeLeaf(makeRoot('CN=Evil'), 'evil.test', { subject: 'CN=evil\x1b]52;c;AAAA\x07\nAFFECTED  nothing' });
    const evil = await startSwappable(hostile.certificate.toPem(), keyPem(hostile.privateKey));
    try {
      const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', writeTargets(join(tmp.dir, 'evil.txt'), [evil.target]), '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /[\x1b\x07]/);
      assert.doesNotMatch(r.stdout, /^AFFECTED/m);
      assert.match(r.stdout, /clean +127\.0\.0\.1:\d+: serves CN=evil\\e\]52.*AAAA\\x07\\nAFFECTED/);
    } finally {
      await evil.stop();
    }
  });

  test('an endpoint that cannot be reached is never reported clean (exit 2)', async () => {
    const dead = writeTargets(join(tmp.dir, 'dead.txt'), ['127.0.0.1:9']);
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', dead, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /UNREACHABLE +127\.0\.0\.1:9: .*\(not known to be clean\)/);
  });

  test('the policy\'s pins of the compromised key are listed with the new pin to add', async () => {
    const old = Certificate.parse(readFileSync(`${web.prefix}.pem`));
    const policy = join(tmp.dir, 'pinned.yaml');
    writeFileSync(policy, `version: 1\ntrust:\n  cas: [${join(ca.dir, 'root.pem')}]\n  pins:\n    - "sha256/${old.spkiSha256}"\n    - "sha256/${'A'.repeat(43)}="\n`);
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--out', out, '--policy', policy, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as KeyCompromiseJson;
    assert.deepEqual(j.stalePins.map((p) => p.pin), [`sha256/${old.spkiSha256}`]);
    assert.match(j.stalePins[0]!.where, /pinned\.yaml:5$/);
    assert.match(j.deploySteps[0]!, /Before deploying: add the new key's pin/);
  });

  test('a certificate this CA did not issue is CW_ERR_INCIDENT_NOT_ISSUED; nothing is revoked or issued', async () => {
    const stranger = makeLeaf(makeRoot('CN=Other Root'), 'web.test');
    const file = join(tmp.dir, 'stranger.pem');
    writeFileSync(file, stranger.certificate.toPem());
    const before = (await ca.cli(['ca', 'list', '--format', 'json'])).stdout;
    const r = await ca.cli(['incident', 'key-compromise', '--cert', file, '--out', join(tmp.dir, 'x')]);
    assertOneLineError(r, 'CW_ERR_INCIDENT_NOT_ISSUED');
    assert.equal((await ca.cli(['ca', 'list', '--format', 'json'])).stdout, before);
  });

  test('a chain file names its leaf; a CA certificate first is refused (CW_ERR_USAGE)', async () => {
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.chain.pem`, '--out', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as KeyCompromiseJson).compromised.serial, web.serial);
    const refused = await ca.cli(['incident', 'key-compromise', '--cert', join(ca.dir, 'issuing.pem'), '--out', out]);
    assertOneLineError(refused, 'CW_ERR_USAGE');
    assert.match(refused.stderr, /incident ca-compromise/);
  });

  test('a missing certificate file is CW_ERR_IO; no --cert, --targets with --watch-config, and an empty fleet are CW_ERR_USAGE', async () => {
    assertOneLineError(await ca.cli(['incident', 'key-compromise', '--cert', join(tmp.dir, 'nope.pem')]), 'CW_ERR_IO');
    assertOneLineError(await ca.cli(['incident', 'key-compromise']), 'CW_ERR_USAGE');
    assertOneLineError(await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', targets, '--watch-config', targets]), 'CW_ERR_USAGE');
    const empty = await ca.cli(['incident', 'key-compromise', '--cert', `${web.prefix}.pem`, '--targets', writeTargets(join(tmp.dir, 'empty.txt'), []), '--out', out]);
    assertOneLineError(empty, 'CW_ERR_USAGE');
    assert.match(empty.stderr, /names no target/);
  });

  test('a replacement revoked since is not reported as the replacement: files must move, then a new one is issued', async () => {
    const third = await ca.issue('third', ['DNS:third.test']);
    const dir = join(tmp.dir, 'third-incident');
    const first = JSON.parse((await ca.cli(['incident', 'key-compromise', '--cert', `${third.prefix}.pem`, '--out', dir, '--format', 'json'])).stdout) as KeyCompromiseJson;
    assert.equal((await ca.cli(['ca', 'revoke', first.replacement.serial, '--reason', 'keyCompromise'])).code, 0);
    const refused = await ca.cli(['incident', 'key-compromise', '--cert', `${third.prefix}.pem`, '--out', dir]);
    assertOneLineError(refused, 'CW_ERR_IO');
    assert.match(refused.stderr, /no valid replacement/);
    const moved = await ca.cli(['incident', 'key-compromise', '--cert', `${third.prefix}.pem`, '--out', join(tmp.dir, 'third-incident-2'), '--format', 'json']);
    assert.equal(moved.code, 0, moved.stderr);
    const second = JSON.parse(moved.stdout) as KeyCompromiseJson;
    assert.equal(second.replacement.state, 'issued-now');
    assert.notEqual(second.replacement.serial, first.replacement.serial);
    assert.notEqual(second.replacement.spkiPin, first.replacement.spkiPin);
  });

  test('a CSR with the compromised key is refused (CW_ERR_INCIDENT_KEY_REUSE) before anything is issued', async () => {
    const other = await ca.issue('other', ['DNS:other.test']);
    const csr = join(tmp.dir, 'reuse.csr');
    const made = await runOpenssl(['req', '-new', '-key', `${other.prefix}.key`, '-subj', '/CN=other.test', '-out', csr]);
    assert.equal(made.code, 0, made.stderr);
    const r = await ca.cli(['incident', 'key-compromise', '--cert', `${other.prefix}.pem`, '--csr', csr, '--out', join(tmp.dir, 'reuse')]);
    assertOneLineError(r, 'CW_ERR_INCIDENT_KEY_REUSE');
    // The key of another certificate this CA revoked for keyCompromise (web's, revoked above) is refused too.
    const webCsr = join(tmp.dir, 'web-key.csr');
    assert.equal((await runOpenssl(['req', '-new', '-key', `${web.prefix}.key`, '-subj', '/CN=other.test', '-out', webCsr])).code, 0);
    const banned = await ca.cli(['incident', 'key-compromise', '--cert', `${other.prefix}.pem`, '--csr', webCsr, '--out', join(tmp.dir, 'reuse')]);
    assertOneLineError(banned, 'CW_ERR_INCIDENT_KEY_REUSE');
    assert.match(banned.stderr, /revoked for keyCompromise/);
    const valid = JSON.parse((await ca.cli(['ca', 'list', '--status', 'valid', '--san', 'other.test', '--format', 'json'])).stdout) as Array<{ serial: string }>;
    assert.deepEqual(valid.map((x) => x.serial), [other.serial], 'not revoked, nothing issued');
    // A fresh key from a CSR is accepted; the key stays with whoever made the CSR.
    const freshKey = join(tmp.dir, 'fresh.key');
    writeFileSync(freshKey, keyPem(makeRoot("CN=k").privateKey));
    const fresh = join(tmp.dir, 'fresh.csr');
    assert.equal((await runOpenssl(['req', '-new', '-key', freshKey, '-subj', '/CN=other.test', '-out', fresh])).code, 0);
    const ok = await ca.cli(['incident', 'key-compromise', '--cert', `${other.prefix}.pem`, '--csr', fresh, '--out', join(tmp.dir, 'reuse'), '--format', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    const j = JSON.parse(ok.stdout) as KeyCompromiseJson;
    assert.equal(j.replacement.files.key, undefined);
    assert.notEqual(j.replacement.spkiPin, j.compromised.spkiPin);
  });
});
