/** `certwarden ca ...` as a user runs it: exit codes, files and modes, errors without stack traces. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/pki.ts';
import { PASSPHRASE } from './fixtures.ts';

describe('certwarden ca (CLI)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dir: string;
  const env = (): Record<string, string> => ({ CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: dir });
  before(async () => {
    tmp = tempDir('certwarden-ca-cli-');
    dir = join(tmp.dir, 'ca');
  });
  after(async () => tmp.cleanup());

  test('init refuses to run without a passphrase', async () => {
    const r = await runCli(['ca', 'init', '--dir', dir, '--name', 'Cli'], { CERTWARDEN_CA_PASSPHRASE: '' });
    assertOneLineError(r, 'CW_ERR_PASSPHRASE');
    assert.match(r.stderr, /passphrase/);
  });

  test('init, issue, list, revoke, renew, crl', async () => {
    const init = await runCli(['ca', 'init', '--name', 'Cli', '--ocsp-url', 'http://127.0.0.1:9/ocsp', '--format', 'json'], env());
    assert.equal(init.code, 0, init.stderr);
    assert.doesNotMatch(init.stdout + init.stderr, /PRIVATE KEY/);
    const prefix = join(tmp.dir, 'web');
    const issue = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:web.test', '--san', 'IP:127.0.0.1', '--must-staple', '--days', '30', '--out', prefix, '--format', 'json'], env());
    assert.equal(issue.code, 0, issue.stderr);
    assert.doesNotMatch(issue.stdout, /PRIVATE KEY/);
    const { serial } = JSON.parse(issue.stdout) as { serial: string };
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    assert.match(readFileSync(`${prefix}.chain.pem`, 'utf8'), /(BEGIN CERTIFICATE[\s\S]*){2}/);
    const list = await runCli(['ca', 'list', '--status', 'valid', '--san', 'web.test', '--format', 'json'], env());
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { serial: string }[]).map((r) => r.serial), [serial]);
    const renew = await runCli(['ca', 'renew', `${prefix}.pem`, '--out', join(tmp.dir, 'web2'), '--format', 'json'], env());
    assert.equal(renew.code, 0, renew.stderr);
    assert.notEqual((JSON.parse(renew.stdout) as { serial: string }).serial, serial);
    const revoke = await runCli(['ca', 'revoke', serial, '--reason', 'superseded', '--invalidity-date', '2026-01-01T00:00:00Z'], env());
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /revoked/);
    const revokedList = await runCli(['ca', 'list', '--status', 'revoked', '--format', 'json'], env());
    assert.equal((JSON.parse(revokedList.stdout) as { reason: string }[])[0]?.reason, 'superseded');
    const crl1 = await runCli(['ca', 'crl', '--out', join(tmp.dir, 'ca.crl'), '--format', 'json'], env());
    const crl2 = await runCli(['ca', 'crl', '--out', join(tmp.dir, 'ca.crl'), '--format', 'json'], env());
    assert.equal(crl1.code, 0, crl1.stderr);
    const n1 = BigInt((JSON.parse(crl1.stdout) as { crlNumber: string }).crlNumber);
    const n2 = BigInt((JSON.parse(crl2.stdout) as { crlNumber: string }).crlNumber);
    assert.ok(n2 > n1);
    assert.equal((JSON.parse(crl2.stdout) as { entries: number }).entries, 1);
  });

  test('a wrong passphrase exits 2 with a clear message', async () => {
    const r = await runCli(['ca', 'crl'], { ...env(), CERTWARDEN_CA_PASSPHRASE: 'definitely wrong' });
    assertOneLineError(r, 'CW_ERR_PASSPHRASE');
    assert.match(r.stderr, /wrong passphrase \(check CERTWARDEN_CA_PASSPHRASE or --passphrase-file\)/, 'the CLI names where the passphrase came from');
  });

  test('--store takes only a postgres:// URL (usage error otherwise, nothing written)', async () => {
    const r = await runCli(['ca', 'list', '--store', 'mysql://u:pw@127.0.0.1/x'], env());
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /postgres:\/\/ or postgresql:\/\//);
    assert.doesNotMatch(r.stderr, /pw@/, 'no password in the message');
  });

  test('--passphrase-file works; usage errors exit 2', async () => {
    const file = tmp.write('pass.txt', `${PASSPHRASE}\n`);
    const ok = await runCli(['ca', 'crl', '--passphrase-file', file], { CERTWARDEN_CA_DIR: dir, CERTWARDEN_CA_PASSPHRASE: '' });
    assert.equal(ok.code, 0, ok.stderr);
    assertOneLineError(await runCli(['ca', 'issue', '--profile', 'server', '--san', 'bogus', '--out', join(tmp.dir, 'x')], env()), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['ca', 'revoke', 'abcdef', '--reason', 'because'], env()), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['ca', 'serve', '--listen', 'nope'], env()), 'CW_ERR_USAGE');
  });
});
