/**
 * `ca serve --workers 2` as a process: the workers share the port, each
 * answers from its own pre-signed cache, a revocation made by another process
 * reaches every worker, every worker serves the primary's single CRL, and
 * SIGTERM stops the primary and all workers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { CertificateAuthority } from '../../src/ca/ca.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { Certificate } from '../../src/x509/certificate.ts';
import { projectRoot } from '../helpers/shared.ts';
import { freePort, waitForPort } from '../helpers/openssl-ocsp.ts';
import { freshCa, PASSPHRASE } from './fixtures.ts';

/** One request on a fresh connection (no keep-alive), so the cluster hands each to the next worker. */
function request(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, headers: body ? { 'content-type': 'application/ocsp-request', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ca serve --workers 2', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let serve: ChildProcess;
  let port: number;
  let stderr = '';
  let exit: Promise<number | null>;
  let target: Certificate;
  let ocspRequest: Buffer;
  before(async () => {
    port = await freePort();
    f = await freshCa({ crlUrls: [`http://127.0.0.1:${port}/crl`] });
    target = (await f.ca.issue({ profile: 'server', sans: ['DNS:target.test'] })).certificate;
    ocspRequest = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: target }).der;
    await f.ca.close();
    serve = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', f.dir, '--listen', `127.0.0.1:${port}`, '--poll-ms', '50', '--workers', '2'], {
      env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.on('data', () => {});
    serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exit = new Promise((resolve) => serve.once('exit', (code) => resolve(code)));
    await waitForPort(port, 30_000, serve);
    // The port listens as soon as the first worker does; wait for the primary's "all started" line.
    for (let i = 0; i < 600 && !stderr.includes('ca_workers_started'); i++) await sleep(50);
    assert.match(stderr, /ca_workers_started/);
  });
  after(async () => {
    if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await f.cleanup();
  });

  test('every worker serves the one root CRL the primary signed, and it covers the issuing CA', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await request(port, '/root.crl');
      assert.equal(res.status, 200);
      bodies.add(res.body.toString('base64'));
      assert.equal(verifyCrlForCertificate(res.body, f.ca.issuing.certificate, [f.ca.root]).status, 'good');
    }
    assert.equal(bodies.size, 1);
    assert.match(stderr, /ca_root_crl_published/);
  });

  test('the workers answer from pre-signed responses, all signed with the one delegated responder certificate the primary prepared (10.19)', async () => {
    const signers = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const res = await request(port, '/ocsp', ocspRequest);
      assert.equal(res.status, 200);
      const v = verifyOcspResponse(res.body, { certificate: target, issuer: f.ca.issuing.certificate });
      assert.equal(v.status, 'good', JSON.stringify(v.reasons));
      for (const c of parseOcspResponse(res.body).basic!.certificates) signers.add(Certificate.parse(c).serialHex);
    }
    assert.equal(signers.size, 1, 'every worker reuses the saved delegated responder certificate');
    const store = CertificateAuthority.openStore(f.dir);
    try {
      assert.equal((await store.list()).filter((r) => r.profile === 'ocsp-responder').length, 1, 'one responder certificate issued, not one per worker');
    } finally {
      await store.close();
    }
  });

  test('a revocation by another process reaches every worker, and every worker serves the same CRL', async () => {
    const other = await CertificateAuthority.open(f.dir, PASSPHRASE);
    try {
      await other.revoke(target, 'keyCompromise');
    } finally {
      await other.close();
    }
    // Wait (generously: poll interval 50 ms) until one answer says revoked, then require it from every worker.
    let revoked = false;
    for (let i = 0; i < 200 && !revoked; i++) {
      const res = await request(port, '/ocsp', ocspRequest);
      revoked = verifyOcspResponse(res.body, { certificate: target, issuer: f.ca.issuing.certificate }).status === 'revoked';
      if (!revoked) await sleep(25);
    }
    assert.ok(revoked);
    await sleep(200); // the other worker's next poll
    for (let i = 0; i < 6; i++) {
      const res = await request(port, '/ocsp', ocspRequest);
      assert.equal(verifyOcspResponse(res.body, { certificate: target, issuer: f.ca.issuing.certificate }).status, 'revoked');
    }
    const crls = await Promise.all(Array.from({ length: 6 }, () => request(port, '/crl')));
    const numbers = new Set(crls.map((c) => parseCrl(c.body).crlNumber));
    assert.equal(numbers.size, 1, 'one CRL (one cRLNumber) whichever worker answers');
    assert.ok(crls.every((c) => c.body.equals(crls[0]!.body)));
    const v = verifyCrlForCertificate(crls[0]!.body, target, [f.ca.issuing.certificate]);
    assert.equal(v.status, 'revoked', JSON.stringify(v.reasons));
  });

  test('SIGTERM stops the primary and every worker', async () => {
    const pids = (JSON.parse(stderr.split('\n').find((l) => l.includes('ca_workers_started'))!) as { pids: number[] }).pids;
    assert.equal(pids.length, 2);
    serve.kill('SIGTERM');
    assert.equal(await exit, 0);
    for (const pid of pids) {
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        try {
          process.kill(pid, 0);
          await sleep(20);
        } catch {
          alive = false;
        }
      }
      assert.equal(alive, false, `worker ${pid} is gone`);
    }
  });

  test('--workers is validated', async () => {
    const r = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', f.dir, '--workers', '0'], { env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    r.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => r.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /--workers/);
  });
});
