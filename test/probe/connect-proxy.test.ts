/**
 * --proxy: the loopback CONNECT proxy tunnels to the farm's case ports only
 * (anything else is refused before any connection or name lookup), a
 * proxy-aware client (curl) reaches every case through it with the same
 * verdicts, and a client that ignores HTTPS_PROXY is noted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ConnectProxy, MAX_CONNECT_HEAD_BYTES } from '../../src/probe/connect-proxy.ts';
import { Farm } from '../../src/probe/farm.ts';
import { runProbe } from '../../src/probe/runner.ts';
import { available, EXPECTED_WRONG } from './profiles.ts';
import { profiles } from '../../src/probe/profiles.ts';

let farm: Farm;
before(async () => {
  farm = await Farm.start();
});
after(async () => {
  await farm.close();
});

function ask(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(head));
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        s.destroy();
        resolve(got.split('\r\n')[0]!);
      }
    });
    s.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
  });
}

describe('probe --proxy', () => {
  test('the proxy tunnels to a farm port and refuses every other target', async () => {
    const control = farm.endpoint('control')!;
    const proxy = new ConnectProxy([control.port]);
    await proxy.start();
    try {
      const port = Number(new URL(proxy.url).port);
      assert.equal(await ask(port, `CONNECT localhost:${control.port} HTTP/1.1\r\nHost: x\r\n\r\n`), 'HTTP/1.1 200 Connection Established');
      assert.equal(proxy.tunnels(control.port), 1);
      assert.equal(await ask(port, 'CONNECT example.com:443 HTTP/1.1\r\n\r\n'), 'HTTP/1.1 403 Forbidden', 'never off the machine');
      assert.equal(await ask(port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 403 Forbidden', 'only the farm\'s ports');
      assert.equal(await ask(port, 'GET http://localhost/ HTTP/1.1\r\n\r\n'), 'HTTP/1.1 405 Method Not Allowed');
      assert.equal(await ask(port, `CONNECT localhost:${control.port} HTTP/1.1\r\nX: ${'a'.repeat(MAX_CONNECT_HEAD_BYTES)}`), 'HTTP/1.1 431 Request Header Fields Too Large');
    } finally {
      await proxy.close();
    }
  });

  test('a port allowed under a name (a limbo vector) tunnels for that name only, never resolving it, and is refused again once disallowed', async () => {
    const control = farm.endpoint('control')!;
    const proxy = new ConnectProxy([]);
    await proxy.start();
    try {
      const port = Number(new URL(proxy.url).port);
      assert.equal(await ask(port, `CONNECT localhost:${control.port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 403 Forbidden', 'not a farm port yet');
      proxy.allow(control.port, ['Service_1.limbo.test', '[::1]']);
      assert.equal(await ask(port, `CONNECT service_1.LIMBO.test:${control.port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 200 Connection Established');
      assert.equal(await ask(port, `CONNECT [::1]:${control.port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 200 Connection Established');
      assert.equal(proxy.tunnels(control.port), 2);
      assert.equal(await ask(port, `CONNECT other.limbo.test:${control.port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 403 Forbidden', 'another name for the same port');
      proxy.disallow(control.port);
      assert.equal(await ask(port, `CONNECT service_1.limbo.test:${control.port} HTTP/1.1\r\n\r\n`), 'HTTP/1.1 403 Forbidden');
    } finally {
      await proxy.close();
    }
  });

  test('curl through the proxy: every case tunnelled, same verdicts as direct', { skip: available('curl') ? false : 'curl is not installed' }, async () => {
    const report = await runProbe({ command: profiles().curl!.command, farm, proxy: true });
    const r = report.results[0]!;
    assert.equal(r.proxy, true);
    for (const c of r.cases) assert.ok((c.server.tunnels ?? 0) >= 1 || c.server.handshakes === 0, `${c.id} went around the proxy`);
    assert.deepEqual(r.cases.filter((c) => c.verdict !== 'ok').map((c) => c.id), EXPECTED_WRONG.curl);
    assert.ok(r.cases.every((c) => c.contradiction === undefined));
  });

  test('a client that ignores HTTPS_PROXY is noted on the cases it accepted', async () => {
    const direct = `require('node:https').get(process.env.CERTWARDEN_PROBE_URL, { rejectUnauthorized: false, ciphers: 'DEFAULT:@SECLEVEL=0' }, (r) => { r.resume(); r.on('end', () => process.exit(0)); }).on('error', () => process.exit(1));`;
    const report = await runProbe({ command: [process.execPath, '-e', direct], farm, proxy: true, suites: ['v9.2.4'], concurrency: 6 });
    const control = report.results[0]!.cases.find((c) => c.id === 'control')!;
    assert.equal(control.verdict, 'ok');
    assert.match(control.contradiction!, /without the proxy/);
  });
});
