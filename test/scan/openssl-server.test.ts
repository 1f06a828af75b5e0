/**
 * certwarden scan against `openssl s_server`: stapled responses from
 * -status_file (good, revoked, stale, signed by an unauthorised responder,
 * with a broken signature, for another certificate) and client verification
 * -Verify 1 -verify_return_error (strict) versus -verify 1 (lax: requested,
 * and an unverifiable one is accepted) and -Verify 1 alone (a certificate is
 * required, but s_server's verify callback ignores verification errors). Each scenario
 * asserts both requirement verdicts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from '../helpers/openssl-ocsp.ts';
import { keyPem, makeLeaf, makeRoot } from '../helpers/pki.ts';
import { runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { TargetResult } from '../../src/scan/report.ts';
import { FAST, makePki, type Pki } from './fleet.ts';

let pki: Pki;
const children: ChildProcess[] = [];
let results: Map<string, TargetResult>;

async function sServer(name: string, args: string[]): Promise<number> {
  const port = await freePort();
  const child = spawn('openssl', ['s_server', '-accept', String(port), '-quiet', '-naccept', '1000', ...args], { cwd: pki.dir.dir, stdio: ['pipe', 'ignore', 'pipe'] }); // stdin kept open: s_server closes connections at stdin EOF
  children.push(child);
  await waitForPort(port, 10_000, child);
  void name;
  return port;
}

before(async () => {
  pki = await makePki();
  const leaf = pki.leaf('good.test');
  const other = pki.leaf('other.test');
  pki.dir.write('leaf.pem', leaf.certificate.toPem());
  pki.dir.write('leaf.key', keyPem(leaf.privateKey));
  pki.dir.write('inter.pem', pki.inter.certificate.toPem());
  const sibling = makeLeaf(pki.inter, 'sibling.test');
  const good = pki.staple(leaf);
  // Signed by the issuer itself (no certificates carried), so the last byte is the signature's.
  const broken = Buffer.from(pki.staple(leaf, { signer: pki.inter }));
  broken[broken.length - 1]! ^= 0x01;
  const staples: Record<string, Buffer> = {
    good,
    revoked: pki.staple(leaf, { status: 'revoked' }),
    stale: pki.staple(leaf, { thisUpdate: new Date(Date.now() - 3 * 86_400_000), nextUpdate: new Date(Date.now() - 86_400_000) }),
    unauthorized: pki.staple(leaf, { signer: sibling }),
    'bad-signature': broken,
    'wrong-certificate': pki.staple(other),
  };
  const clientCa = makeRoot('CN=Client CA');
  pki.dir.write('client-ca.pem', clientCa.certificate.toPem());
  const base = ['-cert', 'leaf.pem', '-key', 'leaf.key', '-cert_chain', 'inter.pem'];
  const ports: Record<string, number> = {};
  await Promise.all([
    ...Object.entries(staples).map(async ([name, der]) => {
      pki.dir.write(`${name}.der`, der);
      ports[name] = await sServer(name, [...base, '-status_file', `${name}.der`]);
    }),
    (async () => (ports.strict = await sServer('strict', [...base, '-status_file', 'good.der', '-Verify', '1', '-verify_return_error', '-CAfile', 'client-ca.pem'])))(),
    // -Verify alone only requires *a* certificate: s_server's verify callback logs errors and carries on.
    (async () => (ports['verify-no-return-error'] = await sServer('verify-no-return-error', [...base, '-status_file', 'good.der', '-Verify', '1', '-CAfile', 'client-ca.pem'])))(),
    (async () => (ports.lax = await sServer('lax', [...base, '-status_file', 'good.der', '-verify', '1', '-CAfile', 'client-ca.pem'])))(),
  ]);
  const policy = pki.policy('revocation:\n  check: leaf\n');
  const targets = Object.entries(ports).map(([name, port]) => ({ ...parseTarget(`good.test:${port}`), address: '127.0.0.1', input: name }));
  const report = await runScan({ policy, targets, settings: FAST, targetTimeoutMs: 15_000, concurrency: 20 });
  results = new Map(report.results.map((r) => [r.target, r]));
});

after(async () => {
  for (const c of children) c.kill();
  await pki.close();
});

const v921 = (n: string): string => results.get(n)!.requirements['V9.2.1'].status;
const v924 = (n: string): string => results.get(n)!.requirements['V9.2.4'].status;
const ids924 = (n: string): string[] => results.get(n)!.requirements['V9.2.4'].findings.map((f) => f.id);

describe('certwarden scan: openssl s_server', () => {
  test('good staple: both pass', () => {
    assert.equal(v921('good'), 'pass', JSON.stringify(results.get('good')!.requirements));
    assert.equal(v924('good'), 'pass', JSON.stringify(results.get('good')!.requirements));
  });
  for (const [name, id] of [
    ['revoked', 'staple-revoked'],
    ['stale', 'staple-stale'],
    ['unauthorized', 'staple-unauthorized-responder'],
    ['bad-signature', 'staple-bad-signature'],
    ['wrong-certificate', 'staple-wrong-certificate'],
  ] as const) {
    test(`${name} staple: V9.2.1 pass, V9.2.4 fail with ${id}`, () => {
      assert.equal(v921(name), 'pass', JSON.stringify(results.get(name)!.requirements['V9.2.1']));
      assert.equal(v924(name), 'fail');
      assert.ok(ids924(name).includes(id), ids924(name).join());
    });
  }
  test('-Verify 1 -verify_return_error (strict): every untrusted client credential refused, V9.2.1 pass', () => {
    const r = results.get('strict')!;
    assert.equal(v921('strict'), 'pass', JSON.stringify(r.requirements['V9.2.1']));
    assert.ok(r.requirements['V9.2.1'].findings.some((f) => f.id === 'client-auth-enforced'));
    assert.equal(v924('strict'), 'pass', JSON.stringify(r.requirements['V9.2.4']));
  });
  test('-Verify 1 without -verify_return_error: requires a certificate but accepts untrusted ones', () => {
    const r = results.get('verify-no-return-error')!;
    assert.equal(v921('verify-no-return-error'), 'fail');
    const f = r.requirements['V9.2.1'].findings.find((x) => x.id === 'client-auth-accepts-untrusted');
    assert.ok(f);
    assert.ok(!(f.details!.accepted as string[]).some((a) => a.endsWith('/none')), 'no certificate at all is refused');
  });
  test('-verify 1 (lax): each probe is decided as soon as the protocol allows (TLS 1.2 Finished, TLS 1.3 session ticket), not after the settle wait', () => {
    const r = results.get('lax')!;
    const d = r.evidence.checks['client-auth'] as { probes: Array<{ version: string; credential: string; accepted: boolean; detail: string }> };
    assert.equal(d.probes.length, 8);
    assert.ok(d.probes.every((p) => p.accepted && !/stayed open/.test(p.detail)), JSON.stringify(d.probes, null, 1));
    // One after another on a single-threaded server, 8 settle waits would be 8 × clientAuthSettleMs.
    const ms = r.attempts.find((a) => a.check === 'client-auth')!.durationMs;
    assert.ok(ms < 8 * FAST.clientAuthSettleMs, `client-auth took ${ms} ms`);
  });
  test('-verify 1 (lax): client-auth-accepts-untrusted, V9.2.1 fail', () => {
    const r = results.get('lax')!;
    assert.equal(v921('lax'), 'fail', JSON.stringify(r.evidence.checks['client-auth']));
    assert.ok(r.requirements['V9.2.1'].findings.some((f) => f.id === 'client-auth-accepts-untrusted'));
    assert.equal(v924('lax'), 'pass');
  });
});
