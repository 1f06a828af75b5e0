/**
 * Regression for finding 10.6: a CRL distribution point that answers 200 with
 * a body that is not a CRL was classified `crl-fetch-failed` ("unreachable"),
 * so soft-fail admitted the certificate. An answer that arrived and is invalid
 * is not unreachable (as OCSP does with `ocsp-malformed`): it rejects in both
 * modes. Real HTTP servers on loopback; the PKI is minted at test time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { loadPolicy } from '../../src/policy/load.ts';
import { resolveDestination } from '../../src/policy/match.ts';
import { checkChainRevocation } from '../../src/revocation/checker.ts';
import { evaluateTrust } from '../../src/trust/evaluate.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=Malformed CRL Root');
const inter = makeIntermediate(root, 'CN=Malformed CRL CA');
const HOUR = 3_600_000;
let base: string;
let deadUrl: string;
let server: http.Server;

const bodies: Record<string, () => Buffer | string> = {
  '/good.crl': () => buildCrl({ issuer: inter, thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + HOUR) }),
  '/html.crl': () => '<html><body>maintenance</body></html>',
  '/truncated.crl': () => Buffer.from([0x30, 0x82, 0x01, 0x00, 0x30]),
  '/huge.crl': () => Buffer.alloc(64 * 1024, 0x30),
  '/pem.crl': () => `-----BEGIN X509 CRL-----\n${bodies['/good.crl']!().toString('base64')}\n-----END X509 CRL-----\n`,
};

before(async () => {
  server = http.createServer((req, res) => {
    const body = bodies[req.url!];
    if (body) res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body());
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}/ca.crl`;
  await new Promise<void>((r) => s.close(() => r()));
});
after(() => new Promise<void>((r) => server.close(() => r())));

function policyFor(mode: 'soft-fail' | 'hard-fail') {
  return loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] }, revocation: { mode, check: 'leaf', sources: ['crl'], 'max-response-bytes': { crl: 16 * 1024 } } }, { baseDir: process.cwd() });
}

describe('a CRL answer that arrived but is not a CRL', () => {
  for (const path of ['/html.crl', '/truncated.crl', '/pem.crl']) {
    for (const mode of ['soft-fail', 'hard-fail'] as const) {
      test(`${path} is rejected under ${mode} as crl-malformed, not admitted as unreachable`, async () => {
        const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}${path}`] });
        const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: resolveDestination(policyFor(mode), 'x.test').revocation });
        assert.equal(r.accepted, false);
        assert.equal(r.softFailed, false);
        assert.equal(r.status, 'error');
        assert.deepEqual(r.certificates[0]!.reasons.map((x) => x.code), ['crl-malformed']);
      });
    }
  }

  // Regression (seams review): a CRL over the size cap was crl-fetch-failed, "unreachable", so soft-fail admitted it; OCSP already refused too-large answers.
  for (const mode of ['soft-fail', 'hard-fail'] as const) {
    test(`a CRL over the policy's size cap is rejected under ${mode} as crl-too-large, not admitted as unreachable`, async () => {
      const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/huge.crl`] });
      const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: resolveDestination(policyFor(mode), 'x.test').revocation });
      assert.equal(r.accepted, false);
      assert.equal(r.softFailed, false);
      assert.deepEqual(r.certificates[0]!.reasons.map((x) => x.code), ['crl-too-large']);
    });
  }

  test('evaluateTrust under soft-fail: an HTML body at the distribution point is untrusted', async () => {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/html.crl`] });
    const v = await evaluateTrust([l.certificate, inter.certificate], { policy: policyFor('soft-fail'), host: 'x.test' });
    assert.equal(v.trusted, false);
    assert.ok(v.revocation?.reasons.some((x) => x.code === 'crl-malformed'));
  });
});

describe('the same checks stay silent on good input and tolerant of unreachable sources', () => {
  test('a good CRL admits under hard-fail', async () => {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/good.crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: resolveDestination(policyFor('hard-fail'), 'x.test').revocation });
    assert.equal(r.status, 'good');
    assert.equal(r.accepted, true);
  });

  test('an unreachable distribution point is still soft-failed (and reported)', async () => {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [deadUrl] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: resolveDestination(policyFor('soft-fail'), 'x.test').revocation });
    assert.equal(r.accepted, true);
    assert.equal(r.softFailed, true);
  });

  test('an HTTP error status is unreachable, not malformed', async () => {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/missing.crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: resolveDestination(policyFor('soft-fail'), 'x.test').revocation });
    assert.equal(r.softFailed, true);
    assert.ok(r.reasons.some((x) => x.code === 'crl-fetch-failed'));
  });
});
