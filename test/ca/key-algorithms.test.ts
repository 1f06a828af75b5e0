/**
 * Every CA key algorithm `ca init --key` offers (ECDSA P-256 and P-384, RSA
 * 2048, 3072 and 4096) yields a CA whose certificates, CRLs (its own and the
 * root's) and OCSP answers (delegated and issuer-signed) pass certwarden's
 * engine and OpenSSL, and whose served chain a Node TLS client accepts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CA_FILES } from '../../src/ca/ca.ts';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { OcspResponder } from '../../src/ca/ocsp-responder.ts';
import { KEY_ALGORITHMS } from '../../src/ca/profiles.ts';
import { loadRoot, publishRootCrl } from '../../src/ca/root-crl.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { validatePath } from '../../src/x509/path/validate.ts';
import { runOpenssl } from '../helpers/openssl-ocsp.ts';
import { freshCa } from './fixtures.ts';

const homes: Array<Awaited<ReturnType<typeof freshCa>>> = [];
after(async () => homes.forEach((h) => h.cleanup()));

async function nodeClientAccepts(cert: string, key: string, ca: string): Promise<string> {
  const server = https.createServer({ cert, key }, (_q, s) => s.end('hello'));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, servername: 'svc.internal', ca, agent: false }, (res) => {
          let d = '';
          res.on('data', (c) => (d += c));
          res.on('end', () => resolve(d));
        })
        .on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
  }
}

for (const key of KEY_ALGORITHMS) {
  describe(`ca init --key ${key}`, () => {
    test('certificate, CRLs and OCSP answers pass the engine, openssl and Node TLS', async () => {
      const f = await freshCa({ key, ocspUrls: ['http://127.0.0.1:9/ocsp'], crlUrls: ['http://127.0.0.1:9/crl'] });
      homes.push(f);
      const issued = await f.ca.issue({ profile: 'server', sans: ['DNS:svc.internal', 'IP:127.0.0.1'] });
      const revoked = await f.ca.issue({ profile: 'server', sans: ['DNS:gone.internal'] });
      await f.ca.revoke(revoked.certificate, 'keyCompromise');

      const path = validatePath(issued.certificate, { anchors: [f.ca.root], intermediates: [f.ca.issuing.certificate], hostname: 'svc.internal' });
      assert.equal(path.trusted, true, JSON.stringify(path.reasons));

      const crl = await new CrlPublisher(f.ca).publish();
      assert.equal(verifyCrlForCertificate(crl.der, issued.certificate, [f.ca.issuing.certificate]).status, 'good');
      assert.equal(verifyCrlForCertificate(crl.der, revoked.certificate, [f.ca.issuing.certificate]).status, 'revoked');
      const rootCrl = await publishRootCrl(f.ca, (await loadRoot(f.ca))!);
      assert.equal(verifyCrlForCertificate(rootCrl.der, f.ca.issuing.certificate, [f.ca.root]).status, 'good');

      for (const mode of ['delegated', 'issuer'] as const) {
        const responder = new OcspResponder(f.ca, { mode });
        await responder.load();
        for (const [cert, want] of [[issued.certificate, 'good'], [revoked.certificate, 'revoked']] as const) {
          const answer = await responder.answer(buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert }).der);
          const v = verifyOcspResponse(answer.body, { certificate: cert, issuer: f.ca.issuing.certificate });
          assert.equal(v.status, want, `${mode}: ${JSON.stringify(v.reasons)}`);
        }
      }

      const leafPath = f.write(`${key}-leaf.pem`, issued.certificate.toPem());
      const crlPath = f.write(`${key}.crl.pem`, `-----BEGIN X509 CRL-----\n${crl.der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`);
      const rootPath = join(f.dir, CA_FILES.rootCert);
      const issuingPath = join(f.dir, CA_FILES.issuingCert);
      const ok = await runOpenssl(['verify', '-CAfile', rootPath, '-untrusted', issuingPath, '-crl_check', '-CRLfile', crlPath, '-purpose', 'sslserver', '-verify_hostname', 'svc.internal', leafPath]);
      assert.equal(ok.code, 0, ok.stderr + ok.stdout);

      const body = await nodeClientAccepts(
        [issued.certificate, f.ca.issuing.certificate].map((c) => c.toPem()).join(''),
        issued.privateKey!.export({ format: 'pem', type: 'pkcs8' }) as string,
        f.ca.root.toPem(),
      );
      assert.equal(body, 'hello');
    });
  });
}
