/**
 * How long OCSP answers and the responder certificate live (field trial 9.7,
 * red-team 10.19): a 1 h default answer validity re-signed at half-life, a
 * revocation re-signed at once, durations on the command line, and one
 * delegated responder certificate across restarts instead of one per start.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../src/cli/duration-option.ts';
import { DEFAULT_RESPONSE_VALIDITY_MS, OcspResponder } from '../../src/ca/ocsp-responder.ts';
import { RESPONDER_FILE } from '../../src/ca/responder-cert.ts';
import { startCaServer } from '../../src/ca/server.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { parseOcspResponse } from '../../src/ocsp/response.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { freshCa } from './fixtures.ts';

describe('OCSP answer validity (9.7)', () => {
  test('by default an answer is valid 1 h (not 24 h), re-signed at half-life; a revocation re-signs at once', async () => {
    assert.equal(DEFAULT_RESPONSE_VALIDITY_MS, 3_600_000);
    const f = await freshCa();
    try {
      const cert = (await f.ca.issue({ profile: 'server', sans: ['DNS:validity.test'] })).certificate;
      let now = Date.now();
      const r = new OcspResponder(f.ca, { now: () => new Date(now) });
      await r.load();
      const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: cert });
      const first = await r.answer(req.der);
      const single = parseOcspResponse(first.body).basic!.responses[0]!;
      assert.equal(single.nextUpdate!.getTime() - single.thisUpdate.getTime(), 3_600_000);
      now += 29 * 60_000;
      assert.equal((await r.refresh()).resigned, 0, 'not yet at half-life');
      now += 2 * 60_000;
      assert.ok((await r.refresh()).resigned >= 1, 're-signed past half-life');
      await f.ca.revoke(cert, 'keyCompromise');
      await r.apply([(await f.ca.get(cert.serialHex))!]);
      assert.equal((await r.answer(req.der)).signedOnDemand, false);
      const v = verifyOcspResponse((await r.answer(req.der)).body, { certificate: cert, issuer: f.ca.issuing.certificate, at: new Date(now) });
      assert.equal(v.status, 'revoked', JSON.stringify(v.reasons));
    } finally {
      await f.cleanup();
    }
  });

  test('--ocsp-validity / --crl-validity durations: units required, nonsense refused', async () => {
    assert.equal(parseDuration('90s', 'ocsp-validity'), 90_000);
    assert.equal(parseDuration('30m', 'ocsp-validity'), 1_800_000);
    assert.equal(parseDuration('1h', 'ocsp-validity'), 3_600_000);
    assert.equal(parseDuration('7d', 'crl-validity'), 604_800_000);
    for (const bad of ['3600', '1.5h', '-1h', '0s', '1w', '', 'h', '99999999d']) {
      assert.throws(() => parseDuration(bad, 'ocsp-validity'), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_USAGE' && /--ocsp-validity/.test(e.message), bad);
    }
  });

  test('a validity under a minute is refused at construction', async () => {
    const f = await freshCa();
    try {
      assert.throws(() => new OcspResponder(f.ca, { responseValidityMs: 10_000 }), /at least 60 seconds/);
    } finally {
      await f.cleanup();
    }
  });
});

describe('delegated responder certificate across restarts (10.19)', () => {
  const responderCount = async (f: Awaited<ReturnType<typeof freshCa>>): Promise<number> => (await f.ca.list()).filter((r) => r.profile === 'ocsp-responder').length;

  test('5 restarts of ca serve issue one responder certificate, not 5', async () => {
    const f = await freshCa();
    try {
      const serials = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const s = await startCaServer(f.ca);
        serials.add(s.responder.identity.signer.certificate.serialHex);
        assert.equal(s.responder.identity.reused, i > 0);
        await s.close();
      }
      assert.equal(serials.size, 1);
      assert.equal(await responderCount(f), 1);
    } finally {
      await f.cleanup();
    }
  });

  test('the saved certificate is not reused when revoked, of another lifetime, or tampered with', async () => {
    const f = await freshCa();
    try {
      const first = await startCaServer(f.ca);
      const serial = first.responder.identity.signer.certificate.serialHex;
      await first.close();
      await f.ca.revoke(serial, 'superseded');
      const second = await startCaServer(f.ca);
      assert.notEqual(second.responder.identity.signer.certificate.serialHex, serial, 'a revoked one is replaced');
      await second.close();
      const third = await startCaServer(f.ca, { responderValidityMs: 2 * 86_400_000 });
      assert.equal(third.responder.identity.reused, false, 'another configured lifetime: a new one');
      await third.close();
      writeFileSync(join(f.dir, RESPONDER_FILE), 'garbage');
      const fourth = await startCaServer(f.ca);
      assert.equal(fourth.responder.identity.reused, false);
      const req = buildOcspRequest({ issuer: f.ca.issuing.certificate, certificate: (await f.ca.issue({ profile: 'server', sans: ['DNS:x.test'] })).certificate });
      const res = await fetch(`${fourth.url}/ocsp`, { method: 'POST', body: req.der });
      assert.equal(parseOcspResponse(Buffer.from(await res.arrayBuffer())).responseStatusName, 'successful');
      await fourth.close();
      assert.equal(await responderCount(f), 4);
    } finally {
      await f.cleanup();
    }
  });
});
