import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileBounded, readFileBoundedAsync } from '../../src/util/bounded-read.ts';
import { isCertwardenError } from '../../src/errors.ts';

test('readFileBounded reads a regular file under the cap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-br-'));
  try {
    writeFileSync(join(dir, 'a'), 'hello');
    assert.equal(readFileBounded(join(dir, 'a')).toString(), 'hello');
    assert.equal((await readFileBoundedAsync(join(dir, 'a'))).toString(), 'hello');
    writeFileSync(join(dir, 'empty'), '');
    assert.equal(readFileBounded(join(dir, 'empty')).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readFileBounded refuses /dev/zero, directories and oversized files with a typed error (regression: pin /dev/zero grew to 16.7 GB)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-br-'));
  try {
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048));
    mkdirSync(join(dir, 'sub'));
    for (const [path, max] of [['/dev/zero', 1024], [join(dir, 'sub'), 1024], [join(dir, 'big'), 1024], [join(dir, 'missing'), 1024]] as const) {
      assert.throws(() => readFileBounded(path, { maxBytes: max, what: 'policy file' }), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_IO' && e.message.includes(path));
      await assert.rejects(readFileBoundedAsync(path, { maxBytes: max }), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_IO');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every refusal says why in details.reason (missing, not-regular, too-large, unreadable), sync and async alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-br-'));
  try {
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048));
    writeFileSync(join(dir, 'file'), 'x');
    mkdirSync(join(dir, 'sub'));
    const cases = [
      [join(dir, 'missing'), 'missing'],
      [join(dir, 'sub'), 'not-regular'],
      [join(dir, 'big'), 'too-large'],
      // A path through a regular file: ENOTDIR, neither missing nor refused by type.
      [join(dir, 'file', 'below'), 'unreadable'],
    ] as const;
    for (const [path, reason] of cases) {
      const check = (e: unknown): boolean => isCertwardenError(e) && e.details.reason === reason && e.details.path === path;
      assert.throws(() => readFileBounded(path, { maxBytes: 1024 }), check, reason);
      await assert.rejects(readFileBoundedAsync(path, { maxBytes: 1024 }), check, reason);
    }
    assert.throws(() => readFileBounded(join(dir, 'file', 'below')), (e: unknown) => isCertwardenError(e) && e.details.errno === 'ENOTDIR');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
