/** Target parsing: host[:port], [v6]:port, https:// URLs, --resolve, --targets files; bad input is CW_ERR_USAGE. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyResolve, parseResolve, parseTarget, readTargetsFile } from '../../src/scan/target.ts';
import { FlightParser, clientHello } from '../../src/scan/tls12-probe.ts';
import { EndpointLimiter } from '../../src/scan/limiter.ts';
import { tempDir } from '../helpers/pki.ts';

describe('scan targets', () => {
  test('host, host:port, IPv6 and https URLs', () => {
    assert.deepEqual(parseTarget('Example.COM'), { input: 'Example.COM', host: 'example.com', port: 443 });
    assert.equal(parseTarget('example.com:8443').port, 8443);
    assert.deepEqual(parseTarget('[::1]:444'), { input: '[::1]:444', host: '::1', port: 444 });
    assert.equal(parseTarget('https://api.example.com:9443/path?q').port, 9443);
    assert.equal(parseTarget('https://api.example.com/').port, 443);
    assert.equal(parseTarget('mx.example.com', 'smtp').port, 25);
    assert.equal(parseTarget('db.example.com', 'postgres').port, 5432);
  });
  test('bad targets are usage errors', () => {
    for (const bad of ['http://example.com', 'example.com:0', 'example.com:70000', 'exa mple.com', ':443', '[zz]:1']) {
      assert.throws(() => parseTarget(bad), { code: 'CW_ERR_USAGE' }, bad);
    }
  });
  test('--resolve pins the address for a matching host and port only', () => {
    const r = parseResolve('good.test:8443:127.0.0.1');
    const [a, b] = applyResolve([parseTarget('good.test:8443'), parseTarget('good.test:443')], [r]);
    assert.equal(a!.address, '127.0.0.1');
    assert.equal(b!.address, undefined);
    assert.equal(parseResolve('h.test:1:[::1]').address, '::1');
    assert.throws(() => parseResolve('h.test:1:not-an-ip'), { code: 'CW_ERR_USAGE' });
  });
  test('--targets file: one per line, # comments, line numbers in errors', async () => {
    const dir = tempDir();
    try {
      const ok = dir.write('t.txt', '# fleet\na.test\n\nb.test:8443  # api\n');
      assert.deepEqual((await readTargetsFile(ok)).map((t) => `${t.host}:${t.port}`), ['a.test:443', 'b.test:8443']);
      const bad = dir.write('bad.txt', 'a.test\nb.test:x\n');
      await assert.rejects(readTargetsFile(bad), (e: Error & { code?: string }) => e.code === 'CW_ERR_USAGE' && /bad\.txt:2/.test(e.message));
    } finally {
      dir.cleanup();
    }
  });
});

describe('raw TLS 1.2 flight parser', () => {
  test('ClientHello carries SNI and status_request', () => {
    const hello = clientHello('good.test');
    assert.equal(hello[0], 0x16);
    assert.ok(hello.includes(Buffer.from('good.test')));
  });
  test('an alert ends the flight as unsupported', () => {
    const p = new FlightParser();
    p.push(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70]));
    assert.equal(p.done, true);
    assert.equal(p.flight.supported, false);
    assert.equal(p.flight.alert, 70);
  });
  test('a non-TLS answer is refused with a usage failure', () => {
    assert.throws(() => new FlightParser().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), { code: 'CW_ERR_USAGE' });
  });
});

describe('per-endpoint limiter', () => {
  test('never more than the cap at once for one endpoint', async () => {
    const limiter = new EndpointLimiter(2);
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => limiter.run('e', async () => {
      peak = Math.max(peak, limiter.active('e'));
      await new Promise((r) => setImmediate(r));
    })));
    assert.equal(peak, 2);
    assert.equal(limiter.active('e'), 0);
  });
});
