/** Target parsing: host[:port], [v6]:port, https:// URLs, --resolve, --targets files; bad input is CW_ERR_USAGE. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyResolve, parseResolve, parseTarget, readTargetsFile } from '../../src/scan/target.ts';
import { FlightParser, clientHello } from '../../src/scan/tls12-probe.ts';
import { EndpointLimiter } from '../../src/scan/limiter.ts';
import { DEFAULT_STAPLE_ATTEMPTS, DEFAULT_STAPLE_RETRY_DELAY_MS, MAX_STAPLE_RETRY_DELAY_MS, observeStaples, stapleRetryDelays, type StapleLook } from '../../src/scan/staple-retry.ts';
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

describe('--targets file: bounded read', () => {
  test('a device (/dev/zero) is refused as not a regular file, not read without end', async () => {
    await assert.rejects(readTargetsFile('/dev/zero'), (e: Error & { code?: string }) => e.code === 'CW_ERR_IO' && /not a regular file/.test(e.message));
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

describe('staple retry schedule (cold caches: nginx staples only after its first fetch)', () => {
  test('default: a first retry soon, then backing off, bounded in total', () => {
    const delays = stapleRetryDelays(DEFAULT_STAPLE_ATTEMPTS, DEFAULT_STAPLE_RETRY_DELAY_MS);
    assert.deepEqual(delays, [250, 500]);
    assert.equal(delays.reduce((a, b) => a + b, 0), 750);
    assert.deepEqual(stapleRetryDelays(5, DEFAULT_STAPLE_RETRY_DELAY_MS), [250, 500, 1_000, 2_000]);
  });
  test('one attempt never waits; each wait is capped; a long first delay is honoured', () => {
    assert.deepEqual(stapleRetryDelays(1, 250), []);
    const many = stapleRetryDelays(10, 250);
    assert.equal(many.length, 9);
    assert.ok(many.every((d) => d <= MAX_STAPLE_RETRY_DELAY_MS));
    assert.deepEqual(stapleRetryDelays(3, 5_000), [5_000, 5_000]);
    assert.deepEqual(stapleRetryDelays(3, 0), [0, 0]);
  });
  test('bad settings are refused when the schedule is built', () => {
    assert.throws(() => stapleRetryDelays(0, 250), { code: 'CW_ERR_USAGE' });
    assert.throws(() => stapleRetryDelays(2, -1), { code: 'CW_ERR_USAGE' });
  });

  type V = 'TLSv1.2' | 'TLSv1.3';
  const VERSIONS: readonly V[] = ['TLSv1.2', 'TLSv1.3'];
  /** A fake server: `stapleFrom[v]` is the first attempt that carries a staple (undefined: never). */
  function fake(stapleFrom: Partial<Record<V, number>>, o: { offered?: Partial<Record<V, boolean>>; recorded?: number } = {}) {
    const calls: string[] = [];
    const look = async (v: V, attempt: number): Promise<StapleLook | undefined> => {
      if (o.recorded !== undefined && attempt >= o.recorded) return undefined;
      calls.push(`${v}:${attempt}`);
      await new Promise((r) => setImmediate(r));
      const from = stapleFrom[v];
      return { offered: o.offered?.[v] ?? true, ...(from !== undefined && attempt >= from ? { staple: 'c3RhcGxl' } : {}) };
    };
    return { calls, look };
  }
  const live = { attempts: 4, firstDelayMs: 2, signal: new AbortController().signal, replay: false };

  test('no staple anywhere: every attempt on both versions, then the answer is missing', async () => {
    const f = fake({});
    const r = await observeStaples(VERSIONS, f.look, live);
    assert.deepEqual([...r.values()], [{ offered: true, attempts: 4 }, { offered: true, attempts: 4 }]);
  });
  test('the versions retry side by side, not one after the other', async () => {
    const f = fake({});
    await observeStaples(VERSIONS, f.look, live);
    // TLS 1.3 has started retrying before TLS 1.2 has finished its attempts.
    assert.ok(f.calls.indexOf('TLSv1.3:1') < f.calls.indexOf('TLSv1.2:3'), f.calls.join(' '));
  });
  test('a staple on the first handshake: no retry', async () => {
    const f = fake({ 'TLSv1.2': 0, 'TLSv1.3': 0 });
    const r = await observeStaples(VERSIONS, f.look, live);
    assert.deepEqual(f.calls.sort(), ['TLSv1.2:0', 'TLSv1.3:0']);
    assert.equal(r.get('TLSv1.3')!.staple, 'c3RhcGxl');
  });
  test('cold cache: found by a retry', async () => {
    const f = fake({ 'TLSv1.2': 1, 'TLSv1.3': 1 });
    const r = await observeStaples(VERSIONS, f.look, live);
    assert.equal(r.get('TLSv1.2')!.attempts, 2);
    assert.ok(r.get('TLSv1.2')!.staple && r.get('TLSv1.3')!.staple);
  });
  test('once one version has a staple, the other gets one more handshake at once, then its answer stands', async () => {
    const f = fake({ 'TLSv1.3': 0 });
    const r = await observeStaples(VERSIONS, f.look, { ...live, firstDelayMs: 60_000 });
    // With a minute-long first delay this ends at once only because the cache is known to be warm.
    assert.deepEqual(r.get('TLSv1.2'), { offered: true, attempts: 2 });
  });
  test('a version that is not offered stops at once', async () => {
    const f = fake({}, { offered: { 'TLSv1.3': false } });
    const r = await observeStaples(VERSIONS, f.look, live);
    assert.deepEqual(r.get('TLSv1.3'), { offered: false, attempts: 1 });
  });
  test('replay walks the recorded attempts, no shortcut, no wait', async () => {
    const f = fake({ 'TLSv1.3': 0, 'TLSv1.2': 2 }, { recorded: 3 });
    const r = await observeStaples(VERSIONS, f.look, { ...live, firstDelayMs: 60_000, replay: true });
    assert.equal(r.get('TLSv1.2')!.attempts, 3);
    assert.ok(r.get('TLSv1.2')!.staple);
  });
  test('a failed connection is rethrown once every version has stopped', async () => {
    let after = false;
    const look = async (v: V, attempt: number): Promise<StapleLook> => {
      if (v === 'TLSv1.2') throw new Error('ECONNRESET');
      await new Promise((r) => setImmediate(r));
      if (attempt === 3) after = true;
      return { offered: true };
    };
    await assert.rejects(observeStaples(VERSIONS, look, live), /ECONNRESET/);
    assert.ok(after, 'TLS 1.3 finished its attempts before the failure was reported');
  });
  test('the target budget running out ends the waits', async () => {
    const ac = new AbortController();
    const f = fake({});
    const p = observeStaples(VERSIONS, f.look, { ...live, firstDelayMs: 60_000, signal: ac.signal });
    setImmediate(() => ac.abort());
    const r = await p;
    assert.deepEqual([...r.values()].map((x) => x.attempts), [1, 1]);
    // Already out of budget: no wait starts at all.
    const again = await observeStaples(VERSIONS, fake({}).look, { ...live, firstDelayMs: 60_000, signal: ac.signal });
    assert.deepEqual([...again.values()].map((x) => x.attempts), [1, 1]);
  });
});
