/**
 * Stapled OCSP responses from `openssl s_server -status_file`: a good staple
 * admits without any responder, and every kind of bad staple is a rejection
 * under hard-fail (RFC 6066 §8, RFC 6960 §3.2), as is a Must-Staple
 * certificate served without one (RFC 7633 §4.2.3).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent } from '../../src/tls/agent.ts';
import { buildTamperedOcspResponse } from '../../src/ocsp/internal/response-encoder.ts';
import { isCertwardenError } from '../../src/errors.ts';
import type { TestIdentity } from '../helpers/pki.ts';
import { makeOcspResponder, makeLeaf } from '../helpers/pki.ts';
import { leafFor, makePki, policyFor } from './helpers/pki.ts';
import { startOpensslServer, type OpensslServer } from './helpers/servers.ts';
import { get } from './helpers/client.ts';
import { startTestResponder, type TestResponder } from './helpers/responder.ts';

const pki = makePki('Staple');
const servers: OpensslServer[] = [];
// A responder that is down for the whole file: a staple is the only source that can answer.
let dead: TestResponder;
before(async () => {
  dead = await startTestResponder({ issuer: pki.inter, signer: pki.responder });
  dead.down = true;
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await dead.close();
});

function staple(leaf: TestIdentity, o: { status?: 'good' | 'revoked'; signer?: TestIdentity; serialOf?: TestIdentity; thisUpdate?: Date; nextUpdate?: Date; badSignature?: boolean } = {}): Buffer {
  const t = o.thisUpdate ?? new Date(Date.now() - 60_000);
  return buildTamperedOcspResponse({
    issuer: pki.inter.certificate,
    signer: o.signer ?? pki.responder,
    responses: [{ certificate: (o.serialOf ?? leaf).certificate, status: o.status ?? 'good', thisUpdate: t, nextUpdate: o.nextUpdate ?? new Date(t.getTime() + 3_600_000), ...(o.status === 'revoked' ? { revocationTime: new Date(t.getTime() - 1000), reason: 'keyCompromise' as const } : {}) }],
    ...(o.badSignature ? { tamper: { signature: (sig: Buffer) => { const c = Buffer.from(sig); c[c.length - 1]! ^= 1; return c; } } } : {}),
  });
}

async function serve(leaf: TestIdentity, der?: Uint8Array): Promise<OpensslServer> {
  const s = await startOpensslServer(leaf, [pki.inter.certificate], der ? { staple: der } : {});
  servers.push(s);
  return s;
}

async function fetchWith(s: OpensslServer, policy = policyFor(pki)): Promise<number> {
  return (await get(`https://svc.test:${s.port}/`, createAgent(policy, { resumption: false }))).status;
}

async function rejectsWith(p: Promise<unknown>, code: string, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCertwardenError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(JSON.stringify(err.details).includes(reason), `${reason} not in ${JSON.stringify(err.details)}`);
    return true;
  });
}

describe('stapled OCSP (openssl s_server -status_file)', () => {
  test('a good staple admits the server while the responder is unreachable', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl });
    assert.equal(await fetchWith(await serve(leaf, staple(leaf))), 200);
  });

  test('without a staple the same server is refused under hard-fail (the responder is down)', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl });
    await rejectsWith(fetchWith(await serve(leaf)), 'CW_ERR_REVOCATION', 'revocation-unavailable');
  });

  test('a staple saying revoked is a rejection', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl });
    await rejectsWith(fetchWith(await serve(leaf, staple(leaf, { status: 'revoked' }))), 'CW_ERR_REVOCATION', 'revoked');
  });

  const invalid: Array<[string, (leaf: TestIdentity) => Buffer, string]> = [
    ['bad signature', (leaf) => staple(leaf, { badSignature: true }), 'staple-invalid'],
    ['unauthorized responder (delegated by another CA)', (leaf) => staple(leaf, { signer: makeOcspResponder(makePki('Other').inter) }), 'staple-invalid'],
    ['unauthorized responder (no id-kp-OCSPSigning)', (leaf) => staple(leaf, { signer: makeLeaf(pki.inter, 'not-a-responder') }), 'staple-invalid'],
    ['wrong certificate', () => staple(leafFor(pki, 'svc.test'), {}), 'staple-invalid'],
    ['stale (past nextUpdate)', (leaf) => staple(leaf, { thisUpdate: new Date(Date.now() - 3 * 86_400_000), nextUpdate: new Date(Date.now() - 2 * 86_400_000) }), 'staple-invalid'],
  ];
  for (const [name, make, reason] of invalid) {
    for (const mode of ['hard-fail', 'soft-fail'] as const) {
      test(`an invalid staple (${name}) is a rejection under ${mode}`, async () => {
        const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl });
        await rejectsWith(fetchWith(await serve(leaf, make(leaf)), policyFor(pki, { revocation: { mode } })), 'CW_ERR_REVOCATION', reason);
      });
    }
  }

  test('Must-Staple: refused without a staple even under soft-fail, admitted with a good one', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl, mustStaple: true });
    await rejectsWith(fetchWith(await serve(leaf), policyFor(pki, { revocation: { mode: 'soft-fail' } })), 'CW_ERR_REVOCATION', 'must-staple-missing');
    assert.equal(await fetchWith(await serve(leaf, staple(leaf))), 200);
  });

  test('require-staple in the policy refuses a server that staples nothing', async () => {
    const leaf = leafFor(pki, 'svc.test', { ocspUrl: dead.ocspUrl });
    dead.down = false;
    try {
      await rejectsWith(fetchWith(await serve(leaf), policyFor(pki, { revocation: { 'require-staple': true } })), 'CW_ERR_REVOCATION', 'staple-missing');
    } finally {
      dead.down = true;
    }
  });
});
