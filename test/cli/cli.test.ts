/**
 * The CLI contract: commands, JSON fields and exit codes (0 trusted/good,
 * 1 rejected/revoked/invalid, 2 usage or operational error), one-line errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { existsSync, lstatSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { keyPem, makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, tempDir } from '../helpers/pki.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { startDemoResponder, type DemoResponder } from '../../src/demo/responder.ts';

const tmp = tempDir('certwarden-cli-');
const root = makeRoot();
const inter = makeIntermediate(root);
const crlPath = `${tmp.dir}/inter.crl`;
const crlUrl = pathToFileURL(crlPath).href;
const good = makeLeaf(inter, 'good.test', { crlUrls: [crlUrl] });
const revoked = makeLeaf(inter, 'revoked.test', { crlUrls: [crlUrl] });
const rogueRoot = makeRoot('CN=Rogue');
const rogue = makeLeaf(rogueRoot, 'good.test');
const responder = makeOcspResponder(inter);
const responder0 = responder;
const sibling = makeLeaf(inter, 'sibling.test');
const now = new Date();

const files = {
  root: tmp.write('root.pem', root.certificate.toPem()),
  inter: tmp.write('inter.pem', inter.certificate.toPem()),
  goodChain: tmp.write('good-chain.pem', good.certificate.toPem() + inter.certificate.toPem()),
  revokedChain: tmp.write('revoked-chain.pem', revoked.certificate.toPem() + inter.certificate.toPem()),
  rogueChain: tmp.write('rogue-chain.pem', rogue.certificate.toPem()),
  good: tmp.write('good.pem', good.certificate.toPem()),
  revoked: tmp.write('revoked.pem', revoked.certificate.toPem()),
  garbage: tmp.write('garbage.pem', '-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n'),
  policy: tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\nrevocation:\n  mode: hard-fail\n  check: leaf\n  sources: [crl]\n'),
  badPolicy: tmp.write('bad-policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\nrevocation:\n  mode: sometimes\n'),
  crl: crlPath,
  goodOcsp: tmp.write('good.ors', buildOcspResponse({ issuer: inter.certificate, signer: responder, responses: [{ certificate: good.certificate, status: 'good' }] })),
  revokedOcsp: tmp.write('revoked.ors', buildOcspResponse({ issuer: inter.certificate, signer: responder, responses: [{ certificate: revoked.certificate, status: 'revoked', revocationTime: now, reason: 'keyCompromise' }] })),
  forgedOcsp: tmp.write('forged.ors', buildOcspResponse({ issuer: inter.certificate, signer: sibling, includeSignerCert: true, responses: [{ certificate: good.certificate, status: 'good' }] })),
  junkOcsp: tmp.write('junk.ors', Buffer.from([0x30, 0x03, 0x0a, 0x01])),
};
tmp.write(
  'inter.crl',
  buildCrl({ issuer: inter, thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: new Date(now.getTime() + 86_400_000), entries: [{ serial: revoked.certificate.serialHex, revocationDate: now, reason: 'keyCompromise' }] }),
);

after(() => tmp.cleanup());

describe('certwarden (top level)', () => {
  test('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['verify', 'ocsp verify', 'ocsp check', 'crl verify', 'pin', 'demo']) assert.match(r.stdout, new RegExp(c));
  });
  test('no command and unknown commands exit 2', async () => {
    assert.equal((await runCli([])).code, 2);
    const r = await runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });
  test('an unknown option is a usage error, exit 2, one line', async () => {
    assertOneLineError(await runCli(['verify', '--polcy', files.policy]), 'CW_ERR_USAGE');
  });
});

describe('certwarden verify', () => {
  test('a chain to the policy anchor is trusted (exit 0) with the path in JSON', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--host', 'good.test', '--allow-file-crl', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.trusted, true);
    assert.deepEqual(out.reasons, []);
    assert.equal(out.path.length, 3);
    assert.equal(out.path[2].subject, root.certificate.subject);
    assert.equal(out.revocation.status, 'good');
    assert.equal(out.revocation.certificates[0].evidence[0].source, 'crl');
  });
  test('a revoked leaf is rejected (exit 1) with the CRL as evidence', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.revokedChain, '--host', 'revoked.test', '--allow-file-crl', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.trusted, false);
    assert.equal(out.revocation.status, 'revoked');
    assert.ok(out.reasons.some((x: { code: string }) => x.code === 'certificate-revoked'));
  });
  test('file: CRL distribution points are refused unless asked for: hard-fail rejects', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--host', 'good.test', '--format', 'json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).trusted, false);
  });
  test('a chain from a CA outside the policy is rejected (exit 1)', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.rogueChain, '--host', 'good.test', '--format', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.trusted, false);
    assert.ok(out.reasons.length > 0);
  });
  test('a wrong host is rejected', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--host', 'evil.test', '--no-revocation', '--format', 'json']);
    assert.equal(r.code, 1);
    assert.ok(JSON.parse(r.stdout).reasons.some((x: { code: string }) => x.code === 'hostname-mismatch'));
  });
  test('--no-revocation is stated in the output', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--host', 'good.test', '--no-revocation', '--format', 'json']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.stdout).revocationChecked, false);
  });
  test('--at in the past before the leaf existed rejects it', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--host', 'good.test', '--no-revocation', '--at', '2001-01-01T00:00:00Z', '--format', 'json']);
    assert.equal(r.code, 1);
  });
  test('malformed chain, missing policy and bad policy are one-line errors (exit 2)', async () => {
    assertOneLineError(await runCli(['verify', '--policy', files.policy, '--chain', files.garbage]), 'CW_ERR_');
    assertOneLineError(await runCli(['verify', '--policy', `${tmp.dir}/nope.yaml`, '--chain', files.goodChain]), 'CW_ERR_POLICY');
    const bad = await runCli(['verify', '--policy', files.badPolicy, '--chain', files.goodChain]);
    assertOneLineError(bad, 'CW_ERR_POLICY');
    assert.match(bad.stderr, /bad-policy\.yaml:5/);
    assertOneLineError(await runCli(['verify', '--policy', files.policy]), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['verify', '--policy', files.policy, '--chain', files.goodChain, '--at', 'yesterday']), 'CW_ERR_USAGE');
  });
});

describe('certwarden ocsp verify', () => {
  const base = ['ocsp', 'verify', '--issuer', files.inter, '--format', 'json'];
  test('good → exit 0', async () => {
    const r = await runCli([...base, '--response', files.goodOcsp, '--cert', files.good]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'good');
    assert.equal(out.signer, 'delegated');
  });
  test('revoked → exit 1 with time and reason', async () => {
    const r = await runCli([...base, '--response', files.revokedOcsp, '--cert', files.revoked]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'revoked');
    assert.equal(out.revocationReason, 'keyCompromise');
  });
  test('a response for another certificate is invalid', async () => {
    const r = await runCli([...base, '--response', files.goodOcsp, '--cert', files.revoked]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'invalid');
  });
  test('a sibling-signed response is invalid, not good', async () => {
    const r = await runCli([...base, '--response', files.forgedOcsp, '--cert', files.good]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'invalid');
    assert.ok(out.reasons.some((x: { code: string }) => x.code === 'ocsp-responder-missing-ocsp-signing-eku'));
  });
  test('junk is invalid (exit 1), not a crash', async () => {
    const r = await runCli([...base, '--response', files.junkOcsp, '--cert', files.good]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'invalid');
  });
  test('--max-age rejects an old response', async () => {
    const later = new Date(now.getTime() + 3 * 3_600_000).toISOString();
    const r = await runCli([...base, '--response', files.goodOcsp, '--cert', files.good, '--at', later, '--max-age', '60']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'invalid');
  });
});

describe('certwarden crl verify', () => {
  const base = ['crl', 'verify', '--crl', files.crl, '--issuer', files.inter, '--format', 'json'];
  test('good → exit 0; revoked → exit 1', async () => {
    const g = await runCli([...base, '--cert', files.good]);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).status, 'good');
    const r = await runCli([...base, '--cert', files.revoked]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'revoked');
    assert.equal(out.revocationReason, 'keyCompromise');
  });
  test('a CRL checked against the wrong issuer is invalid', async () => {
    const r = await runCli(['crl', 'verify', '--crl', files.crl, '--issuer', files.root, '--cert', files.good, '--format', 'json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'invalid');
  });
  test('a stale CRL is invalid', async () => {
    const r = await runCli([...base, '--cert', files.good, '--at', new Date(now.getTime() + 3 * 86_400_000).toISOString()]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).status, 'invalid');
  });
});

describe('certwarden ocsp check (live, loopback responder)', () => {
  let responder: DemoResponder;
  const revokedSet = new Set<string>();
  const issuedSet = new Set<string>();
  let liveGood: string;
  let liveRevoked: string;
  let liveUnknown: string;
  before(async () => {
    responder = await startDemoResponder({ issuer: inter, signer: responder0, revoked: revokedSet, issued: issuedSet });
    const g = makeLeaf(inter, 'live-good.test', { ocspUrls: [responder.ocspUrl] });
    const r = makeLeaf(inter, 'live-revoked.test', { ocspUrls: [responder.ocspUrl] });
    issuedSet.add(g.certificate.serialHex).add(r.certificate.serialHex);
    revokedSet.add(r.certificate.serialHex);
    liveGood = tmp.write('live-good.pem', g.certificate.toPem());
    liveRevoked = tmp.write('live-revoked.pem', r.certificate.toPem());
    liveUnknown = tmp.write('live-unknown.pem', makeLeaf(inter, 'live-unknown.test', { ocspUrls: [responder.ocspUrl] }).certificate.toPem());
  });
  after(() => responder.close());

  test('good from the AIA responder → exit 0 (GET)', async () => {
    const r = await runCli(['ocsp', 'check', '--cert', liveGood, '--issuer', files.inter, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'good');
    assert.equal(out.method, 'GET');
  });
  test('revoked → exit 1 (POST with nonce)', async () => {
    const r = await runCli(['ocsp', 'check', '--cert', liveRevoked, '--issuer', files.inter, '--post', '--nonce', '--format', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'revoked');
    assert.equal(out.method, 'POST');
  });
  test('a responder that is down → exit 2 with the reason', async () => {
    const r = await runCli(['ocsp', 'check', '--cert', liveGood, '--issuer', files.inter, '--url', 'http://127.0.0.1:1/ocsp', '--format', 'json']);
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'error');
    assert.ok(out.reasons.some((x: { code: string }) => x.code === 'ocsp-fetch-failed'));
  });
  test('a certificate without AIA and no --url is a usage error', async () => {
    assertOneLineError(await runCli(['ocsp', 'check', '--cert', files.good, '--issuer', files.inter]), 'CW_ERR_USAGE');
  });
  test('--out writes the verified good response as DER, mode 0644, the same bytes verify again', async () => {
    const out = `${tmp.dir}/out-good.ocsp`;
    const r = await runCli(['ocsp', 'check', '--cert', liveGood, '--issuer', files.inter, '--out', out, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(JSON.parse(r.stdout).written, true);
    const der = readFileSync(out);
    assert.equal(der[0], 0x30);
    assert.equal(lstatSync(out).mode & 0o777, 0o644 & ~process.umask());
    const again = await runCli(['ocsp', 'verify', '--response', out, '--cert', liveGood, '--issuer', files.inter, '--format', 'json']);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(JSON.parse(again.stdout).status, 'good');
  });
  for (const [what, cert, extra, code] of [
    ['revoked', () => liveRevoked, [], 1],
    ['unknown', () => liveUnknown, [], 1],
    ['unreachable', () => liveGood, ['--url', 'http://127.0.0.1:1/ocsp'], 2],
  ] as const) {
    test(`--out writes nothing on a ${what} answer (exit ${code}) and leaves an existing file untouched`, async () => {
      const fresh = `${tmp.dir}/out-${what}-fresh.ocsp`;
      const r = await runCli(['ocsp', 'check', '--cert', cert(), '--issuer', files.inter, ...extra, '--out', fresh, '--format', 'json']);
      assert.equal(r.code, code, r.stderr + r.stdout);
      assert.equal(JSON.parse(r.stdout).written, false);
      assert.equal(existsSync(fresh), false);
      const kept = tmp.write(`out-${what}-kept.ocsp`, 'previous staple');
      const r2 = await runCli(['ocsp', 'check', '--cert', cert(), '--issuer', files.inter, ...extra, '--out', kept]);
      assert.equal(r2.code, code, r2.stderr + r2.stdout);
      assert.match(r2.stdout, /not written/);
      assert.equal(readFileSync(kept, 'utf8'), 'previous staple');
    });
  }
  test('--out refuses a symlink at FILE (exit 2) and leaves the link and its target alone', async () => {
    const target = tmp.write('out-link-target', 'not to be touched');
    const link = `${tmp.dir}/out-link.ocsp`;
    symlinkSync(target, link);
    assertOneLineError(await runCli(['ocsp', 'check', '--cert', liveGood, '--issuer', files.inter, '--out', link]), 'CW_ERR_IO');
    assert.equal(readlinkSync(link), target);
    assert.equal(readFileSync(target, 'utf8'), 'not to be touched');
  });
  test('--out with --at is a usage error (a staple is verified as of now)', async () => {
    const out = `${tmp.dir}/out-at.ocsp`;
    assertOneLineError(await runCli(['ocsp', 'check', '--cert', liveGood, '--issuer', files.inter, '--out', out, '--at', new Date().toISOString()]), 'CW_ERR_USAGE');
    assert.equal(existsSync(out), false);
  });
});

describe('certwarden pin', () => {
  let server: tls.Server;
  let port: number;
  before(async () => {
    server = tls.createServer({ cert: good.certificate.toPem() + inter.certificate.toPem(), key: keyPem(good.privateKey) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('from a file', async () => {
    const r = await runCli(['pin', files.good]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`sha256/${good.certificate.spkiSha256.replace(/[+/]/g, '\\$&')}`));
  });
  test('from a live server (not verified, and says so)', async () => {
    const r = await runCli(['pin', `127.0.0.1:${port}`, '--all', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.verified, false);
    assert.equal(out.certificates[0].spkiPin, `sha256/${good.certificate.spkiSha256}`);
    assert.equal(out.certificates.length, 2);
  });
  test('a closed port is an operational error', async () => {
    assertOneLineError(await runCli(['pin', '127.0.0.1:1']), 'CW_ERR_FETCH');
  });
});

describe('certwarden demo', () => {
  test('scans its loopback fleet with the real scanner and every verdict is as expected', async () => {
    const r = await runCli(['demo', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.asExpected, true);
    assert.ok(out.expectations.length >= 6);
    assert.equal(out.report.version, 1);
    const statuses = out.report.results.flatMap((x: { requirements: Record<string, { status: string }> }) => Object.values(x.requirements).map((q) => q.status));
    assert.ok(statuses.includes('pass') && statuses.includes('fail'));
    assert.ok(!statuses.includes('error'));
  });
  test('text output names every server and ends with the expectations; --html writes the report', async () => {
    const tmp = tempDir('certwarden-demo-');
    const html = `${tmp.dir}/report.html`;
    const r = await runCli(['demo', '--html', html]);
    try {
      assert.match(readFileSync(html, 'utf8'), /^<!doctype html>[\s\S]*client-auth-accepts-untrusted[\s\S]*<\/html>\s*$/i);
    } finally {
      tmp.cleanup();
    }
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /client-auth-accepts-untrusted/);
    assert.match(r.stdout, /every verdict as expected/);
  });
});
