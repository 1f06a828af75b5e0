/**
 * The root's CRL for the issuing CA: without it, a relying party that checks
 * the whole chain (RFC 5280 §6.3, certwarden's default `check: chain`) finds
 * no revocation source for the issuing CA and must refuse every certificate
 * the CA issues (regression: `certwarden scan` failed V9.2.4 on a chain from
 * `ca init` with `no-revocation-source` for the issuing CA).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { loadRoot, maintainRootCrl, publishRootCrl, readRootCrl, ROOT_CRL_FILE } from '../../src/ca/root-crl.ts';
import { startCaServer, type CaServer } from '../../src/ca/server.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { evaluateTrust } from '../../src/trust/evaluate.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { makeIntermediate, makeRoot, keyPem, tempDir } from '../helpers/pki.ts';
import { runCli } from '../helpers/cli.ts';
import { isCertwardenError } from '../../src/errors.ts';
import type { Certificate } from '../../src/x509/certificate.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';

const dpUrls = (c: Certificate): string[] => c.crlDistributionPoints.flatMap((d) => d.urls);

describe('root CRL for the issuing CA', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  before(async () => {
    f = await freshCa({ ocspUrls: ['http://ca.internal:8080/ocsp'], crlUrls: ['http://crl.internal/ca.crl'] });
  });
  after(async () => f.cleanup());

  test('the issuing CA certificate points at /root.crl on the CRL server; leaves keep the CA CRL', async () => {
    assert.deepEqual(dpUrls(f.ca.issuing.certificate), ['http://crl.internal/root.crl']);
    assert.deepEqual(f.ca.config.rootCrlUrls, ['http://crl.internal/root.crl']);
    const leaf = await f.ca.issue({ profile: 'server', sans: ['DNS:svc.internal'] });
    assert.deepEqual(dpUrls(leaf.certificate), ['http://crl.internal/ca.crl']);
  });

  test('signed by the root, verified by the engine for the issuing CA, numbered apart from the CA CRL', async () => {
    const root = await loadRoot(f.ca);
    assert.ok(root);
    const a = await publishRootCrl(f.ca, root);
    const caCrl = await new CrlPublisher(f.ca).publish();
    const b = await publishRootCrl(f.ca, root);
    assert.equal(b.number, a.number + 1n, 'the root sequence is not advanced by the CA CRL');
    assert.ok(caCrl.number >= 1n);
    const v = verifyCrlForCertificate(b.der, f.ca.issuing.certificate, [f.ca.root]);
    assert.equal(v.status, 'good', JSON.stringify(v.reasons));
    assert.equal(parseCrl(readFileSync(join(f.dir, ROOT_CRL_FILE))).crlNumber, b.number);
    // Signed by the issuing CA instead, it is not the root's CRL.
    assert.equal(verifyCrlForCertificate(caCrl.der, f.ca.issuing.certificate, [f.ca.root]).status, 'invalid');
  });

  test('re-signed only when half of its validity has passed', async () => {
    const root = (await loadRoot(f.ca))!;
    const first = await publishRootCrl(f.ca, root, 7 * 86_400_000);
    assert.equal((await maintainRootCrl(f.ca, root, 7 * 86_400_000, new Date(first.thisUpdate.getTime() + 86_400_000))).published, false);
    const later = await maintainRootCrl(f.ca, root, 7 * 86_400_000, new Date(first.thisUpdate.getTime() + 4 * 86_400_000));
    assert.equal(later.published, true);
    assert.ok(later.crl.number > first.number);
  });

  test('ca serve answers GET /root.crl; a chain from the CA passes check: chain on CRLs alone', async () => {
    const root = (await loadRoot(f.ca))!;
    await publishRootCrl(f.ca, root);
    let server: CaServer | undefined;
    const g = await freshCa();
    try {
      server = await startCaServer(f.ca, { port: 0 });
      const res = await fetch(`${server.url}/root.crl`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/pkix-crl');
      const der = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(der, (await readRootCrl(f.ca.files))!.der);
      // Without a published root CRL the route says so (404), never an empty 200.
      const bare = await startCaServer(g.ca, { port: 0 });
      try {
        assert.equal((await fetch(`${bare.url}/root.crl`)).status, 404);
      } finally {
        await bare.close();
      }
    } finally {
      await server?.close();
      g.cleanup();
    }
  });

  test('a verdict with check: chain over CRLs alone: the issuing CA is judged on the root CRL', async () => {
    const tmp = tempDir('certwarden-rootcrl-');
    try {
      // file: CRL URLs so the verdict reads the published CRLs without a server.
      const h = await freshCa({ crlUrls: [`file://${tmp.dir}/ca.crl`], rootCrlUrls: [`file://${tmp.dir}/root.crl`] });
      try {
        const leaf = await h.ca.issue({ profile: 'server', sans: ['DNS:svc.internal'] });
        tmp.write('ca.crl', (await new CrlPublisher(h.ca).publish()).der);
        tmp.write('root.crl', (await publishRootCrl(h.ca, (await loadRoot(h.ca))!)).der);
        const policy = loadPolicy({ version: 1, trust: { cas: [h.ca.root.toPem()] }, revocation: { mode: 'hard-fail', check: 'chain', sources: ['crl'] } }, { baseDir: tmp.dir });
        const v = await evaluateTrust([leaf.certificate, h.ca.issuing.certificate], { policy, host: 'svc.internal', allowFileCrl: true });
        assert.equal(v.trusted, true, JSON.stringify(v.reasons));
        assert.equal(v.revocation?.certificates.length, 2, 'both the leaf and the issuing CA were checked');
      } finally {
        await h.cleanup();
      }
    } finally {
      tmp.cleanup();
    }
  });

  test('an imported CA has no root key here: no distribution point is invented', async () => {
    const root = makeRoot('CN=Imported Root');
    const inter = makeIntermediate(root, 'CN=Imported Issuing');
    const h = await freshCa({ crlUrls: ['http://crl.internal/ca.crl'], importCert: inter.certificate.toPem() + root.certificate.toPem(), importKey: keyPem(inter.privateKey) });
    try {
      assert.equal(h.ca.config.rootCrlUrls, undefined);
      assert.equal((await loadRoot(h.ca)), undefined);
    } finally {
      await h.cleanup();
    }
  });
});

describe('revoking the issuing CA', () => {
  test('the root CRL lists it, chains from it fail check: chain, and the CA issues nothing more', async () => {
    const tmp = tempDir('certwarden-rootcrl-revoke-');
    const h = await freshCa({ crlUrls: [`file://${tmp.dir}/ca.crl`], rootCrlUrls: [`file://${tmp.dir}/root.crl`] });
    try {
      const root = (await loadRoot(h.ca))!;
      const leaf = await h.ca.issue({ profile: 'server', sans: ['DNS:svc.internal'] });
      tmp.write('ca.crl', (await new CrlPublisher(h.ca).publish()).der);
      const before = await publishRootCrl(h.ca, root);
      const r = await h.ca.revokeIssuingCa('cACompromise');
      assert.equal(r.serial, h.ca.issuing.certificate.serialHex);
      // A running `ca serve` notices that the CRL on disk lacks the revocation and re-signs at once.
      const { crl, published } = await maintainRootCrl(h.ca, root, undefined, new Date(before.thisUpdate.getTime() + 60_000));
      assert.equal(published, true);
      const v = verifyCrlForCertificate(crl.der, h.ca.issuing.certificate, [h.ca.root]);
      assert.equal(v.status, 'revoked');
      assert.equal(v.revocationReason, 'cACompromise');
      tmp.write('root.crl', crl.der);
      const policy = loadPolicy({ version: 1, trust: { cas: [h.ca.root.toPem()] }, revocation: { mode: 'hard-fail', check: 'chain', sources: ['crl'] } }, { baseDir: tmp.dir });
      const verdict = await evaluateTrust([leaf.certificate, h.ca.issuing.certificate], { policy, host: 'svc.internal', allowFileCrl: true });
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.revocation?.status, 'revoked');
      for (const act of [async () => await h.ca.issue({ profile: 'server', sans: ['DNS:late.internal'] }), async () => await h.ca.renew(leaf.certificate), async () => await h.ca.revokeIssuingCa('keyCompromise')]) {
        await assert.rejects(act, (err: unknown) => isCertwardenError(err) && err.code === 'CW_ERR_USAGE');
      }
      // The revocation is stored, not in memory.
      await h.ca.close();
      h.ca = await CertificateAuthority.open(h.dir, PASSPHRASE);
      assert.equal((await h.ca.issuingRevocation())?.reason, 'cACompromise');
      await h.ca.close();
    } finally {
      await h.cleanup();
      tmp.cleanup();
    }
  });
});

describe('root CRL from the CLI', () => {
  test('ca init publishes the first root CRL; ca crl --root signs the next one', async () => {
    const tmp = tempDir('certwarden-rootcrl-cli-');
    const env = { CERTWARDEN_CA_PASSPHRASE: PASSPHRASE };
    const dir = join(tmp.dir, 'ca');
    try {
      const init = await runCli(['ca', 'init', '--dir', dir, '--name', 'CLI', '--ocsp-url', 'http://127.0.0.1:9/ocsp', '--format', 'json'], env);
      assert.equal(init.code, 0, init.stderr);
      assert.ok(existsSync(join(dir, ROOT_CRL_FILE)));
      const first = JSON.parse(init.stdout).rootCrl.crlNumber as string;
      const next = await runCli(['ca', 'crl', '--root', '--dir', dir, '--format', 'json'], env);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(BigInt(JSON.parse(next.stdout).crlNumber), BigInt(first) + 1n);
      const ca = await CertificateAuthority.open(dir, PASSPHRASE);
      try {
        assert.deepEqual(dpUrls(ca.issuing.certificate), ['http://127.0.0.1:9/root.crl']);
        assert.equal(verifyCrlForCertificate(readFileSync(join(dir, ROOT_CRL_FILE)), ca.issuing.certificate, [ca.root]).status, 'good');
      } finally {
        await ca.close();
      }
      const revoke = await runCli(['ca', 'revoke', '--issuing-ca', '--reason', 'cACompromise', '--dir', dir, '--format', 'json'], env);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.equal(BigInt(JSON.parse(revoke.stdout).rootCrlNumber), BigInt(first) + 2n);
      const reopened = await CertificateAuthority.open(dir, PASSPHRASE);
      try {
        assert.equal(verifyCrlForCertificate(readFileSync(join(dir, ROOT_CRL_FILE)), reopened.issuing.certificate, [reopened.root]).status, 'revoked');
      } finally {
        await reopened.close();
      }
      const late = await runCli(['ca', 'issue', '--dir', dir, '--profile', 'server', '--san', 'DNS:late.internal', '--out', join(tmp.dir, 'late')], env);
      assert.equal(late.code, 2);
      assert.match(late.stderr, /CW_ERR_USAGE: the issuing CA was revoked/);
      assert.equal(existsSync(join(tmp.dir, 'late.pem')), false);
    } finally {
      tmp.cleanup();
    }
  });
});
