/**
 * The files `ca issue` / `ca renew` write and the serials `ca revoke` reads,
 * as a user runs them (field trial 9.10, red-team 10.8 and 10.11): no silent
 * overwrite, no write through a planted symlink, key files 0600 from creation,
 * `ca list` without the passphrase, serials parsed as documented.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseSerial } from '../../src/ca/ca.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/pki.ts';
import { PASSPHRASE } from './fixtures.ts';

describe('ca issue/renew output files, ca list, serial arguments', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dir: string;
  const env = (): Record<string, string> => ({ CERTWARDEN_CA_PASSPHRASE: PASSPHRASE, CERTWARDEN_CA_DIR: dir });
  const count = async (): Promise<number> => (JSON.parse((await runCli(['ca', 'list', '--format', 'json'], env())).stdout) as unknown[]).length;
  before(async () => {
    tmp = tempDir('certwarden-ca-files-');
    dir = join(tmp.dir, 'ca');
    const init = await runCli(['ca', 'init', '--name', 'Files'], env());
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => tmp.cleanup());

  test('ca issue --out refuses to overwrite an existing file, before issuing anything', async () => {
    const prefix = join(tmp.dir, 'svc');
    writeFileSync(`${prefix}.key`, 'precious\n');
    const before = await count();
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:svc.test', '--out', prefix], env());
    assertOneLineError(r, 'CW_ERR_IO');
    assert.match(r.stderr, /svc\.key already exists; refusing to overwrite \(use --force/);
    assert.equal(readFileSync(`${prefix}.key`, 'utf8'), 'precious\n');
    assert.equal(await count(), before, 'nothing issued');
  });

  test('--force replaces the files atomically; the new key is 0600 even where the old file was 0644', async () => {
    const prefix = join(tmp.dir, 'svc');
    chmodSync(`${prefix}.key`, 0o644);
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:svc.test', '--out', prefix, '--force', '--format', 'json'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(`${prefix}.key`, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    assert.equal(statSync(`${prefix}.pem`).mode & 0o777, 0o644);
  });

  test('a symlink planted at PREFIX.key is never followed: refused without --force, replaced (not written through) with it', async () => {
    const victim = tmp.write('victim.txt', 'someone else\n');
    chmodSync(victim, 0o644);
    const prefix = join(tmp.dir, 'planted');
    symlinkSync(victim, `${prefix}.key`);
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:planted.test', '--out', prefix], env());
    assertOneLineError(r, 'CW_ERR_IO');
    assert.equal(readFileSync(victim, 'utf8'), 'someone else\n');
    const forced = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:planted.test', '--out', prefix, '--force'], env());
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'someone else\n', 'the target of the symlink is untouched');
    assert.equal(statSync(victim).mode & 0o777, 0o644, 'and not chmodded');
    assert.ok(lstatSync(`${prefix}.key`).isFile(), 'the symlink itself was replaced by the key file');
    assert.equal(lstatSync(`${prefix}.key`).mode & 0o777, 0o600);
  });

  test('a dangling symlink at PREFIX.pem is refused too (the file would be created through it)', async () => {
    const prefix = join(tmp.dir, 'dangling');
    const target = join(tmp.dir, 'created-through-link.pem');
    symlinkSync(target, `${prefix}.pem`);
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:d.test', '--out', prefix], env());
    assertOneLineError(r, 'CW_ERR_IO');
    assert.throws(() => statSync(target));
  });

  test('ca renew --out refuses to overwrite too', async () => {
    const prefix = join(tmp.dir, 'svc');
    const r = await runCli(['ca', 'renew', `${prefix}.pem`, '--out', prefix], env());
    assertOneLineError(r, 'CW_ERR_IO');
  });

  test('--csr that is not a regular file (/dev/zero) is refused at once, not read without end', async () => {
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'DNS:z.test', '--csr', '/dev/zero', '--out', join(tmp.dir, 'z')], env());
    assertOneLineError(r, 'CW_ERR_IO');
    assert.match(r.stderr, /not a regular file/);
  });

  test('ca issue refuses a malformed IP SAN with CW_ERR_USAGE (10.12)', async () => {
    const r = await runCli(['ca', 'issue', '--profile', 'server', '--san', 'IP:1::2::3', '--out', join(tmp.dir, 'badip')], env());
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /not an IPv4 or IPv6 address/);
  });

  test('a passphrase file readable by others warns on stderr and still works; a 0600 one is silent (10.20)', async () => {
    const file = tmp.write('pass-open.txt', `${PASSPHRASE}\n`);
    chmodSync(file, 0o644);
    const loud = await runCli(['ca', 'crl', '--passphrase-file', file, '--format', 'json'], { CERTWARDEN_CA_DIR: dir, CERTWARDEN_CA_PASSPHRASE: '' });
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /^certwarden: warning: the passphrase file .* is readable by every user \(mode 0644\)/);
    assert.equal(loud.stderr.split('\n').filter(Boolean).length, 1, 'one warning');
    chmodSync(file, 0o600);
    const quiet = await runCli(['ca', 'crl', '--passphrase-file', file, '--format', 'json'], { CERTWARDEN_CA_DIR: dir, CERTWARDEN_CA_PASSPHRASE: '' });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
  });

  test('ca serve --ocsp-validity needs a unit, and one spelling of it (9.7)', async () => {
    const bare = await runCli(['ca', 'serve', '--ocsp-validity', '3600'], env());
    assertOneLineError(bare, 'CW_ERR_USAGE');
    assert.match(bare.stderr, /--ocsp-validity must be a positive duration with a unit/);
    assertOneLineError(await runCli(['ca', 'serve', '--ocsp-validity', '1h', '--response-validity', '3600'], env()), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['ca', 'serve', '--crl-validity', 'soon'], env()), 'CW_ERR_USAGE');
  });

  test('ca list needs no passphrase', async () => {
    const r = await runCli(['ca', 'list', '--format', 'json'], { CERTWARDEN_CA_DIR: dir, CERTWARDEN_CA_PASSPHRASE: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as unknown[]).length >= 1);
  });

  test('ca revoke deadbeef names the serial as typed (no "-deadbeef") and says which forms are accepted', async () => {
    const r = await runCli(['ca', 'revoke', 'deadbeef', '--reason', 'superseded'], env());
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /no certificate with serial deadbeef /);
    assert.doesNotMatch(r.stderr, /-deadbeef/);
    assert.match(r.stderr, /0x/);
    assert.match(r.stderr, /decimal:/);
    const junk = await runCli(['ca', 'revoke', 'no-such-thing', '--reason', 'superseded'], env());
    assertOneLineError(junk, 'CW_ERR_USAGE');
    assert.match(junk.stderr, /neither a serial number .*nor an existing certificate file/);
  });

  test('ca revoke takes a serial with colons in upper case', async () => {
    const issued = await runCli(['ca', 'issue', '--profile', 'client', '--san', 'DNS:colon.test', '--out', join(tmp.dir, 'colon'), '--format', 'json'], env());
    const { serial } = JSON.parse(issued.stdout) as { serial: string };
    const colons = serial.toUpperCase().match(/../g)!.join(':');
    const r = await runCli(['ca', 'revoke', colons, '--reason', 'superseded', '--format', 'json'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { serial: string }).serial, serial);
  });
});

describe('normaliseSerial', () => {
  test('hex with or without colons or 0x, decimal only with dec:, as a positive magnitude', async () => {
    for (const s of ['deadbeef', 'DEADBEEF', 'de:ad:be:ef', 'DE:AD:BE:EF', '0xdeadbeef', '0x00DEADBEEF', '00:de:ad:be:ef', ' deadbeef ', 'decimal:3735928559']) assert.equal(normaliseSerial(s), 'deadbeef', s);
    assert.equal(normaliseSerial('a'), '0a');
    assert.equal(normaliseSerial('0a3f'), '0a3f');
    assert.equal(normaliseSerial('0'), '00');
    assert.equal(normaliseSerial('decimal:10'), '0a');
  });
  test('anything else is CW_ERR_USAGE naming the accepted forms', async () => {
    for (const s of ['', 'xyz', 'dead beef', '12:', ':12', '0x', '-deadbeef', 'decimal:', 'decimal:12a', 'dec:12x', '1.5']) {
      assert.throws(() => normaliseSerial(s), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE' && /accepted: hex/.test(e.message), JSON.stringify(s));
    }
  });
});
