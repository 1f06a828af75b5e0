/**
 * The revocation checker honours `revocation.crl-number` for CRLs fetched
 * from distribution points: a CRL without cRLNumber is used by default and the
 * certificate's result carries the `crl-number-missing` warning; under
 * `required` it is refused (final in both modes: the answer arrived).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { loadPolicy } from '../../src/policy/load.ts';
import { resolveDestination } from '../../src/policy/match.ts';
import { checkChainRevocation } from '../../src/revocation/checker.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { makeIntermediate, makeLeaf, makeRoot } from '../helpers/pki.ts';

const root = makeRoot('CN=CRL Number Root');
const inter = makeIntermediate(root, 'CN=CRL Number CA');
const HOUR = 3_600_000;
let base: string;
let server: http.Server;
const times = () => ({ thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + HOUR) });

before(async () => {
  server = http.createServer((req, res) => {
    const crlNumber = req.url === '/numbered.crl' ? 3 : null;
    res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(buildCrl({ issuer: inter, ...times(), crlNumber }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function settings(revocation: Record<string, unknown>) {
  const policy = loadPolicy({ version: 1, trust: { cas: [root.certificate.toPem()] }, revocation: { check: 'leaf', sources: ['crl'], ...revocation } }, { baseDir: process.cwd() });
  return resolveDestination(policy, 'x.test').revocation;
}

test('default: a CRL without cRLNumber gives good, with the crl-number-missing warning', async () => {
  const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/unnumbered.crl`] });
  const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({}) });
  assert.equal(r.accepted, true);
  assert.equal(r.status, 'good');
  assert.deepEqual(r.certificates[0]!.warnings?.map((x) => x.code), ['crl-number-missing']);
});

for (const mode of ['hard-fail', 'soft-fail'] as const) {
  test(`crl-number: required refuses a CRL without cRLNumber under ${mode}`, async () => {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/unnumbered.crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ 'crl-number': 'required', mode }) });
    assert.equal(r.accepted, false);
    assert.equal(r.softFailed, false);
    assert.deepEqual(r.certificates[0]!.reasons.map((x) => x.code), ['crl-number-missing']);
  });
}

test('a numbered CRL is good without a warning, under either rule', async () => {
  for (const rule of ['optional', 'required']) {
    const l = makeLeaf(inter, 'x.test', { crlUrls: [`${base}/numbered.crl`] });
    const r = await checkChainRevocation([l.certificate, inter.certificate], { settings: settings({ 'crl-number': rule }) });
    assert.equal(r.status, 'good');
    assert.equal(r.certificates[0]!.warnings, undefined);
  }
});
