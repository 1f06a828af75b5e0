/**
 * `watch status`, `watch history` and `watch silence list` print what the
 * server at --url answers. That server may not be certwarden's: every field
 * of its answer reaches the terminal escaped, and a field of the wrong type
 * is not a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/output.ts';

const ESC = '\u001b]0;owned\u0007\u001b[2J';

function io(): Io & { out: () => string } {
  let out = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _enc, cb) {
    add(chunk.toString());
    cb();
  } });
  return { stdout: sink((s) => (out += s)), stderr: sink(() => {}), env: {}, out: () => out };
}

const ANSWERS: Record<string, unknown> = {
  '/api/targets': { targets: [{ target: `t${ESC}`, up: true, statuses: { 'V9.2.1': `pass${ESC}`, 'V9.2.4': 'pass' }, leaf: { notAfter: `2030${ESC}` }, conditions: [{ event: `e${ESC}` }] }] },
  '/api/targets/x/history': { target: 'x', scans: [{ at: `now${ESC}`, up: true, statuses: { 'V9.2.1': ESC, 'V9.2.4': 'pass' }, chain: [{ sha256: `ab${ESC}` }] }], events: [{ at: ESC, event: `ev${ESC}`, severity: 7, message: 'm' }] },
  '/api/silences': { silences: [{ id: `s${ESC}`, state: `active${ESC}`, matchers: { target: 't', events: [ESC], requirement: ESC }, startsAt: ESC, endsAt: ESC, createdBy: ESC, comment: ESC }] },
};

test('every field a --url server sends is printed escaped; a number where a string belongs is not a crash', async () => {
  const server = http.createServer((req, res) => {
    const body = ANSWERS[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'no' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const argv of [['watch', 'status', '--url', url], ['watch', 'history', 'x', '--url', url], ['watch', 'silence', 'list', '--url', url]]) {
      const o = io();
      const code = await main(argv, o);
      assert.ok(code === 0 || code === 1, `${argv.join(' ')}: exit ${code}`);
      assert.ok(o.out().length > 0, `${argv.join(' ')} printed its lines`);
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(o.out()), `${argv.join(' ')} printed a raw control character: ${JSON.stringify(o.out())}`);
    }
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
