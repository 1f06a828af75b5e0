/**
 * Which revocation evidence counts, and expiry windows (field trial 9.6, 9.8,
 * 9.9, 10.4), against Node TLS servers stapling fixed responses on loopback:
 *  - a staple saying good while the live responder says revoked;
 *  - the policy's revocation sources (staple only, CRL only) and unreachable responders;
 *  - a self-made root stapling and answering `good` for its own chain;
 *  - certificates, staples and CRLs close to their end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeLeaf, makeOcspResponder, makeRoot } from '../helpers/pki.ts';
import { startDemoResponder, type DemoResponder } from '../../src/demo/responder.ts';
import { buildOcspResponse } from '../../src/ocsp/builder.ts';
import { replayScan, runScan } from '../../src/scan/runner.ts';
import { parseTarget } from '../../src/scan/target.ts';
import type { TargetResult } from '../../src/scan/report.ts';
import type { RevocationDetails } from '../../src/scan/checks/revocation-status.ts';
import { FAST, makePki, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

const DAY = 86_400_000;
let pki: Pki;
let rogueOcsp: DemoResponder;
const servers: RunningServer[] = [];
let results: Map<string, TargetResult>;
let movedGood: TargetResult;
let replayed: Map<string, TargetResult>;

const ids = (r: TargetResult, q: 'V9.2.1' | 'V9.2.4'): string[] => r.requirements[q].findings.map((f) => f.id);
const show = (r: TargetResult): string => JSON.stringify(r.requirements, null, 1);

/** A loopback port nothing listens on: a responder that cannot be reached. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  pki = await makePki();
  const dead = await deadPort();
  const unreachable = { ocspUrls: [`http://127.0.0.1:${dead}/ocsp`], crlUrls: [`http://127.0.0.1:${dead}/crl`] };
  const good = pki.leaf('good.test');
  const contradicted = pki.leaf('contradict.test');
  const stapleOnly = pki.leaf('stapleonly.test', unreachable);
  const unreach = pki.leaf('unreach.test', unreachable);
  const crlOnly = pki.leaf('crlonly.test');
  const soon = pki.leaf('soon.test', { notAfter: new Date(Date.now() + 2 * DAY) });
  const later = pki.leaf('later.test', { notAfter: new Date(Date.now() + 20 * DAY) });
  const oldStaple = pki.leaf('oldstaple.test', { notBefore: new Date(Date.now() - 10 * DAY) });
  // The attacker's own PKI: a root, its responder (answering good), and a staple it signed.
  const rogueRoot = makeRoot('CN=Rogue Root');
  const rogueResponder = makeOcspResponder(rogueRoot);
  const rogueIssued = new Set<string>();
  rogueOcsp = await startDemoResponder({ issuer: rogueRoot, signer: rogueResponder, revoked: new Set(), issued: rogueIssued });
  const rogue = makeLeaf(rogueRoot, 'rogue.test', { ocspUrls: [rogueOcsp.ocspUrl] });
  rogueIssued.add(rogue.certificate.serialHex);
  const rogueStaple = buildOcspResponse({ issuer: rogueRoot.certificate, signer: rogueResponder, responses: [{ certificate: rogue.certificate, status: 'good' }] });

  // Revoked at the CA after the server cached its good staple (`ca revoke` while nginx keeps stapling).
  const contradictedStaple = pki.staple(contradicted);
  pki.revoked.add(contradicted.certificate.serialHex);
  const crlContradicted = pki.leaf('crlcontradict.test');
  const crlContradictedStaple = pki.staple(crlContradicted);
  pki.revoked.add(crlContradicted.certificate.serialHex);

  const ports: Record<string, [string, number]> = {};
  const start = async (name: string, host: string, p: Promise<RunningServer>): Promise<void> => {
    const s = await p;
    servers.push(s);
    ports[name] = [host, s.port];
  };
  await start('good', 'good.test', startTlsServer({ identity: good, staple: pki.staple(good) }, pki));
  await start('contradict', 'contradict.test', startTlsServer({ identity: contradicted, staple: contradictedStaple }, pki));
  await start('crlcontradict', 'crlcontradict.test', startTlsServer({ identity: crlContradicted, staple: crlContradictedStaple }, pki));
  await start('stapleonly', 'stapleonly.test', startTlsServer({ identity: stapleOnly, staple: pki.staple(stapleOnly) }, pki));
  await start('unreach', 'unreach.test', startTlsServer({ identity: unreach, staple: pki.staple(unreach) }, pki));
  await start('crlonly', 'crlonly.test', startTlsServer({ identity: crlOnly, staple: pki.staple(crlOnly) }, pki));
  await start('soon', 'soon.test', startTlsServer({ identity: soon, staple: pki.staple(soon) }, pki));
  await start('later', 'later.test', startTlsServer({ identity: later, staple: pki.staple(later) }, pki));
  // Six days into a six-and-a-half-day window: under a quarter left.
  await start('oldstaple', 'oldstaple.test', startTlsServer({ identity: oldStaple, staple: pki.staple(oldStaple, { thisUpdate: new Date(Date.now() - 6 * DAY), nextUpdate: new Date(Date.now() + 12 * 3_600_000) }) }, pki));
  await start('wronghost', 'other.test', startTlsServer({ identity: good, staple: pki.staple(good) }, pki));
  await start('rogue', 'rogue.test', startTlsServer({ identity: rogue, chain: [rogueRoot], staple: rogueStaple }));
  const policy = pki.policy(
    [
      'revocation:',
      '  check: leaf',
      'expiry:',
      '  crl: { warn: 25h }', // the demo CRL is valid for a day: inside 25 hours
      'destinations:',
      '  - match: stapleonly.test',
      '    revocation: { sources: [staple] }',
      '  - match: crlcontradict.test',
      '    revocation: { sources: [staple, crl] }',
      '  - match: crlonly.test',
      '    revocation: { sources: [crl] }',
      '',
    ].join('\n'),
  );
  const targets = Object.entries(ports).map(([name, [host, port]]) => ({ ...parseTarget(`${host}:${port}`), address: '127.0.0.1', input: name }));
  const evidenceDir = join(pki.dir.dir, 'evidence');
  const report = await runScan({ policy, targets, settings: FAST, targetTimeoutMs: 8_000, concurrency: 20, evidenceDir });
  results = new Map(report.results.map((r) => [r.target, r]));
  replayed = new Map((await replayScan(evidenceDir, policy)).results.map((r) => [r.target, r]));
  // The same good server, judged 70 days from now: its 90-day leaf has 20 days left.
  const moved = await runScan({ policy, targets: targets.filter((t) => t.input === 'good'), settings: FAST, targetTimeoutMs: 8_000, at: new Date(Date.now() + 70 * DAY) });
  movedGood = moved.results[0]!;
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rogueOcsp.close();
  await pki.close();
});

describe('scan: which revocation evidence counts', () => {
  test('a good chain with a good staple and a good responder: none of these findings, both requirements pass', () => {
    const r = results.get('good')!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', show(r));
    assert.equal(r.requirements['V9.2.4'].status, 'pass', show(r));
    for (const id of ['staple-contradicts-responder', 'revocation-unanchored', 'staple-expiring', 'crl-expiring', 'certificate-expiring', 'certificate-expiring-soon']) {
      assert.ok(!ids(r, 'V9.2.1').includes(id) && !ids(r, 'V9.2.4').includes(id), id);
    }
    const d = r.evidence.checks['revocation-status'] as RevocationDetails;
    assert.deepEqual(d.sources, { policy: ['staple', 'ocsp', 'crl'], consulted: ['ocsp', 'crl'], skippedByPolicy: [], unreachable: [], staple: 'judged by the stapling check' });
  });

  test('9.6: a good staple while the responder says revoked is staple-contradicts-responder (critical) beside revoked', () => {
    const r = results.get('contradict')!;
    assert.equal(r.requirements['V9.2.4'].status, 'fail', show(r));
    assert.ok(ids(r, 'V9.2.4').includes('staple-contradicts-responder'), show(r));
    assert.ok(ids(r, 'V9.2.4').includes('revoked'));
    const f = r.requirements['V9.2.4'].findings.find((x) => x.id === 'staple-contradicts-responder')!;
    assert.equal(f.severity, 'critical');
    assert.match(f.message, /ocsp/);
  });

  test('9.6: the same when the CRL is the live source that says revoked', () => {
    const r = results.get('crlcontradict')!;
    const f = r.requirements['V9.2.4'].findings.find((x) => x.id === 'staple-contradicts-responder');
    assert.ok(f, show(r));
    assert.match(f.message, /crl http/);
  });

  test('9.8: sources [staple], responder unreachable, good staple: V9.2.4 passes; the evidence says ocsp and crl were skipped by policy', () => {
    const r = results.get('stapleonly')!;
    assert.equal(r.requirements['V9.2.4'].status, 'pass', show(r));
    assert.ok(!ids(r, 'V9.2.4').includes('revocation-unavailable'));
    const d = r.evidence.checks['revocation-status'] as RevocationDetails;
    assert.deepEqual(d.sources, { policy: ['staple'], consulted: [], skippedByPolicy: ['ocsp', 'crl'], unreachable: [], staple: 'judged by the stapling check' });
    assert.equal(r.attempts.find((a) => a.check === 'revocation-status')!.status, 'not-applicable');
  });

  test('9.8: default sources, responder and CRL unreachable: revocation-unavailable, and the evidence names both as unreachable', () => {
    const r = results.get('unreach')!;
    assert.equal(r.requirements['V9.2.4'].status, 'fail', show(r));
    assert.ok(ids(r, 'V9.2.4').includes('revocation-unavailable'));
    const d = r.evidence.checks['revocation-status'] as RevocationDetails;
    assert.deepEqual(d.sources.consulted, ['ocsp', 'crl']);
    assert.deepEqual(d.sources.unreachable, ['ocsp', 'crl']);
    assert.match(r.requirements['V9.2.4'].findings.find((f) => f.id === 'revocation-unavailable')!.message, /unreachable: ocsp, crl/);
  });

  test('9.8: sources [crl]: the staple is not required, the CRL is consulted (and close to nextUpdate: crl-expiring)', () => {
    const r = results.get('crlonly')!;
    const d = r.evidence.checks['revocation-status'] as RevocationDetails;
    assert.deepEqual(d.sources, { policy: ['crl'], consulted: ['crl'], skippedByPolicy: ['ocsp'], unreachable: [], staple: 'skipped by policy' });
    assert.equal(d.status, 'good');
    assert.ok(ids(r, 'V9.2.4').includes('crl-expiring'), show(r));
    assert.equal(r.requirements['V9.2.4'].status, 'warn', show(r));
  });

  test('10.4: a self-made root stapling and answering good for its own chain: revocation-unanchored, V9.2.4 never passes', () => {
    const r = results.get('rogue')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.equal(r.requirements['V9.2.4'].status, 'fail', show(r));
    assert.ok(ids(r, 'V9.2.4').includes('revocation-unanchored'));
    assert.ok(!ids(r, 'V9.2.4').includes('staple-info'), 'a staple from an unanchored chain is not reported as good');
    assert.equal((r.evidence.checks['revocation-status'] as RevocationDetails).certificates.length, 0, 'nothing fetched for an unanchored chain');
  });

  test('an unanchored chain gets revocation-unanchored once, from the revocation-status check (not again from stapling)', () => {
    const r = results.get('rogue')!;
    const unanchored = r.requirements['V9.2.4'].findings.filter((f) => f.id === 'revocation-unanchored');
    assert.deepEqual(unanchored.map((f) => f.check), ['revocation-status'], show(r));
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
  });

  test('10.4, silent side: a chain anchored in the policy but for another name still has authentic revocation evidence: V9.2.4 passes', () => {
    const r = results.get('wronghost')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.equal(r.requirements['V9.2.4'].status, 'pass', show(r));
    assert.ok(!ids(r, 'V9.2.4').includes('revocation-unanchored'));
  });
});

describe('scan: replay of the evidence', () => {
  test('gives back the same verdicts and finding ids, offline, for every scenario above', () => {
    const idsOf = (r: TargetResult): string[] => [...ids(r, 'V9.2.1'), ...ids(r, 'V9.2.4')].sort();
    for (const [name, live] of results) {
      const again = replayed.get(name)!;
      assert.deepEqual(
        { v921: again.requirements['V9.2.1'].status, v924: again.requirements['V9.2.4'].status, ids: idsOf(again) },
        { v921: live.requirements['V9.2.1'].status, v924: live.requirements['V9.2.4'].status, ids: idsOf(live) },
        name,
      );
    }
  });
});

describe('scan: expiry windows (policy expiry section)', () => {
  test('9.9: a leaf expiring in two days is certificate-expiring-soon (high): V9.2.1 fails', () => {
    const r = results.get('soon')!;
    assert.equal(r.requirements['V9.2.1'].status, 'fail', show(r));
    assert.deepEqual(ids(r, 'V9.2.1').filter((i) => i.startsWith('certificate-')), ['certificate-expiring-soon']);
  });
  test('9.9: a leaf expiring in twenty days is certificate-expiring (medium): V9.2.1 warns', () => {
    const r = results.get('later')!;
    assert.equal(r.requirements['V9.2.1'].status, 'warn', show(r));
    assert.deepEqual(ids(r, 'V9.2.1').filter((i) => i.startsWith('certificate-')), ['certificate-expiring']);
  });
  test('9.9: expiry is judged at the scan\'s time, not the system clock: the good leaf scanned 70 days on is certificate-expiring', () => {
    assert.ok(ids(movedGood, 'V9.2.1').includes('certificate-expiring'), show(movedGood));
    assert.ok(!ids(results.get('good')!, 'V9.2.1').includes('certificate-expiring'));
  });
  test('9.9: a good staple with under a quarter of its window left is staple-expiring (medium): V9.2.4 warns', () => {
    const r = results.get('oldstaple')!;
    assert.ok(ids(r, 'V9.2.4').includes('staple-expiring'), show(r));
    assert.equal(r.requirements['V9.2.4'].status, 'warn', show(r));
  });
});
