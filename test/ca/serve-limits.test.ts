/**
 * `ca serve` under slow and endless clients (red-team 10.13), with real
 * sockets on loopback, bounded counts and bounded times: slowloris headers,
 * a silent socket, a slow body, an endless chunked POST, too many connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startCaServer, type CaServer } from '../../src/ca/server.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { freshCa } from './fixtures.ts';

/** Every wait below ends by this, so a regression fails instead of hanging. */
const TEST_BOUND_MS = 8_000;

interface Probe {
  socket: net.Socket;
  received: () => string;
  closed: Promise<number>;
}

function connect(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const started = Date.now();
    const closed = new Promise<number>((res) => socket.once('close', () => res(Date.now() - started)));
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

describe('ca serve: connection limits and timeouts (10.13)', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let server: CaServer;
  const events: Record<string, unknown>[] = [];
  before(async () => {
    f = await freshCa();
    await f.ca.issue({ profile: 'server', sans: ['DNS:limits.test'] });
    server = await startCaServer(f.ca, {
      log: (e) => events.push(e),
      maxConnections: 8,
      headersTimeoutMs: 600,
      requestTimeoutMs: 1_200,
      idleTimeoutMs: 5_000,
      timeoutCheckMs: 100,
    });
  });
  after(async () => {
    await server.close();
    await f.cleanup();
  });

  test('slowloris: headers dribbled a line at a time are cut off at the headers timeout', async () => {
    const p = await connect(server.port);
    p.socket.write('GET /ca.der HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => p.socket.writable && p.socket.write('X-Slow: y\r\n'), 100);
    try {
      const ms = await within(p.closed, TEST_BOUND_MS, 'slowloris connection closed');
      assert.ok(ms < 3_000, `closed after ${ms} ms`);
      assert.match(p.received(), /^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  test('a socket that never sends a byte is closed too', async () => {
    const p = await connect(server.port);
    const ms = await within(p.closed, TEST_BOUND_MS, 'silent connection closed');
    assert.ok(ms < 3_000, `closed after ${ms} ms`);
  });

  test('a slow body is cut off at the request timeout (it used to live ~75 s)', async () => {
    const p = await connect(server.port);
    p.socket.write('POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: 100\r\n\r\n');
    const drip = setInterval(() => p.socket.writable && p.socket.write('0'), 100);
    try {
      const ms = await within(p.closed, TEST_BOUND_MS, 'slow body connection closed');
      assert.ok(ms < 4_000, `closed after ${ms} ms`);
    } finally {
      clearInterval(drip);
    }
  });

  test('an endless chunked POST gets malformedRequest and a closed connection, not an endless read', async () => {
    const p = await connect(server.port);
    p.socket.write('POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.concat([Buffer.from('1000\r\n'), Buffer.alloc(0x1000, 0x30), Buffer.from('\r\n')]);
    let sent = 0;
    const MAX_SENT = 64 * 1024 * 1024; // a bound for the test itself: the server must stop us long before
    const pump = (): void => {
      while (p.socket.writable && !p.socket.destroyed && sent < MAX_SENT) {
        sent += chunk.length;
        if (!p.socket.write(chunk)) return void p.socket.once('drain', pump);
      }
    };
    pump();
    const ms = await within(p.closed, TEST_BOUND_MS, 'endless POST connection closed');
    assert.ok(ms < 3_000, `closed after ${ms} ms`);
    assert.ok(sent < MAX_SENT, 'the server closed the connection before the test ran out of data');
    const text = p.received();
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /connection: close/i);
    const body = Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1');
    assert.equal(parseOcspResponse(body).responseStatusName, 'malformedRequest');
    assert.ok(events.some((e) => e.event === 'ca_request_too_large'));
  });

  test('a Content-Length over the cap is refused before the body is read', async () => {
    const p = await connect(server.port);
    p.socket.write('POST /ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n');
    await within(p.closed, TEST_BOUND_MS, 'oversized Content-Length connection closed');
    assert.match(p.received(), /^HTTP\/1\.1 200[\s\S]*connection: close/i);
  });

  test('too many connections: the extra ones are shed (and logged), and the server still answers once they go', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => connect(server.port)));
    // Keep the held ones busy with a slow request so they stay open for the duration of the check.
    for (const h of held) h.socket.write('GET /ca.der HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const extra = await Promise.all(Array.from({ length: 6 }, () => connect(server.port)));
    const shed = await within(Promise.all(extra.map((e) => e.closed)), TEST_BOUND_MS, 'extra connections closed');
    assert.ok(shed.every((ms) => ms < 2_000));
    assert.ok(extra.every((e) => e.received() === ''), 'shed connections get nothing');
    assert.ok(events.some((e) => e.event === 'ca_connections_shed'), JSON.stringify(events.map((e) => e.event)));
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    // The server's count drops once it has seen the closes.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(`${server.url}/ca.der`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  });

  test('ordinary requests are untouched by the limits', async () => {
    const res = await fetch(`${server.url}/ca.pem`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /BEGIN CERTIFICATE/);
  });
});
