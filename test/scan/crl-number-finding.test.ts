/**
 * The scan's revocation check reports `crl-number-missing` (low, V9.2.4) when
 * the CRL it relied on has no cRLNumber, and `revocation-invalid` when the
 * policy sets `revocation.crl-number: required`. Node TLS server and an HTTP
 * distribution point on loopback; PKI minted at test time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { makeLeaf } from '../helpers/pki.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { TargetResult } from '../../src/scan/report.ts';
import { FAST, makePki, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

const HOUR = 3_600_000;
let pki: Pki;
let crlServer: http.Server;
const servers: RunningServer[] = [];
const ports: Record<string, number> = {};

before(async () => {
  pki = await makePki();
  crlServer = http.createServer((req, res) => {
    const crlNumber = req.url === '/numbered.crl' ? 9 : null;
    res.writeHead(200).end(buildCrl({ issuer: pki.inter, thisUpdate: new Date(Date.now() - HOUR), nextUpdate: new Date(Date.now() + HOUR), crlNumber }));
  });
  await new Promise<void>((r) => crlServer.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(crlServer.address() as net.AddressInfo).port}`;
  for (const name of ['unnumbered', 'numbered']) {
    const leaf = makeLeaf(pki.inter, 'crl.test', { crlUrls: [`${base}/${name}.crl`] });
    const s = await startTlsServer({ identity: leaf }, pki);
    servers.push(s);
    ports[name] = s.port;
  }
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await new Promise<void>((r) => crlServer.close(() => r()));
  await pki.close();
});

async function scan(name: string, extra: string): Promise<TargetResult> {
  const policy = pki.policy(`revocation:\n  check: leaf\n${extra}`);
  const report = await runScan({ policy, targets: [{ ...parseTarget(`crl.test:${ports[name]}`), address: '127.0.0.1', input: name }], settings: FAST, targetTimeoutMs: 8_000 });
  return report.results[0]!;
}

const revocationFindings = (r: TargetResult) => r.requirements['V9.2.4'].findings.filter((f) => f.check === 'revocation-status');

test('a CRL without cRLNumber: the revocation check passes with a low crl-number-missing finding', async () => {
  const f = revocationFindings(await scan('unnumbered', ''));
  assert.deepEqual(f.map((x) => [x.id, x.severity]), [['crl-number-missing', 'low']]);
});

test('under revocation.crl-number: required the same CRL is revocation-invalid', async () => {
  const f = revocationFindings(await scan('unnumbered', '  crl-number: required\n'));
  assert.deepEqual(f.map((x) => x.id), ['revocation-invalid']);
});

test('a numbered CRL raises no revocation finding', async () => {
  assert.deepEqual(revocationFindings(await scan('numbered', '')), []);
});
