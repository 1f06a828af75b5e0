/**
 * The Signer / KeyStore seam (issue 11, item 6): builders sign through a
 * Signer, the CA takes its keys from a KeyStore, and a key store whose
 * signatures arrive later (as an HSM's or a KMS's do) plugs in without any
 * other change.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { EncryptedKeyStore, KEY_FILES } from '../../src/ca/encrypted-key-store.ts';
import type { CaKeyRole, KeyStore } from '../../src/ca/key-store.ts';
import { makeKeyStore } from '../../src/ca/key-stores.ts';
import { OcspResponder } from '../../src/ca/ocsp-responder.ts';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { buildCrl, signCrl } from '../../src/crl/builder.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { buildOcspResponse, signOcspResponse } from '../../src/ocsp/builder.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { createCertificate, signCertificate } from '../../src/x509/builder.ts';
import type { KeySpec } from '../../src/x509/sign.ts';
import { KeyObjectSigner, type Signer } from '../../src/x509/signer.ts';
import { parseSignatureAlgorithm, verifySignature, type HashName } from '../../src/x509/signature.ts';
import type { KeyObject } from 'node:crypto';
import { freshCa, PASSPHRASE } from './fixtures.ts';

/** A signer that answers after a delay, as a KMS over the network does; counts its signatures. */
class SlowSigner implements Signer {
  readonly publicKey: KeyObject;
  readonly #inner: Signer;
  readonly delayMs: () => number;
  signatures = 0;
  constructor(inner: Signer, delayMs: () => number) {
    this.#inner = inner;
    this.publicKey = inner.publicKey;
    this.delayMs = delayMs;
  }
  async sign(tbs: Uint8Array, hash?: HashName): Promise<Uint8Array> {
    this.signatures++;
    await sleep(this.delayMs());
    return this.#inner.sign(tbs, hash);
  }
}

/** A KeyStore whose every signer is slow (the keys themselves in an EncryptedKeyStore). */
class SlowKeyStore implements KeyStore {
  readonly description = 'slow test key store';
  readonly #inner: KeyStore;
  delayMs = 5;
  readonly #made: SlowSigner[] = [];
  constructor(inner: KeyStore) {
    this.#inner = inner;
  }
  signatures(): number {
    return this.#made.reduce((n, s) => n + s.signatures, 0);
  }
  #wrap(s: Signer): SlowSigner {
    const slow = new SlowSigner(s, () => this.delayMs);
    this.#made.push(slow);
    return slow;
  }
  async signer(role: CaKeyRole): Promise<Signer | undefined> {
    const s = await this.#inner.signer(role);
    return s && this.#wrap(s);
  }
  async generate(role: CaKeyRole, spec: KeySpec): Promise<Signer> {
    return this.#wrap(await this.#inner.generate(role, spec));
  }
  async importKey(role: CaKeyRole, key: KeyObject): Promise<Signer> {
    return this.#wrap(await this.#inner.importKey(role, key));
  }
}

