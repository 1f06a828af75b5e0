/**
 * The responder stays off the store's write lock (red-team 10.14): while
 * another connection holds a write transaction on ca.db (as `ca revoke` in
 * another process would, or any writer stuck mid-transaction), GET /crl and
 * OCSP still answer, from the last published CRL and the pre-signed cache.
 * The lock holder runs in this same process, so a responder that waited for
 * the lock would stall until SQLite's busy timeout and fail; the test asserts
 * the answers arrived while the lock was still held, not a timing threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CA_FILES } from '../../src/ca/ca.ts';
import { startCaServer } from '../../src/ca/server.ts';
import { verifyCrlForCertificate } from '../../src/crl/verify.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { freshCa } from './fixtures.ts';

test('GET /crl and OCSP answer while another connection holds the write lock; the CRL catches up once it is released', async () => {
  const f = await freshCa();
  const events: Record<string, unknown>[] = [];
  const server = await startCaServer(f.ca, { pollMs: 20, log: (e) => events.push(e) });
  const holder = new DatabaseSync(join(f.dir, CA_FILES.db));
  try {
    const good = (await f.ca.issue({ profile: 'server', sans: ['DNS:good.test'] })).certificate;
    const victim = (await f.ca.issue({ profile: 'server', sans: ['DNS:victim.test'] })).certificate;
    const before = parseCrl((await fetch(`${server.url}/crl`).then((r) => r.arrayBuffer()).then((b) => Buffer.from(b)))).crlNumber;
    // Revoke (the CRL is now due), then at once, before the server's background re-sign can run, take the lock.
    await f.ca.revoke(victim, 'keyCompromise');
    holder.exec('BEGIN IMMEDIATE');
    holder.exec("UPDATE counters SET value = value WHERE name = 'change_seq'");
    let released = false;
    try {
      const crlRes = await fetch(`${server.url}/crl`);
      assert.equal(released, false);
      assert.equal(crlRes.status, 200);
      const crl = Buffer.from(await crlRes.arrayBuffer());
      assert.equal(parseCrl(crl).crlNumber, before, 'the last published CRL, served from memory');
      for (const [cert, want] of [
        [good, 'good'],
        [victim, 'revoked'],
      ] as const) {
        const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert });
        const res = await fetch(`${server.url}/ocsp`, { method: 'POST', body: req.der, headers: { 'content-type': 'application/ocsp-request' } });
        assert.equal(released, false, 'answered before the lock was released');
        assert.equal(verifyOcspResponse(Buffer.from(await res.arrayBuffer()), { certificate: cert, issuer: f.ca.issuing.certificate }).status, want);
      }
    } finally {
      holder.exec('COMMIT');
      released = true;
    }
    assert.ok(events.some((e) => e.event === 'ca_crl_deferred_store_busy'), JSON.stringify(events.map((e) => e.event)));
    // Once the lock is gone, the background keeper signs the CRL with the revocation (bounded wait).
    let status = 'good';
    for (let i = 0; i < 100 && status !== 'revoked'; i++) {
      const crl = Buffer.from(await (await fetch(`${server.url}/crl`)).arrayBuffer());
      status = verifyCrlForCertificate(crl, victim, [f.ca.issuing.certificate]).status;
      if (status !== 'revoked') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 'revoked');
  } finally {
    holder.close();
    await server.close();
    await f.cleanup();
  }
});
