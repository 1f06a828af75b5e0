/**
 * Terminal injection through text output. A certificate's subject is chosen
 * by whoever made it; printed raw, a newline and ESC[8m (conceal) hide the
 * real `sha256/` line of `certwarden pin host:port` and print a fake one
 * (exactly the out-of-band check the README asks for), or add a fake
 * `verdict: TRUSTED` under REJECTED. Every text output escapes them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { buildCrl } from '../../src/crl/builder.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { keyPem, makeIntermediate, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { runCli } from '../helpers/cli.ts';

const FAKE_PIN = `sha256/${Buffer.alloc(32, 0xaa).toString('base64')}`;
const ESC = '\x1b';

const tmp = tempDir('certwarden-hostile-');
after(() => tmp.cleanup());

const root = makeRoot();
// The intermediate's subject is the leaf's issuer line: both carry an injection.
const inter = makeIntermediate(root, `CN=Evil CA\n${ESC}[8mverdict: TRUSTED`);
const leaf = makeLeaf(inter, 'hostile.test', { subject: `CN=hostile.test\n${ESC}[8m\n${FAKE_PIN}\n${ESC}[28m\rverdict: TRUSTED` });
const realPins = [leaf, inter].map((x) => `sha256/${x.certificate.spkiSha256}`);

const files = {
  chain: tmp.write('chain.pem', leaf.certificate.toPem() + inter.certificate.toPem()),
  leaf: tmp.write('leaf.pem', leaf.certificate.toPem()),
  inter: tmp.write('inter.pem', inter.certificate.toPem()),
  policy: tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n'),
  root: tmp.write('root.pem', root.certificate.toPem()),
};

/** No raw control character, and only the lines a genuine output has. */
function assertNoInjection(stdout: string): void {
  assert.ok(!stdout.includes(ESC), `raw ESC in output: ${JSON.stringify(stdout)}`);
  assert.ok(!stdout.includes('\r'), `raw CR in output: ${JSON.stringify(stdout)}`);
  assert.ok(!stdout.split('\n').some((l) => l.startsWith(FAKE_PIN)), `a forged pin line: ${stdout}`);
}

describe('text output escapes control characters from certificates', () => {
  let server: tls.Server;
  let port: number;
  before(async () => {
    server = tls.createServer({ cert: leaf.certificate.toPem() + inter.certificate.toPem(), key: keyPem(leaf.privateKey) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('pin host:port: a hostile subject cannot hide the real sha256/ line or print a fake one', async () => {
    const r = await runCli(['pin', `127.0.0.1:${port}`, '--all']);
    assert.equal(r.code, 0, r.stderr);
    assertNoInjection(r.stdout);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('sha256/')), realPins);
    // One comment line, one pin line and one fingerprint line per certificate: nothing smuggled in between.
    assert.equal(r.stdout.trimEnd().split('\n').length, 6);
    assert.match(r.stdout, /CN=hostile\.test\\n\\e\[8m\\n/);
  });

  test('pin FILE: the same certificate from a file is escaped too', async () => {
    const r = await runCli(['pin', files.chain, '--all']);
    assert.equal(r.code, 0, r.stderr);
    assertNoInjection(r.stdout);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('sha256/')), realPins);
  });

  test('pin --format json keeps the subject exact (JSON escapes it) and ends with a newline', async () => {
    const r = await runCli(['pin', `127.0.0.1:${port}`, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('}\n'));
    assert.ok(!r.stdout.includes(ESC));
    assert.equal(JSON.parse(r.stdout).certificates[0].subject, leaf.certificate.subject);
  });

  test('verify: a REJECTED verdict shows exactly one verdict line, with no injected TRUSTED', async () => {
    const r = await runCli(['verify', '--policy', files.policy, '--chain', files.chain, '--host', 'other.test', '--no-revocation']);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assertNoInjection(r.stdout);
    const verdicts = r.stdout.split('\n').filter((l) => /^\s*verdict/.test(l));
    assert.deepEqual(verdicts.length, 1);
    assert.match(verdicts[0]!, /^verdict: REJECTED/);
    assert.doesNotMatch(r.stdout, /^\s*verdict: TRUSTED/m);
  });

  test('verify: a good chain prints as before (the escaping is silent on ordinary names)', async () => {
    const plainInter = makeIntermediate(root);
    const plainLeaf = makeLeaf(plainInter, 'plain.test');
    const chain = tmp.write('plain.pem', plainLeaf.certificate.toPem() + plainInter.certificate.toPem());
    const r = await runCli(['verify', '--policy', files.policy, '--chain', chain, '--host', 'plain.test', '--no-revocation']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^verdict: TRUSTED for plain\.test\n {2}leaf {3}CN=plain\.test serial/);
  });

  test('crl verify and ocsp verify: the certificate subject in the status line is escaped', async () => {
    const now = Date.now();
    const crl = tmp.write('inter.crl', buildCrl({ issuer: inter, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 86_400_000), entries: [] }));
    const c = await runCli(['crl', 'verify', '--crl', crl, '--issuer', files.inter, '--cert', files.leaf]);
    assert.equal(c.code, 0, c.stderr + c.stdout);
    assertNoInjection(c.stdout);
    assert.equal(c.stdout.split('\n')[0]!.match(/GOOD$/)?.length, 1);

    const ors = tmp.write('leaf.ors', buildOcspResponse({ issuer: inter.certificate, signer: inter, responses: [{ certificate: leaf.certificate, status: 'revoked', revocationTime: new Date(now), reason: 'keyCompromise' }] }));
    const o = await runCli(['ocsp', 'verify', '--response', ors, '--issuer', files.inter, '--cert', files.leaf]);
    assert.equal(o.code, 1, o.stderr + o.stdout);
    assertNoInjection(o.stdout);
    assert.match(o.stdout.split('\n')[0]!, /: REVOKED$/);
  });

  test('C1 controls (CSI 0x9b) and bidi overrides: escaped in text, \\u-escaped in JSON with the exact value kept', async () => {
    const c1 = makeLeaf(inter, 'c1.test', { subject: 'CN=c1.test\u009b8m\u202egnp.live' });
    const file = tmp.write('c1.pem', c1.certificate.toPem());
    const text = await runCli(['pin', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!/[\u0080-\u009f\u202e]/.test(text.stdout), JSON.stringify(text.stdout));
    assert.match(text.stdout, /CN=c1\.test\\x9b8m\\u202egnp\.live/);
    const json = await runCli(['pin', file, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!/[\u0080-\u009f\u202e]/.test(json.stdout), JSON.stringify(json.stdout));
    assert.equal(JSON.parse(json.stdout).certificates[0].subject, c1.certificate.subject);
  });

  test('error messages that echo user input are escaped too', async () => {
    const r = await runCli(['pin', `no-such-file\n${ESC}[8m`]);
    assert.equal(r.code, 2);
    assert.ok(!r.stderr.includes(ESC), JSON.stringify(r.stderr));
  });
});