describe('builders sign through a Signer', () => {
  // RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic: the Signer path must give the very same bytes.
  for (const type of ['rsa', 'ed25519'] as const) {
    test(`${type}: a certificate, a CRL and an OCSP response signed through a KeyObjectSigner are byte-identical to the key-based builders`, async () => {
      const { privateKey, publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const signer = new KeyObjectSigner(privateKey);
      const template = { subject: 'CN=Seam Root', publicKey, serial: 7n, ca: { pathLength: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] as ['keyCertSign', 'cRLSign'], notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };
      const root = createCertificate({ ...template, selfSignKey: privateKey });
      assert.deepEqual((await signCertificate(template, signer)).der, root.der);
      const crl = { entries: [{ serial: 5n, revocationDate: new Date('2026-02-01T00:00:00Z'), reason: 'keyCompromise' as const }], thisUpdate: new Date('2026-02-01T00:00:00Z'), nextUpdate: new Date('2026-02-08T00:00:00Z'), crlNumber: 3n };
      assert.deepEqual(await signCrl({ ...crl, issuer: { certificate: root } }, signer), buildCrl({ ...crl, issuer: { certificate: root, privateKey } }));
      const ocsp = { issuer: root, responses: [{ serial: 5n, status: 'good' as const }], producedAt: new Date('2026-02-01T00:00:00Z'), responderIdByKey: true };
      assert.deepEqual(await signOcspResponse({ ...ocsp, signer: { certificate: root } }, signer), buildOcspResponse({ ...ocsp, signer: { certificate: root, privateKey } }));
    });
  }
});

describe('the CA with a key store that signs later (an HSM or KMS stand-in)', () => {
  test('init, issue, CRL and OCSP all go through its signers and verify', async () => {
    let store: SlowKeyStore | undefined;
    const f = await freshCa({ keyStore: (ctx) => (store = new SlowKeyStore(new EncryptedKeyStore(ctx.files, ctx.passphrase))) });
    try {
      assert.ok(store);
      const leaf = await f.ca.issue({ profile: 'server', sans: ['DNS:slow.internal'] });
      const c = leaf.certificate;
      assert.ok(verifySignature(parseSignatureAlgorithm(c.signatureAlgorithmDer), c.tbs, c.signatureValue, f.ca.issuing.certificate.publicKey), 'the leaf verifies under the issuing CA');
      assert.ok(store.signatures() >= 3, 'root and issuing certificates and the leaf were signed by the store');
      await f.ca.revoke(leaf.certificate, 'keyCompromise');
      const crl = await new CrlPublisher(f.ca).publish();
      assert.equal(verifyCrlForCertificate(crl.der, leaf.certificate, [f.ca.issuing.certificate]).status, 'revoked');
      const responder = new OcspResponder(f.ca);
      await responder.load();
      const answer = await responder.answer(buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: leaf.certificate }).der);
      assert.equal(answer.signedOnDemand, false, 'pre-signed');
      assert.equal(verifyOcspResponse(answer.body, { certificate: leaf.certificate, issuer: f.ca.issuing.certificate }).status, 'revoked');
      const reopened = await CertificateAuthority.open(f.dir, PASSPHRASE, { keyStore: (ctx) => new SlowKeyStore(new EncryptedKeyStore(ctx.files, ctx.passphrase)) });
      assert.ok(reopened.issuing.signer instanceof SlowSigner);
      await reopened.close();
    } finally {
      await f.cleanup();
    }
  });

  test('a revocation applied while the earlier good answer is still being signed is never answered good', async () => {
    let store: SlowKeyStore | undefined;
    const f = await freshCa({ responder: 'issuer', keyStore: (ctx) => (store = new SlowKeyStore(new EncryptedKeyStore(ctx.files, ctx.passphrase))) });
    try {
      const leaf = await f.ca.issue({ profile: 'server', sans: ['DNS:race.internal'] });
      const responder = new OcspResponder(f.ca);
      await responder.load();
      const good = (await f.ca.get(leaf.certificate.serialHex))!;
      // The first (good) signature takes 200 ms, the revocation's 5 ms: the good one finishes last.
      store!.delayMs = 200;
      const slowGood = responder.apply([{ ...good, seq: good.seq + 1 }]);
      store!.delayMs = 5;
      const revoked = await f.ca.revoke(leaf.certificate, 'keyCompromise');
      const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: leaf.certificate }).der;
      // Before any new signature is done: answered on demand from the new state, not from the old cache.
      const during = responder.apply([{ ...revoked, seq: good.seq + 2 }]);
      const meanwhile = await responder.answer(req);
      assert.equal(verifyOcspResponse(meanwhile.body, { certificate: leaf.certificate, issuer: f.ca.issuing.certificate }).status, 'revoked');
      await Promise.all([slowGood, during]);
      const after = await responder.answer(req);
      assert.equal(after.signedOnDemand, false);
      assert.equal(verifyOcspResponse(after.body, { certificate: leaf.certificate, issuer: f.ca.issuing.certificate }).status, 'revoked');
    } finally {
      await f.cleanup();
    }
  });
});

describe('the encrypted key store', () => {
  test('every key at rest is encrypted PKCS#8, 0600; the responder key too', async () => {
    const f = await freshCa();
    try {
      const responder = new OcspResponder(f.ca);
      await responder.load();
      for (const role of ['issuing', 'root', 'responder'] as const) {
        const path = join(f.dir, KEY_FILES[role]);
        assert.match(readFileSync(path, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, role);
        assert.equal(statSync(path).mode & 0o777, 0o600, role);
      }
    } finally {
      await f.cleanup();
    }
  });

  test('an unencrypted key in its place is refused, a wrong passphrase is CW_ERR_PASSPHRASE, a missing root key is "no root"', async () => {
    const f = await freshCa();
    try {
      await f.ca.close();
      const keys = makeKeyStore(undefined, { files: f.ca.files, passphrase: PASSPHRASE });
      assert.ok(await keys.signer('root'));
      writeFileSync(join(f.dir, KEY_FILES.root), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
      await assert.rejects(keys.signer('root'), (e: unknown) => isCertwardenError(e) && /refusing to use an unencrypted CA key/.test(e.message));
      const wrong = makeKeyStore('encrypted', { files: f.ca.files, passphrase: 'another passphrase' });
      await assert.rejects(wrong.signer('issuing'), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_PASSPHRASE');
      assert.equal(await makeKeyStore(undefined, { files: f.ca.files, passphrase: PASSPHRASE }).signer('responder'), undefined, 'no responder key yet');
      assert.throws(() => makeKeyStore('pkcs11' as 'encrypted', { files: f.ca.files, passphrase: PASSPHRASE }), /unknown key store "pkcs11"/);
    } finally {
      await f.cleanup();
    }
  });
});
