/**
 * Regression for finding 10.8 (policy part): the policy file and trust.cas
 * files were read without a cap, so `--policy /dev/zero` grew without end and
 * a FIFO blocked forever. Both are now read through readFileBounded: a file
 * that is too large or not a regular file is CW_ERR_POLICY naming the file.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy } from '../../src/policy/load.ts';
import { MAX_CA_FILE_BYTES, MAX_POLICY_FILE_BYTES } from '../../src/policy/read-files.ts';
import { isCertwardenError, ErrorCode } from '../../src/errors.ts';
import { fixture } from './fixtures.ts';

const f = fixture();
after(() => f.cleanup());

function policyError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => isCertwardenError(e) && e.code === ErrorCode.POLICY && message.test(e.message), String(message));
}

test('a policy file larger than the cap is CW_ERR_POLICY naming the file', () => {
  const big = f.write('big.yaml', 'version: 1\n');
  truncateSync(big, MAX_POLICY_FILE_BYTES + 1);
  policyError(() => loadPolicy(big), /big\.yaml: cannot read the policy file \(it is larger than \d+ bytes\)/);
});

test('a policy path that is a device, or a folder, is CW_ERR_POLICY naming it, at once', { skip: !existsSync('/dev/zero') && 'no /dev/zero' }, () => {
  policyError(() => loadPolicy('/dev/zero'), /\/dev\/zero: cannot read the policy file \(it is not a regular file/);
  const dir = join(f.dir, 'a-folder');
  mkdirSync(dir);
  policyError(() => loadPolicy(dir), /a-folder: cannot read the policy file \(it is not a regular file/);
});

test('a policy path that is a FIFO does not block', { skip: process.platform === 'win32' && 'no FIFOs' }, () => {
  const fifo = join(f.dir, 'policy.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return;
  policyError(() => loadPolicy(fifo), /policy\.fifo: cannot read the policy file \(it is not a regular file/);
});

test('a trust.cas file larger than the cap, or a device, is CW_ERR_POLICY at its line', () => {
  const big = f.write('big-ca.pem', '');
  truncateSync(big, MAX_CA_FILE_BYTES + 1);
  policyError(() => f.load('version: 1\ntrust:\n  cas: [big-ca.pem]\n'), /policy\.yaml:3:9: trust\.cas\[0\]: cannot read CA file ".*big-ca\.pem" \(it is larger than \d+ bytes\)/);
  if (existsSync('/dev/zero')) {
    policyError(() => f.load('version: 1\ntrust:\n  cas: [/dev/zero]\n'), /trust\.cas\[0\]: cannot read CA file "\/dev\/zero" \(it is not a regular file/);
  }
});

test('ordinary policy and CA files still load, and a missing one still says so', () => {
  assert.equal(f.load('version: 1\ntrust:\n  cas: [root.pem]\n').trust.anchors.length, 1);
  policyError(() => loadPolicy(join(f.dir, 'nope.yaml')), /nope\.yaml: cannot read the policy file \(no such file\)/);
});

test('a CA path that cannot be opened for another reason keeps its errno in the message (ENOTDIR)', () => {
  policyError(() => f.load('version: 1\ntrust:\n  cas: [root.pem/below]\n'), /trust\.cas\[0\]: cannot read CA file ".*root\.pem\/below" \(ENOTDIR\)/);
});
