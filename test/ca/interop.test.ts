/**
 * Interop on loopback with `certwarden ca serve` running as its own process:
 * openssl's OCSP client, openssl verify -crl_check, and nginx OCSP stapling
 * (checked with openssl s_client, with Node's TLS client + certwarden's
 * verifier, and with `certwarden scan`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { CA_FILES } from '../../src/ca/ca.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import type { Certificate } from '../../src/x509/certificate.ts';
import { projectRoot } from '../helpers/shared.ts';
import { freePort, runOpenssl, waitForPort } from '../helpers/openssl-ocsp.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';
import { assertRequirement, resultFor, scanJson, writePolicy } from '../helpers/servers/scan-cli.ts';

function startServe(dir: string, port: number): ChildProcess {
  return spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', dir, '--listen', `127.0.0.1:${port}`, '--poll-ms', '50'], {
    env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('interop with openssl and nginx against `certwarden ca serve`', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let serve: ChildProcess | undefined;
  let port: number;
  let good: { certificate: Certificate; keyPath: string; chainPath: string; certPath: string };
  let revokedPath: string;
  let issuerPath: string;
  let rootPath: string;
  let serveExit: Promise<number | null>;

  before(async () => {
    port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    f = await freshCa({ ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl`] });
    const g = await f.ca.issue({ profile: 'server', sans: ['DNS:localhost', 'IP:127.0.0.1'], mustStaple: true });
    good = {
      certificate: g.certificate,
      certPath: f.write('good.pem', g.certificate.toPem()),
      chainPath: f.write('good.chain.pem', [g.certificate, f.ca.issuing.certificate].map((c) => c.toPem()).join('')),
      keyPath: f.write('good.key', g.privateKey!.export({ format: 'pem', type: 'pkcs8' }) as string),
    };
    const r = await f.ca.issue({ profile: 'server', sans: ['DNS:revoked.test'] });
    revokedPath = f.write('revoked.pem', r.certificate.toPem());
    await f.ca.revoke(r.certificate, 'keyCompromise');
    issuerPath = join(f.dir, CA_FILES.issuingCert);
    rootPath = join(f.dir, CA_FILES.rootCert);
    await f.ca.close();
    serve = startServe(f.dir, port);
    serveExit = new Promise((resolve) => serve!.once('exit', (code) => resolve(code)));
    await waitForPort(port, 15_000, serve);
  });

  after(async () => {
    await stop(serve);
    await f.cleanup();
  });

  const ocsp = (cert: string, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> =>
    runOpenssl(['ocsp', '-issuer', issuerPath, '-cert', cert, '-url', `http://127.0.0.1:${port}/ocsp`, '-CAfile', rootPath, '-verify_other', issuerPath, ...extra]);

  test('openssl ocsp verifies good, revoked (with reason) and unknown answers', async () => {
    const g = await ocsp(good.certPath);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stderr + g.stdout, /Response verify OK/);
    assert.match(g.stdout, /: good/);
    const r = await ocsp(revokedPath);
    assert.match(r.stderr + r.stdout, /Response verify OK/);
    assert.match(r.stdout, /: revoked/);
    assert.match(r.stdout, /Reason: keyCompromise/);
    const u = await runOpenssl(['ocsp', '-issuer', issuerPath, '-serial', '0x0123456789abcdef', '-url', `http://127.0.0.1:${port}/ocsp`, '-CAfile', rootPath, '-verify_other', issuerPath]);
    assert.match(u.stderr + u.stdout, /Response verify OK/);
    assert.match(u.stdout, /: unknown/);
  });

  test('openssl ocsp with a nonce: echoed and verified', async () => {
    const n = await ocsp(good.certPath, ['-nonce']);
    assert.match(n.stderr + n.stdout, /Response verify OK/);
    assert.doesNotMatch(n.stderr + n.stdout, /nonce/i);
  });

  test('openssl verify -crl_check accepts the CRL, the good certificate, and rejects the revoked one', async () => {
    const crl = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/crl`)).arrayBuffer());
    const crlPem = f.write('ca.crl.pem', `-----BEGIN X509 CRL-----\n${crl.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`);
    const ok = await runOpenssl(['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', rootPath, '-untrusted', issuerPath, good.certPath]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const bad = await runOpenssl(['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', rootPath, '-untrusted', issuerPath, revokedPath]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /certificate revoked/);
  });

  test('nginx staples certwarden\'s OCSP answer; openssl s_client and Node+certwarden verify it', async (t) => {
    const nginxPort = await freePort();
    const ndir = join(f.dir, '..', 'nginx');
    mkdirSync(join(ndir, 'logs'), { recursive: true });
    const trusted = f.write('trusted.pem', [f.ca.issuing.certificate.toPem(), readFileSync(rootPath, 'utf8')].join(''));
    writeFileSync(
      join(ndir, 'nginx.conf'),
      `worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${ndir}/tmp; proxy_temp_path ${ndir}/tmp; fastcgi_temp_path ${ndir}/tmp; uwsgi_temp_path ${ndir}/tmp; scgi_temp_path ${ndir}/tmp;
  server {
    listen 127.0.0.1:${nginxPort} ssl;
    server_name localhost;
    ssl_certificate ${good.chainPath};
    ssl_certificate_key ${good.keyPath};
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate ${trusted};
    location / { return 200 "ok\\n"; }
  }
}
`,
    );
    const nginx = spawn('nginx', ['-p', ndir, '-c', 'nginx.conf', '-g', `daemon off; pid ${ndir}/nginx.pid; error_log stderr;`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let nginxErr = '';
    nginx.stderr!.on('data', (d: Buffer) => (nginxErr += d.toString()));
    try {
      await waitForPort(nginxPort, 10_000, nginx);
      let out = '';
      for (let i = 0; i < 40 && !/OCSP Response Status: successful/.test(out); i++) {
        const r = await runOpenssl(['s_client', '-connect', `127.0.0.1:${nginxPort}`, '-servername', 'localhost', '-status', '-CAfile', rootPath], undefined);
        out = r.stdout + r.stderr;
        if (!/OCSP Response Status: successful/.test(out)) await sleep(100);
      }
      assert.match(out, /OCSP Response Status: successful/, nginxErr);
      assert.match(out, /Cert Status: good/);
      const staple = await new Promise<Buffer | null>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: nginxPort, servername: 'localhost', ca: readFileSync(rootPath, 'utf8'), requestOCSP: true });
        let got: Buffer | null = null;
        s.on('OCSPResponse', (r: Buffer) => (got = r));
        s.once('secureConnect', () => {
          s.end();
          resolve(got);
        });
        s.once('error', reject);
      });
      assert.ok(staple, 'Node received a staple');
      const v = verifyOcspResponse(staple, { certificate: good.certificate, issuer: f.ca.issuing.certificate });
      assert.equal(v.status, 'good', JSON.stringify(v.reasons));
      t.diagnostic('nginx stapled a certwarden response that certwarden verifies');
      // And certwarden scan, as an auditor would run it: the staple nginx took from `ca serve` satisfies V9.2.4.
      const policy = writePolicy(readFileSync(rootPath, 'utf8'));
      try {
        const target = { name: 'localhost', port: nginxPort };
        const { report } = await scanJson([target], policy.path);
        const result = resultFor(report, target);
        assertRequirement(result, 'V9.2.1', { status: 'pass' });
        assertRequirement(result, 'V9.2.4', { status: 'pass' });
        assert.ok(!JSON.stringify(result.requirements['V9.2.4']).includes('staple-missing'));
      } finally {
        policy.cleanup();
      }
    } finally {
      await stop(nginx);
    }
  });

  test('ca serve stops cleanly on SIGTERM', async () => {
    serve!.kill('SIGTERM');
    assert.equal(await serveExit, 0);
  });
});
