/** The CA core: init, key protection, issue/renew/revoke/list, CSR, path validation, TLS acceptance. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { CA_FILES, CertificateAuthority, parseReason } from '../../src/ca/ca.ts';
import { keySpecOf, profileByName } from '../../src/ca/profiles.ts';
import { validateWorkers } from '../../src/ca/cluster.ts';
import { parseCsr } from '../../src/ca/csr.ts';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { resolvePassphrase } from '../../src/cli/commands/ca-passphrase.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { validatePath } from '../../src/x509/path/validate.ts';
import { OID } from '../../src/x509/oids.ts';
import { runOpenssl } from '../helpers/openssl-ocsp.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';

describe('ca init and key protection', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa({ ocspUrls: ['http://127.0.0.1:9/ocsp'], crlUrls: ['http://127.0.0.1:9/crl'] })));
  after(async () => f.cleanup());

  test('the home is 0700, keys and database 0600, keys are encrypted PKCS#8', async () => {
    assert.equal(statSync(f.dir).mode & 0o777, 0o700);
    for (const name of [CA_FILES.rootKey, CA_FILES.issuingKey, CA_FILES.db]) assert.equal(statSync(join(f.dir, name)).mode & 0o777, 0o600, name);
    for (const name of [CA_FILES.rootKey, CA_FILES.issuingKey]) {
      const pem = readFileSync(join(f.dir, name), 'utf8');
      assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      assert.doesNotMatch(pem, /BEGIN PRIVATE KEY/);
    }
  });

  test('a wrong passphrase is a clear typed error, a missing one is refused', async () => {
    await assert.rejects(async () => await CertificateAuthority.open(f.dir, 'not the passphrase'), (e: unknown) => isCertwardenError(e) && /wrong passphrase/.test(e.message) && e.details.reason === 'passphrase-wrong');
    assert.throws(() => resolvePassphrase({}), (e: unknown) => isCertwardenError(e) && e.details.reason === 'passphrase-missing');
    await assert.rejects(async () => await CertificateAuthority.init(f.dir, PASSPHRASE, { name: 'again' }), /already holds a CA/);
  });

  test('library errors say what is missing in library terms, never a command-line flag', async () => {
    const noFlag = (re: RegExp) => (e: unknown): boolean => isCertwardenError(e) && re.test(e.message) && !/--[a-z]/.test(e.message);
    await assert.rejects(CertificateAuthority.open(f.dir, 'not the passphrase'), noFlag(/wrong passphrase/));
    await assert.rejects(CertificateAuthority.open(f.dir, ''), noFlag(/no CA key passphrase was given/));
    await assert.rejects(CertificateAuthority.init(`${f.dir}-x`, PASSPHRASE, { name: '' }), noFlag(/a CA name is required/));
    await assert.rejects(CertificateAuthority.init(`${f.dir}-y`, PASSPHRASE, { name: 'x', importCert: f.ca.issuing.certificate.toPem() }), noFlag(/both its certificate and its key/));
    const leaf = await f.ca.issue({ profile: 'server', sans: ['DNS:terms.test'] });
    await assert.rejects(f.ca.revoke(leaf.certificate, 'superseded', new Date('not a date')), noFlag(/invalidity date is not a valid time/));
    // The validators the CLI shares with library callers (regression: they named --san, --days, --key, --profile, --reason, --workers).
    await assert.rejects(f.ca.issue({ profile: 'server', sans: [] }), noFlag(/subject alternative name/));
    await assert.rejects(f.ca.issue({ profile: 'server', sans: ['URI:x'] }), noFlag(/subject alternative name/));
    await assert.rejects(f.ca.issue({ profile: 'server', sans: ['DNS:days.test'], days: 100_000 }), noFlag(/validity in days/));
    assert.throws(() => profileByName('nope'), noFlag(/certificate profile/));
    assert.throws(() => keySpecOf('nope'), noFlag(/key algorithm/));
    assert.throws(() => parseReason('nope'), noFlag(/revocation reason/));
    assert.throws(() => validateWorkers(0), noFlag(/number of workers/));
  });

  test('issued certificates carry profile, SANs, AIA, CRL DP, Must-Staple, and validate', async () => {
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:api.internal.test', 'IP:127.0.0.1'], mustStaple: true, days: 30 });
    const c = r.certificate;
    assert.deepEqual(c.extKeyUsage, [OID.serverAuth]);
    assert.deepEqual(c.dnsNames, ['api.internal.test']);
    assert.equal(c.mustStaple, true);
    assert.deepEqual(c.ocspUrls, ['http://127.0.0.1:9/ocsp']);
    assert.deepEqual(c.caIssuersUrls, ['http://127.0.0.1:9/ca.der']);
    assert.deepEqual(c.crlDistributionPoints[0]?.urls, ['http://127.0.0.1:9/crl']);
    assert.equal(c.serialBytes.length, 16);
    assert.equal(c.serialBytes[0]! & 0x80, 0);
    assert.ok(Math.abs(c.notAfter.getTime() - c.notBefore.getTime() - 30 * 86_400_000) < 1000);
    const v = validatePath(c, { anchors: [f.ca.root], intermediates: r.chain, hostname: 'api.internal.test' });
    assert.equal(v.trusted, true, JSON.stringify(v.reasons));
    const client = (await f.ca.issue({ profile: 'client', sans: ['DNS:worker-1'] })).certificate;
    assert.equal(validatePath(client, { anchors: [f.ca.root], intermediates: r.chain, purpose: 'clientAuth' }).trusted, true);
    assert.equal(validatePath(client, { anchors: [f.ca.root], intermediates: r.chain, purpose: 'serverAuth' }).trusted, false);
  });

  test('renew keeps key, SANs and Must-Staple with a new serial; revoke and list', async () => {
    const first = await f.ca.issue({ profile: 'server', sans: ['DNS:renew.test'], mustStaple: true });
    const second = await f.ca.renew(first.certificate.serialHex, 10);
    assert.notEqual(second.certificate.serialHex, first.certificate.serialHex);
    assert.deepEqual(second.certificate.spkiDer, first.certificate.spkiDer);
    assert.deepEqual(second.record.sans, ['DNS:renew.test']);
    assert.equal(second.certificate.mustStaple, true);
    assert.equal(second.privateKey, undefined);
    const inv = new Date('2026-01-01T00:00:00Z');
    const rec = await f.ca.revoke(first.certificate, 'superseded', inv);
    assert.equal(rec.reason, 'superseded');
    assert.equal(rec.invalidityDate?.getTime(), inv.getTime());
    await assert.rejects(async () => await f.ca.revoke(first.certificate, 'keyCompromise'), /already revoked/);
    await assert.rejects(async () => await f.ca.revoke('0abc', 'keyCompromise'), /no certificate with serial/);
    assert.ok((await f.ca.list({ status: 'revoked' })).some((r) => r.serial === first.certificate.serialHex));
    assert.ok(!(await f.ca.list({ status: 'valid' })).some((r) => r.serial === first.certificate.serialHex));
    assert.deepEqual((await f.ca.list({ san: '*.test' })).map((r) => r.serial).sort(), (await f.ca.list()).filter((r) => r.sans.some((s) => s.endsWith('.test'))).map((r) => r.serial).sort());
  });

  test('CRLs: monotonic cRLNumber, reasons, invalidity dates, verified by the engine', async () => {
    const victim = await f.ca.issue({ profile: 'server', sans: ['DNS:victim.test'] });
    const bystander = await f.ca.issue({ profile: 'server', sans: ['DNS:bystander.test'] });
    await f.ca.revoke(victim.certificate, 'keyCompromise', new Date('2026-02-01T00:00:00Z'));
    const pub = new CrlPublisher(f.ca);
    const a = await pub.publish();
    const b = await pub.publish();
    assert.ok(b.number > a.number);
    const crl = parseCrl(b.der);
    assert.equal(crl.crlNumber, b.number);
    const bad = verifyCrlForCertificate(b.der, victim.certificate, [f.ca.issuing.certificate]);
    assert.equal(bad.status, 'revoked');
    assert.equal(bad.revocationReason, 'keyCompromise');
    assert.equal(verifyCrlForCertificate(b.der, bystander.certificate, [f.ca.issuing.certificate]).status, 'good');
    // The number survives a reopen (stored, not in memory).
    await f.ca.close();
    f.ca = await CertificateAuthority.open(f.dir, PASSPHRASE);
    assert.ok((await new CrlPublisher(f.ca).publish()).number > b.number);
  });
});

describe('CSR issuance', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa()));
  after(async () => f.cleanup());

  test('a CSR from openssl is accepted; its key is used and names come from --san', async () => {
    const key = join(f.dir, 'csr.key');
    const csr = join(f.dir, 'req.csr');
    const r = await runOpenssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=ignored', '-out', csr]);
    assert.equal(r.code, 0, r.stderr);
    const parsed = parseCsr(readFileSync(csr));
    const issued = await f.ca.issue({ profile: 'server', sans: ['DNS:csr.test'], publicKey: parsed.publicKey });
    assert.deepEqual(issued.certificate.spkiDer, parsed.spkiDer);
    assert.equal(issued.certificate.subject, 'CN=csr.test');
  });

  test('a CSR with a broken signature is refused', async () => {
    const csr = join(f.dir, 'req.csr');
    const der = Buffer.from(readFileSync(csr, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 5]! ^= 0x01;
    assert.throws(() => parseCsr(der), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_CSR_PARSE');
    assert.throws(() => parseCsr('garbage'), (e: unknown) => isCertwardenError(e));
  });
});

describe('interop: openssl verify and Node TLS accept the CA', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => (f = await freshCa({ key: 'rsa-2048' })));
  after(async () => f.cleanup());

  test('openssl verify accepts the chain (RSA CA)', async () => {
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:localhost', 'IP:127.0.0.1'] });
    const leaf = f.write('leaf.pem', r.certificate.toPem());
    const untrusted = f.write('issuing.pem', f.ca.issuing.certificate.toPem());
    const res = await runOpenssl(['verify', '-CAfile', join(f.dir, CA_FILES.rootCert), '-untrusted', untrusted, '-purpose', 'sslserver', '-verify_hostname', 'localhost', leaf]);
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.match(res.stdout, /OK/);
  });

  test('a Node https server with an issued certificate is trusted by a client with ca: root', async () => {
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:localhost', 'IP:127.0.0.1'] });
    const server = https.createServer({ cert: [r.certificate, ...r.chain.slice(0, -1)].map((c) => c.toPem()).join(''), key: r.privateKey!.export({ format: 'pem', type: 'pkcs8' }) }, (_q, s) => s.end('hello'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, servername: 'localhost', ca: f.ca.root.toPem(), agent: false }, (res) => {
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        }).on('error', reject);
      });
      assert.equal(body, 'hello');
    } finally {
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
    }
  });
});

test('import an existing CA (--import-cert/--import-key)', async () => {
  const src = await freshCa();
  try {
    const keyPem = createPrivateKey({ key: readFileSync(join(src.dir, CA_FILES.issuingKey)), passphrase: PASSPHRASE }).export({ format: 'pem', type: 'pkcs8' });
    const chainPem = readFileSync(join(src.dir, CA_FILES.chain));
    const dir = join(src.dir, '..', 'imported');
    const ca = await CertificateAuthority.init(dir, PASSPHRASE, { name: 'Imported', importCert: chainPem, importKey: keyPem });
    try {
      const leaf = (await ca.issue({ profile: 'server', sans: ['DNS:imp.test'] })).certificate;
      assert.equal(validatePath(leaf, { anchors: [src.ca.root], intermediates: ca.chain }).trusted, true);
      assert.match(readFileSync(join(dir, CA_FILES.issuingKey), 'utf8'), /ENCRYPTED/);
      assert.equal(statSync(join(dir, CA_FILES.issuingKey)).mode & 0o777, 0o600);
    } finally {
      await ca.close();
    }
    await assert.rejects(async () => await CertificateAuthority.init(join(src.dir, '..', 'mismatch'), PASSPHRASE, { name: 'x', importCert: chainPem, importKey: otherKeyPem() }), /does not match/);
  } finally {
    await src.cleanup();
  }
});

function otherKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}
