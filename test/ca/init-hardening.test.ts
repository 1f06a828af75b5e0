/**
 * `ca init` and the passphrase (red-team 10.8, 10.9, 10.10, 10.20): the CA
 * home directory is created 0700 or checked, never chmod'ed; passphrases
 * over OpenSSL's 1024-byte limit are refused everywhere; an interrupted init
 * can be retried; passphrase files are read bounded, and a readable one warns.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES, CertificateAuthority } from '../../src/ca/ca.ts';
import { MAX_PASSPHRASE_BYTES } from '../../src/ca/keys.ts';
import { PASSPHRASE_ENV, resolvePassphrase } from '../../src/cli/commands/ca-passphrase.ts';
import { SqliteStore } from '../../src/ca/sqlite-store.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { tempDir } from '../helpers/pki.ts';
import { projectRoot } from '../helpers/shared.ts';
import { PASSPHRASE } from './fixtures.ts';

const codeIs = (code: string, re?: RegExp) => (e: unknown) => isCertwardenError(e) && e.code === code && (!re || re.test(e.message));

describe('ca init: the CA home directory (10.10)', () => {
  test('a shared 1777 directory is refused and keeps its mode', async () => {
    const tmp = tempDir('certwarden-ca-dir-');
    try {
      const shared = join(tmp.dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      await assert.rejects(async () => await CertificateAuthority.init(shared, PASSPHRASE, { name: 'T' }), codeIs('CW_ERR_USAGE', /writable by every user \(mode 1777\)/));
      assert.equal(statSync(shared).mode & 0o7777, 0o1777);
      const group = join(tmp.dir, 'group');
      mkdirSync(group);
      chmodSync(group, 0o770);
      await assert.rejects(async () => await CertificateAuthority.init(group, PASSPHRASE, { name: 'T' }), codeIs('CW_ERR_USAGE', /writable by its group/));
      assert.equal(statSync(group).mode & 0o777, 0o770);
    } finally {
      tmp.cleanup();
    }
  });

  test('a directory owned by another user is refused', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const tmp = tempDir('certwarden-ca-dir-');
    try {
      const theirs = join(tmp.dir, 'theirs');
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 65534, 65534);
      await assert.rejects(async () => await CertificateAuthority.init(theirs, PASSPHRASE, { name: 'T' }), codeIs('CW_ERR_USAGE', /owned by uid 65534/));
    } finally {
      tmp.cleanup();
    }
  });

  test('an existing safe directory is used as it is (0755 stays 0755); a new one is created 0700', async () => {
    const tmp = tempDir('certwarden-ca-dir-');
    try {
      const mine = join(tmp.dir, 'mine');
      mkdirSync(mine);
      chmodSync(mine, 0o755);
      (await CertificateAuthority.init(mine, PASSPHRASE, { name: 'T' })).close();
      assert.equal(statSync(mine).mode & 0o777, 0o755);
      const fresh = join(tmp.dir, 'a', 'b', 'fresh');
      (await CertificateAuthority.init(fresh, PASSPHRASE, { name: 'T' })).close();
      assert.equal(statSync(fresh).mode & 0o777, 0o700);
      assert.equal(statSync(join(fresh, CA_FILES.issuingKey)).mode & 0o777, 0o600);
      assert.equal(statSync(join(fresh, CA_FILES.db)).mode & 0o777, 0o600);
      await assert.rejects(async () => await CertificateAuthority.init(fresh, PASSPHRASE, { name: 'T' }), codeIs('CW_ERR_USAGE', /already holds a CA/));
    } finally {
      tmp.cleanup();
    }
  });
});

describe('passphrases (10.9, 10.8, 10.20)', () => {
  test(`a passphrase over ${MAX_PASSPHRASE_BYTES} bytes is refused (it would brick the CA home); exactly ${MAX_PASSPHRASE_BYTES} works end to end`, async () => {
    assert.throws(() => resolvePassphrase({ [PASSPHRASE_ENV]: 'a'.repeat(MAX_PASSPHRASE_BYTES + 1) }), codeIs('CW_ERR_PASSPHRASE', /at most 1024 bytes/));
    assert.throws(() => resolvePassphrase({ [PASSPHRASE_ENV]: 'é'.repeat(513) }), codeIs('CW_ERR_PASSPHRASE'), '1026 UTF-8 bytes');
    const longest = resolvePassphrase({ [PASSPHRASE_ENV]: `${'x'.repeat(MAX_PASSPHRASE_BYTES - 1)}y` });
    const tmp = tempDir('certwarden-ca-pass-');
    try {
      (await CertificateAuthority.init(join(tmp.dir, 'ca'), longest, { name: 'T' })).close();
      (await CertificateAuthority.open(join(tmp.dir, 'ca'), longest)).close();
      await assert.rejects(async () => await CertificateAuthority.open(join(tmp.dir, 'ca'), `${'x'.repeat(MAX_PASSPHRASE_BYTES - 1)}z`), codeIs('CW_ERR_PASSPHRASE'));
    } finally {
      tmp.cleanup();
    }
  });

  test('a passphrase file readable by group or others warns; a 0600 one does not', async () => {
    const tmp = tempDir('certwarden-ca-pass-');
    try {
      const file = tmp.write('pass', `${PASSPHRASE}\n`);
      const warnings: string[] = [];
      chmodSync(file, 0o600);
      assert.equal(resolvePassphrase({}, file, (m) => warnings.push(m)), PASSPHRASE);
      assert.equal(warnings.length, 0);
      chmodSync(file, 0o644);
      assert.equal(resolvePassphrase({}, file, (m) => warnings.push(m)), PASSPHRASE);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /readable by every user \(mode 0644\).*chmod 600/);
      chmodSync(file, 0o640);
      resolvePassphrase({}, file, (m) => warnings.push(m));
      assert.match(warnings[1]!, /readable by its group/);
    } finally {
      tmp.cleanup();
    }
  });

  test('a passphrase file that is a device or too big is refused, not read without end', async () => {
    assert.throws(() => resolvePassphrase({}, '/dev/zero'), codeIs('CW_ERR_IO', /not a regular file/));
    const tmp = tempDir('certwarden-ca-pass-');
    try {
      const big = tmp.write('big', 'x'.repeat(64 * 1024));
      assert.throws(() => resolvePassphrase({}, big), codeIs('CW_ERR_IO', /larger than/));
    } finally {
      tmp.cleanup();
    }
  });
});

describe('an interrupted ca init can be retried (10.9)', () => {
  test('leftover keys and a database without configuration (what an interrupted init left) do not block a retry', async () => {
    const tmp = tempDir('certwarden-ca-retry-');
    try {
      const dir = join(tmp.dir, 'ca');
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, CA_FILES.rootKey), 'half-written', { mode: 0o600 });
      writeFileSync(join(dir, CA_FILES.issuingKey), 'half-written', { mode: 0o600 });
      writeFileSync(join(dir, CA_FILES.db), '', { mode: 0o600 });
      new SqliteStore(join(dir, CA_FILES.db)).close();
      const ca = await CertificateAuthority.init(dir, PASSPHRASE, { name: 'Retry' });
      await ca.issue({ profile: 'server', sans: ['DNS:retry.test'] });
      await ca.close();
      (await CertificateAuthority.open(dir, PASSPHRASE)).close();
    } finally {
      tmp.cleanup();
    }
  });

  test('SIGKILL during ca init, 6 times: every retry either completes or finds a complete CA', async () => {
    const tmp = tempDir('certwarden-ca-retry-');
    try {
      const dir = join(tmp.dir, 'ca');
      for (let k = 0; k < 6; k++) {
        await new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'init', '--name', 'Kill', '--key', 'rsa-2048', '--dir', dir], {
            env: { ...process.env, [PASSPHRASE_ENV]: PASSPHRASE },
            stdio: 'ignore',
          });
          // Node takes a few hundred ms to load the CLI; RSA key generation then takes tens of ms.
          const timer = setTimeout(() => child.kill('SIGKILL'), 250 + Math.random() * 400);
          child.once('error', reject);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (existsCa(dir)) break;
      }
      try {
        (await CertificateAuthority.init(dir, PASSPHRASE, { name: 'Kill' })).close();
      } catch (e) {
        assert.ok(isCertwardenError(e) && /already holds a CA/.test(e.message), String(e));
      }
      const ca = await CertificateAuthority.open(dir, PASSPHRASE);
      await ca.issue({ profile: 'server', sans: ['DNS:after-kill.test'] });
      await ca.close();
    } finally {
      tmp.cleanup();
    }
  });
});

function existsCa(dir: string): boolean {
  try {
    statSync(join(dir, CA_FILES.db));
    return true;
  } catch {
    return false;
  }
}
