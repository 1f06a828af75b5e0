/**
 * `certwarden pin` for everything an operator pins: certificates, public keys,
 * private keys (only the public pin is printed) and CSRs, PEM or DER; each pin
 * is compared with OpenSSL's (`openssl pkey -pubout -outform der | openssl dgst
 * -sha256 -binary | base64`). Keys are minted at test time.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';

const tmp = tempDir('certwarden-pin-');
after(() => tmp.cleanup());

/** OpenSSL's pin of a key file (any form `openssl pkey` reads). */
function opensslPin(path: string, extra: string[] = []): string {
  const spki = execFileSync('openssl', ['pkey', '-in', path, ...extra, '-pubout', '-outform', 'DER']);
  return `sha256/${execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: spki }).toString('base64')}`;
}

function pinLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('sha256/'));
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

function der(key: KeyObject, type: 'spki' | 'pkcs8' | 'sec1' | 'pkcs1'): Buffer {
  return key.export({ format: 'der', type } as never) as Buffer;
}
function pem(key: KeyObject, type: 'spki' | 'pkcs8' | 'sec1' | 'pkcs1'): string {
  return key.export({ format: 'pem', type } as never) as string;
}

const ecPkcs8Pem = tmp.write('ec-pkcs8.pem', pem(ec.privateKey, 'pkcs8'));
const rsaPkcs8Pem = tmp.write('rsa-pkcs8.pem', pem(rsa.privateKey, 'pkcs8'));
const edPkcs8Pem = tmp.write('ed-pkcs8.pem', pem(ed.privateKey, 'pkcs8'));

