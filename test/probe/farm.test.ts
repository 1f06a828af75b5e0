/**
 * The farm serves what each case says it models, checked with certwarden's
 * own verifiers (no client involved): the control's staple verifies good,
 * the stale and forged staples are refused for their own reasons, the
 * responder tells the truth (revoked, unknown for what it does not know,
 * never good by default), the CRL lists what is revoked, and the "down"
 * endpoint resets connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Farm } from '../../src/probe/farm.ts';
import { verifyOcspResponse } from '../../src/ocsp/verify.ts';
import { buildOcspRequest } from '../../src/ocsp/request.ts';
import { parseCrl } from '../../src/crl/parse.ts';
import { CASES, type CaseId, type CaseSpec } from '../../src/probe/cases.ts';
import type { CaseMaterial } from '../../src/probe/farm-pki.ts';

let farm: Farm;
before(async () => {
  farm = await Farm.start();
});
after(async () => {
  await farm.close();
});

const material = (id: CaseId): CaseMaterial => farm.pki.cases.get(id)!;
const verifyStaple = (id: CaseId) => {
  const m = material(id);
  return verifyOcspResponse(m.staple!, { certificate: m.chain[0]!, issuer: m.chain[1]! });
};

async function askResponder(id: CaseId): Promise<string> {
  const m = material(id);
  const [leaf, issuer] = m.chain as [typeof m.chain[0], typeof m.chain[0]];
  const url = leaf.ocspUrls[0]!;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: buildOcspRequest({ certificate: leaf, issuer }).der });
  return verifyOcspResponse(Buffer.from(await res.arrayBuffer()), { certificate: leaf, issuer }).status;
}

describe('probe farm', () => {
  test('every servable case has a server and material; public-root has neither', () => {
    for (const c of CASES as readonly CaseSpec[]) {
      const served = farm.endpoint(c.id as CaseId) !== undefined;
      assert.equal(served, c.notServable === undefined, c.id);
    }
    assert.equal(farm.endpoint('pinned-self-signed')!.host, '127.0.0.1');
    assert.equal(farm.endpoint('control')!.host, 'localhost');
    assert.match(farm.pin, /^sha256\/[A-Za-z0-9+/]{43}=$/);
  });

  test('staples: control good; revoked-staple revoked; stale-staple expired; forged-staple not from an authorised responder', () => {
    assert.equal(verifyStaple('control').status, 'good');
    assert.equal(verifyStaple('revoked-staple').status, 'revoked');
    const stale = verifyStaple('stale-staple');
    assert.equal(stale.status, 'invalid');
    assert.ok(stale.nextUpdate!.getTime() < Date.now(), 'the stale staple\'s nextUpdate has passed');
    const forged = verifyStaple('forged-staple');
    assert.equal(forged.status, 'invalid');
    assert.equal(material('must-staple-no-staple').staple, undefined);
    assert.equal(material('must-staple-no-staple').chain[0]!.mustStaple, true);
  });

  test('the responder tells the truth: good for control, revoked for revoked-ocsp and stale-staple, unknown for unknown-status', async () => {
    assert.equal(await askResponder('control'), 'good');
    assert.equal(await askResponder('revoked-ocsp'), 'revoked');
    assert.equal(await askResponder('stale-staple'), 'revoked');
    assert.equal(await askResponder('forged-staple'), 'revoked');
    assert.equal(await askResponder('unknown-status'), 'unknown');
  });

  test('what each revocation case offers: revoked-staple no AIA/CDP, revoked-ocsp no CDP, revoked-crl no AIA', () => {
    const rs = material('revoked-staple').chain[0]!;
    assert.deepEqual([rs.ocspUrls.length, rs.crlDistributionPoints.length], [0, 0]);
    const ro = material('revoked-ocsp').chain[0]!;
    assert.deepEqual([ro.ocspUrls.length, ro.crlDistributionPoints.length], [1, 0]);
    const rc = material('revoked-crl').chain[0]!;
    assert.deepEqual([rc.ocspUrls.length, rc.crlDistributionPoints.length], [0, 1]);
    for (const u of [...ro.ocspUrls, ...material('responder-down').chain[0]!.ocspUrls]) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+\//, 'loopback only');
  });

  test('the CRLs list the revoked leaf and the revoked intermediate, not the control', async () => {
    const leafCrl = parseCrl(Buffer.from(await (await fetch(material('control').chain[0]!.crlDistributionPoints[0]!.urls[0]!)).arrayBuffer()));
    assert.ok(leafCrl.has(material('revoked-crl').chain[0]!.serialBytes));
    assert.ok(!leafCrl.has(material('control').chain[0]!.serialBytes));
    const revokedCa = material('revoked-intermediate').chain[1]!;
    const rootCrl = parseCrl(Buffer.from(await (await fetch(revokedCa.crlDistributionPoints[0]!.urls[0]!)).arrayBuffer()));
    assert.ok(rootCrl.has(revokedCa.serialBytes));
  });

  test('a malformed OCSP GET (bad %-escape) gets malformedRequest, and the farm keeps answering', async () => {
    const url = material('revoked-ocsp').chain[0]!.ocspUrls[0]!;
    const res = await fetch(`${url}/%E0%A4%A`);
    assert.equal(res.status, 200);
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [0x30, 0x03, 0x0a, 0x01, 0x01], 'OCSPResponse { responseStatus malformedRequest }');
    assert.equal(await askResponder('revoked-ocsp'), 'revoked');
  });

  test('responder-down: its OCSP and CRL endpoints reset the connection', async () => {
    const url = new URL(material('responder-down').chain[0]!.ocspUrls[0]!);
    const outcome = await new Promise<string>((resolve) => {
      const s = connect(Number(url.port), '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('data', () => resolve('data'));
      s.on('close', () => resolve('closed'));
      s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    });
    assert.ok(['ECONNRESET', 'closed'].includes(outcome), outcome);
  });
});
