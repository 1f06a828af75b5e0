/**
 * Interop with the OpenSSL CLI, both ways:
 *  - CRLs made by `openssl ca -gencrl` (a minimal CA directory in a temp
 *    folder) are read and judged correctly by our verifier;
 *  - CRLs made by our builder pass `openssl crl -verify` and drive
 *    `openssl verify -crl_check` (revoked certificate rejected, good one accepted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeIntermediate, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { toPem } from '../../src/util/pem.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { buildCrl } from '../../src/crl/builder.ts';
import { Crl } from '../../src/crl/parse.ts';
import { checkCrl, verifyCrlForCertificate } from '../../src/crl/verify.ts';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const DAY = 86_400_000;

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('CRLs from `openssl ca -gencrl` are judged correctly', { skip: !hasOpenssl && 'openssl CLI not installed' }, () => {
  const tmp = tempDir('certwarden-crl-openssl-');
  try {
    const dir = tmp.dir;
    mkdirSync(join(dir, 'newcerts'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(
      join(dir, 'openssl.cnf'),
      `[ca]
default_ca = CA_default
[CA_default]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = OpenSSL Interop CA
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[crl_ext]
authorityKeyIdentifier = keyid:always
`,
    );
    const cfg = ['-config', 'openssl.cnf'];
    openssl(['req', '-x509', ...cfg, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-extensions', 'v3_ca'], dir);
    for (const name of ['revoked', 'good']) {
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.example`], dir);
      openssl(['ca', '-batch', ...cfg, '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', 'v3_leaf', '-notext'], dir);
    }
    // Before any revocation: an empty CRL says good for both.
    openssl(['ca', ...cfg, '-gencrl', '-crlexts', 'crl_ext', '-out', 'empty.crl'], dir);
    openssl(['ca', ...cfg, '-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise'], dir);
    openssl(['ca', ...cfg, '-gencrl', '-crlexts', 'crl_ext', '-out', 'ca.crl'], dir);

    const ca = Certificate.parse(readFileSync(join(dir, 'ca.pem')));
    const revoked = Certificate.parse(readFileSync(join(dir, 'revoked.pem')));
    const good = Certificate.parse(readFileSync(join(dir, 'good.pem')));
    const crlPem = readFileSync(join(dir, 'ca.crl'), 'utf8');
    const crl = Crl.parse(crlPem);
    assert.equal(crl.crlNumber, 2n);
    assert.equal(crl.revokedCount, 1);

    const r = verifyCrlForCertificate(crlPem, revoked, [ca]);
    assert.equal(r.status, 'revoked');
    assert.equal(r.revocationReason, 'keyCompromise');
    assert.equal(r.crlNumber, '2');
    assert.equal(verifyCrlForCertificate(crlPem, good, [ca]).status, 'good');
    assert.equal(verifyCrlForCertificate(readFileSync(join(dir, 'empty.crl')), revoked, [ca]).status, 'good');
    // Past its nextUpdate (default_crl_days = 7): invalid.
    const late = verifyCrlForCertificate(crlPem, good, [ca], { at: new Date(Date.now() + 8 * DAY) });
    assert.equal(late.status, 'invalid');
    assert.deepEqual(late.reasons.map((x) => x.code), ['crl-expired']);
  } finally {
    tmp.cleanup();
  }
});

test('a CRL from `openssl ca -gencrl` without a crlnumber file (no cRLNumber) is accepted by default, flagged, and refused under crl-number: required', { skip: !hasOpenssl && 'openssl CLI not installed' }, () => {
  const tmp = tempDir('certwarden-crl-openssl-nonum-');
  try {
    const dir = tmp.dir;
    mkdirSync(join(dir, 'newcerts'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    // No "crlnumber" line and no crlnumber file: openssl writes CRLs without the cRLNumber extension.
    writeFileSync(
      join(dir, 'openssl.cnf'),
      `[ca]
default_ca = CA_default
[CA_default]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = OpenSSL No-Number CA
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`,
    );
    const cfg = ['-config', 'openssl.cnf'];
    openssl(['req', '-x509', ...cfg, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-extensions', 'v3_ca'], dir);
    for (const name of ['revoked', 'good']) {
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.example`], dir);
      openssl(['ca', '-batch', ...cfg, '-in', `${name}.csr`, '-out', `${name}.pem`, '-extensions', 'v3_leaf', '-notext'], dir);
    }
    openssl(['ca', ...cfg, '-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise'], dir);
    openssl(['ca', ...cfg, '-gencrl', '-out', 'ca.crl'], dir);
    // OpenSSL itself accepts it.
    const v = spawnSync('openssl', ['crl', '-in', 'ca.crl', '-CAfile', 'ca.pem', '-noout'], { cwd: dir, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stderr + v.stdout, /verify OK/);

    const ca = Certificate.parse(readFileSync(join(dir, 'ca.pem')));
    const revoked = Certificate.parse(readFileSync(join(dir, 'revoked.pem')));
    const good = Certificate.parse(readFileSync(join(dir, 'good.pem')));
    const crlPem = readFileSync(join(dir, 'ca.crl'), 'utf8');
    assert.equal(Crl.parse(crlPem).crlNumber, undefined);

    const ok = verifyCrlForCertificate(crlPem, good, [ca]);
    assert.equal(ok.status, 'good');
    assert.equal(ok.crlNumberMissing, true);
    assert.deepEqual(ok.warnings?.map((x) => x.code), ['crl-number-missing']);
    const r = verifyCrlForCertificate(crlPem, revoked, [ca]);
    assert.equal(r.status, 'revoked');
    assert.equal(r.revocationReason, 'keyCompromise');
    // Signature and times are still checked.
    assert.equal(verifyCrlForCertificate(crlPem, good, [ca], { at: new Date(Date.now() + 8 * DAY) }).status, 'invalid');
    // Strict mode.
    const strict = verifyCrlForCertificate(crlPem, good, [ca], { crlNumber: 'required' });
    assert.equal(strict.status, 'invalid');
    assert.deepEqual(strict.reasons.map((x) => x.code), ['crl-number-missing']);
  } finally {
    tmp.cleanup();
  }
});

test('our CRLs pass `openssl crl -verify` and `openssl verify -crl_check`', { skip: !hasOpenssl && 'openssl CLI not installed' }, () => {
  const tmp = tempDir('certwarden-crl-openssl-');
  try {
    const dir = tmp.dir;
    for (const key of [{ type: 'ec', curve: 'P-256' }, { type: 'rsa', bits: 2048 }] as const) {
      const root = makeRoot('CN=certwarden Interop Root', { key });
      const ca = makeIntermediate(root, 'CN=certwarden Interop CA', { key });
      const revoked = makeLeaf(ca, 'revoked.example', { key });
      const good = makeLeaf(ca, 'good.example', { key });
      const now = Date.now();
      const common = { thisUpdate: new Date(now - 3_600_000), nextUpdate: new Date(now + DAY) };
      const caCrl = buildCrl({ issuer: ca, ...common, crlNumber: 5n, entries: [{ serial: revoked.certificate.serialBytes, revocationDate: new Date(now - 60_000), reason: 'keyCompromise' }] });
      const rootCrl = buildCrl({ issuer: root, ...common });
      tmp.write('root.pem', root.certificate.toPem());
      tmp.write('ca.pem', ca.certificate.toPem());
      tmp.write('revoked.pem', revoked.certificate.toPem());
      tmp.write('good.pem', good.certificate.toPem());
      tmp.write('crls.pem', toPem(caCrl, 'X509 CRL') + toPem(rootCrl, 'X509 CRL'));
      tmp.write('ca.crl', toPem(caCrl, 'X509 CRL'));

      const v = spawnSync('openssl', ['crl', '-in', 'ca.crl', '-CAfile', 'ca.pem', '-noout'], { cwd: dir, encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stderr + v.stdout, /verify OK/);
      const text = openssl(['crl', '-in', 'ca.crl', '-noout', '-text'], dir);
      assert.match(text, /Key Compromise/);
      assert.match(text, new RegExp(revoked.certificate.serialHex.toUpperCase()));

      const verify = (leaf: string): { status: number | null; out: string } => {
        const res = spawnSync('openssl', ['verify', '-crl_check_all', '-CAfile', 'root.pem', '-untrusted', 'ca.pem', '-CRLfile', 'crls.pem', leaf], { cwd: dir, encoding: 'utf8' });
        return { status: res.status, out: res.stdout + res.stderr };
      };
      const ok = verify('good.pem');
      assert.equal(ok.status, 0, ok.out);
      const bad = verify('revoked.pem');
      assert.notEqual(bad.status, 0);
      assert.match(bad.out, /certificate revoked/);

      // And our own verifier agrees.
      assert.equal(checkCrl(revoked.certificate, [caCrl], { issuers: [ca.certificate] }).status, 'revoked');
      assert.equal(checkCrl(good.certificate, [caCrl], { issuers: [ca.certificate] }).status, 'good');
      assert.equal(checkCrl(ca.certificate, [rootCrl], { issuers: [root.certificate] }).status, 'good');
    }
  } finally {
    tmp.cleanup();
  }
});
