/**
 * boundedFetch: file: URLs (CRLs on disk) are read through the bounded
 * reader (was: the 32 MiB cap checked after the whole file was read, and
 * /dev/zero grew memory without end), and an already-aborted signal stops a
 * fetch before it starts (was: the listener never fired, so every queued
 * fetch ran to its own timeout after the scan's deadline).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { boundedFetch } from '../../src/net/http-fetch.ts';
import { tempDir } from '../helpers/pki.ts';
import { hostileHttp } from '../scan/hostile/servers.ts';

const dir = tempDir('certwarden-fetch-');
after(() => dir.cleanup());

describe('boundedFetch: file: URLs', () => {
  test('/dev/zero is refused as not a regular file, at once', async () => {
    const t0 = performance.now();
    await assert.rejects(boundedFetch('file:///dev/zero', { allowFile: true, maxBytes: 32 << 20 }), (e: Error & { code?: string }) => e.code === 'CW_ERR_FETCH' && /not a regular file/.test(e.message));
    assert.ok(performance.now() - t0 < 1_000);
  });
  test('a FIFO is refused without blocking', async () => {
    const fifo = join(dir.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(boundedFetch(pathToFileURL(fifo).href, { allowFile: true }), { code: 'CW_ERR_FETCH' });
  });
  test('a file over the cap is CW_ERR_FETCH_TOO_LARGE without being read (sparse 1 GiB file, 1 MiB cap)', async () => {
    const big = join(dir.dir, 'big.crl');
    writeFileSync(big, '');
    truncateSync(big, 1 << 30);
    const heap0 = process.memoryUsage().rss;
    await assert.rejects(boundedFetch(pathToFileURL(big).href, { allowFile: true, maxBytes: 1 << 20 }), { code: 'CW_ERR_FETCH_TOO_LARGE' });
    assert.ok(process.memoryUsage().rss - heap0 < 64 << 20);
  });
  test('a file under the cap is read (silent on good input)', async () => {
    const ok = dir.write('ok.crl', Buffer.from([0x30, 0x00]));
    const r = await boundedFetch(pathToFileURL(ok).href, { allowFile: true });
    assert.deepEqual([...r.body], [0x30, 0x00]);
  });
  test('file: URLs stay refused unless allowed', async () => {
    await assert.rejects(boundedFetch('file:///etc/hostname'), { code: 'CW_ERR_FETCH_UNSUPPORTED' });
  });
});

describe('boundedFetch: abort signals', () => {
  test('an already-aborted signal fails at once and sends nothing', async () => {
    const tarpit = await hostileHttp('hang');
    try {
      const t0 = performance.now();
      await assert.rejects(boundedFetch(tarpit.url('/x'), { signal: AbortSignal.abort(), timeoutMs: 5_000 }), /aborted/);
      assert.ok(performance.now() - t0 < 1_000);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(tarpit.requests.length, 0);
    } finally {
      await tarpit.close();
    }
  });
  test('an abort during the fetch closes the connection', async () => {
    const tarpit = await hostileHttp('hang');
    try {
      const ac = new AbortController();
      const p = boundedFetch(tarpit.url('/x'), { signal: ac.signal, timeoutMs: 5_000 });
      await new Promise((r) => setTimeout(r, 200));
      ac.abort();
      await assert.rejects(p, /aborted/);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(tarpit.open(), 0);
    } finally {
      await tarpit.close();
    }
  });
  test('an endless body stops at the cap', async () => {
    const endless = await hostileHttp('endless');
    try {
      await assert.rejects(boundedFetch(endless.url('/x'), { maxBytes: 1 << 20 }), { code: 'CW_ERR_FETCH_TOO_LARGE' });
    } finally {
      await endless.close();
    }
  });
});
