/**
 * The router of `ca serve` (src/ca/routes/router.ts) on a real loopback
 * server: first matching route answers, a known path with another method is
 * 405 with Allow, an unknown path 404, and a route that throws is a bare 500
 * whose detail goes to the log only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRouter, type CaRoute } from '../../src/ca/routes/router.ts';
import { sendBytes } from '../../src/ca/routes/send.ts';

test('router: match, 405 with Allow, 404, and a throwing route is a 500 that leaks nothing', async () => {
  const logged: Record<string, unknown>[] = [];
  const routes: CaRoute[] = [
    { name: 'hello', methods: ['GET'], matches: (p) => p === '/hello', handle: (_q, res) => sendBytes(res, 200, 'text/plain', Buffer.from('hi')) },
    { name: 'boom', methods: ['GET'], matches: (p) => p === '/boom', handle: () => { throw new Error('secret detail'); } },
  ];
  const server = http.createServer(createRouter(routes, (e) => void logged.push(e)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ok = await fetch(`${base}/hello`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hi');
    const wrong = await fetch(`${base}/hello`, { method: 'POST', body: 'x' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, POST');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    const boom = await fetch(`${base}/boom`);
    assert.equal(boom.status, 500);
    assert.doesNotMatch(await boom.text(), /secret/);
    assert.ok(logged.some((e) => e.event === 'ca_request_failed' && e.error === 'secret detail'));
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
