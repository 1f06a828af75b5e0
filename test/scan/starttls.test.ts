/**
 * STARTTLS: small fake servers that speak the plaintext preamble (SMTP,
 * PostgreSQL SSLRequest) and then upgrade the same socket with tls.TLSSocket.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { keyPem } from '../helpers/pki.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import { FAST, makePki, type Pki } from './fleet.ts';

let pki: Pki;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

function fakeServer(preamble: (socket: net.Socket, upgrade: () => void) => void, context: tls.SecureContext, staple: Buffer): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    preamble(socket, () => {
      const t = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      t.on('error', () => {});
      t.on('OCSPRequest' as 'secure', ((_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple)) as () => void);
    });
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function smtp(socket: net.Socket, upgrade: () => void): void {
  socket.write('220 mx.test ESMTP fake\r\n');
  let buf = '';
  const onData = (d: Buffer): void => {
    buf += d.toString('latin1');
    while (buf.includes('\r\n')) {
      const line = buf.slice(0, buf.indexOf('\r\n'));
      buf = buf.slice(buf.indexOf('\r\n') + 2);
      if (/^EHLO /i.test(line)) socket.write('250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
      else if (/^STARTTLS/i.test(line)) {
        socket.off('data', onData);
        socket.write('220 go ahead\r\n', () => upgrade());
        return;
      } else socket.write('502 no\r\n');
    }
  };
  socket.on('data', onData);
}

function postgres(socket: net.Socket, upgrade: () => void): void {
  socket.once('data', (d: Buffer) => {
    if (d.length === 8 && d.readInt32BE(4) === 80877103) socket.write('S', () => upgrade());
    else socket.destroy();
  });
}

let results: Record<string, { v921: string; v924: string; ids: string[] }>;

before(async () => {
  pki = await makePki();
  const leaf = pki.leaf('mx.test');
  const ctx = tls.createSecureContext({ cert: leaf.certificate.toPem() + pki.inter.certificate.toPem(), key: keyPem(leaf.privateKey) });
  const staple = pki.staple(leaf);
  const smtpPort = await fakeServer(smtp, ctx, staple);
  const pgPort = await fakeServer(postgres, ctx, staple);
  const policy = pki.policy('revocation:\n  check: leaf\n');
  const report = await runScan({
    policy,
    targets: [
      { ...parseTarget(`mx.test:${smtpPort}`, 'smtp'), address: '127.0.0.1', input: 'smtp' },
      { ...parseTarget(`mx.test:${pgPort}`, 'postgres'), address: '127.0.0.1', input: 'postgres' },
      { ...parseTarget(`mx.test:${pgPort}`, 'smtp'), address: '127.0.0.1', input: 'wrong-protocol' },
    ],
    settings: FAST,
    targetTimeoutMs: 2_000,
  });
  results = Object.fromEntries(report.results.map((r) => [r.target, { v921: r.requirements['V9.2.1'].status, v924: r.requirements['V9.2.4'].status, ids: [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings].map((f) => f.id) }]));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await pki.close();
});

describe('certwarden scan --starttls', () => {
  test('SMTP: EHLO, STARTTLS, then the chain is judged (V9.2.1 pass)', () => {
    assert.equal(results.smtp!.v921, 'pass', JSON.stringify(results.smtp));
    assert.ok(['pass', 'fail'].includes(results.smtp!.v924));
  });
  test('PostgreSQL: SSLRequest answered S, then the chain is judged (V9.2.1 pass)', () => {
    assert.equal(results.postgres!.v921, 'pass', JSON.stringify(results.postgres));
  });
  test('the wrong preamble for the endpoint is an error, never a pass', () => {
    assert.equal(results['wrong-protocol']!.v921, 'error');
    assert.equal(results['wrong-protocol']!.v924, 'error');
  });
});