describe('certwarden pin: keys and CSRs (a backup pin is often only a key)', () => {
  const ecPin = opensslPin(ecPkcs8Pem);
  const rsaPin = opensslPin(rsaPkcs8Pem);
  const edPin = opensslPin(edPkcs8Pem);
  const cases: Array<[string, string | Buffer, string]> = [
    ['SPKI PEM (PUBLIC KEY), EC', pem(ec.publicKey, 'spki'), ecPin],
    ['SPKI DER, EC', der(ec.publicKey, 'spki'), ecPin],
    ['SPKI PEM, RSA', pem(rsa.publicKey, 'spki'), rsaPin],
    ['SPKI DER, Ed25519', der(ed.publicKey, 'spki'), edPin],
    ['PKCS#1 PEM (RSA PUBLIC KEY)', pem(rsa.publicKey, 'pkcs1'), rsaPin],
    ['PKCS#8 PEM (PRIVATE KEY), EC', pem(ec.privateKey, 'pkcs8'), ecPin],
    ['PKCS#8 DER, EC', der(ec.privateKey, 'pkcs8'), ecPin],
    ['PKCS#8 PEM, RSA', pem(rsa.privateKey, 'pkcs8'), rsaPin],
    ['PKCS#8 DER, Ed25519', der(ed.privateKey, 'pkcs8'), edPin],
    ['SEC1 PEM (EC PRIVATE KEY)', pem(ec.privateKey, 'sec1'), ecPin],
    ['SEC1 DER', der(ec.privateKey, 'sec1'), ecPin],
    ['PKCS#1 PEM (RSA PRIVATE KEY)', pem(rsa.privateKey, 'pkcs1'), rsaPin],
    ['PKCS#1 DER (RSA private)', der(rsa.privateKey, 'pkcs1'), rsaPin],
  ];
  for (const [name, content, expected] of cases) {
    test(`${name} pins to the same value as openssl`, async () => {
      const file = tmp.write(`${name.replace(/\W+/g, '-')}.key`, content);
      const r = await runCli(['pin', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(pinLines(r.stdout), [expected]);
    });
  }

  test('a private key: only the public pin is printed, never key material (text and JSON)', async () => {
    const keyDer = der(ec.privateKey, 'pkcs8');
    for (const format of ['text', 'json']) {
      const r = await runCli(['pin', ecPkcs8Pem, '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /BEGIN|PRIVATE KEY-----/);
      assert.ok(!(r.stdout + r.stderr).includes(keyDer.toString('base64').slice(40, 80)));
      if (format === 'json') {
        const out = JSON.parse(r.stdout);
        assert.deepEqual(out.pins, [{ kind: 'private-key', spkiPin: ecPin, key: 'ec prime256v1' }]);
        assert.deepEqual(out.certificates, []);
      }
    }
  });

  test('a CSR (PEM and DER) pins its public key, as openssl does', async () => {
    const csrPem = tmp.write('req.csr', execFileSync('openssl', ['req', '-new', '-key', ecPkcs8Pem, '-subj', '/CN=backup.test']));
    const csrDer = tmp.write('req.der', execFileSync('openssl', ['req', '-in', csrPem, '-outform', 'DER']));
    for (const f of [csrPem, csrDer]) {
      const r = await runCli(['pin', f, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).pins.map((p: { kind: string; spkiPin: string }) => [p.kind, p.spkiPin]), [['certificate-request', ecPin]]);
    }
  });

  test('a CSR whose signature does not verify is refused (CW_ERR_CSR_PARSE)', async () => {
    const csr = execFileSync('openssl', ['req', '-new', '-key', ecPkcs8Pem, '-subj', '/CN=backup.test', '-outform', 'DER']);
    csr.writeUInt8(csr.readUInt8(csr.length - 5) ^ 0x01, csr.length - 5);
    assertOneLineError(await runCli(['pin', tmp.write('bad-sig.csr', csr)]), 'CW_ERR_CSR_PARSE');
  });

  test('a certificate in DER and PEM pins as before; --all prints each object of a bundle', async () => {
    const root = makeRoot();
    const leaf = makeLeaf(root, 'pinned.test');
    const expected = `sha256/${leaf.certificate.spkiSha256}`;
    for (const content of [leaf.certificate.der, leaf.certificate.toPem()]) {
      const r = await runCli(['pin', tmp.write('leaf.crt', content)]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(pinLines(r.stdout), [expected]);
      assert.match(r.stdout, new RegExp(`certificate sha256: ${leaf.certificate.fingerprint256}`));
    }
    const bundle = tmp.write('bundle.pem', leaf.certificate.toPem() + pem(ec.publicKey, 'spki'));
    const r = await runCli(['pin', bundle, '--all', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.pins.map((p: { spkiPin: string }) => p.spkiPin), [expected, ecPin]);
    assert.equal(out.certificates.length, 1);
  });

  test('a combined PEM (certificate then its key, as HAProxy wants): the certificate first; --all shows the key pins the same', async () => {
    const root = makeRoot();
    const leaf = makeLeaf(root, 'combined.test');
    const file = tmp.write('combined.pem', leaf.certificate.toPem() + pem(leaf.privateKey, 'pkcs8'));
    const first = await runCli(['pin', file, '--format', 'json']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout).pins.map((p: { kind: string }) => p.kind), ['certificate']);
    const all = await runCli(['pin', file, '--all', '--format', 'json']);
    const pins = JSON.parse(all.stdout).pins as Array<{ kind: string; spkiPin: string }>;
    assert.deepEqual(pins.map((p) => p.kind), ['certificate', 'private-key']);
    assert.equal(pins[0]!.spkiPin, pins[1]!.spkiPin);
  });

  test('an encrypted private key without a passphrase: a clear error asking for one or for the public key', async () => {
    const encrypted = [
      tmp.write('enc-pkcs8.pem', ec.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse' })),
      tmp.write('enc-pkcs8.der', ec.privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'correct horse' })),
      tmp.write('enc-sec1.pem', ec.privateKey.export({ format: 'pem', type: 'sec1', cipher: 'aes-256-cbc', passphrase: 'correct horse' })),
    ];
    for (const f of encrypted) {
      const r = await runCli(['pin', f]);
      assertOneLineError(r, 'CW_ERR_PASSPHRASE');
      assert.match(r.stderr, /encrypted.*--passphrase-file.*public key/);
      assert.doesNotMatch(r.stderr, /Run with --help/);
    }
    const pass = tmp.write('pass.txt', 'correct horse\n');
    for (const f of encrypted) {
      const r = await runCli(['pin', f, '--passphrase-file', pass]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(pinLines(r.stdout), [opensslPin(encrypted[0]!, ['-passin', `file:${pass}`])]);
    }
    const wrong = tmp.write('wrong.txt', 'battery staple\n');
    assertOneLineError(await runCli(['pin', encrypted[0]!, '--passphrase-file', wrong]), 'CW_ERR_PASSPHRASE');
  });

  test('something that is no certificate, key or CSR is a one-line CW_ERR_PEM', async () => {
    assertOneLineError(await runCli(['pin', tmp.write('junk.der', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]))]), 'CW_ERR_PEM');
    assertOneLineError(await runCli(['pin', tmp.write('other.pem', '-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n')]), 'CW_ERR_PEM');
  });
});
