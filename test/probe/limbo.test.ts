/**
 * `--suite limbo` over the wire with real clients and real loopback servers:
 * a limbo-shaped suite minted at test time (runs everywhere), and a
 * hand-picked subset of the real x509-limbo file from ../shared (skipped
 * cleanly when it is absent), each with exact verdicts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Farm } from '../../src/probe/farm.ts';
import { runProbe, type ProbeOptions } from '../../src/probe/runner.ts';
import type { CaseResult, ProbeResult } from '../../src/probe/report.ts';
import { sharedSuite } from '../helpers/shared.ts';
import { tempDir } from '../helpers/pki.ts';
import { profiles } from '../../src/probe/profiles.ts';
import { runCli } from '../helpers/cli.ts';
import { available } from './profiles.ts';
import { mintLimboFixture, ROUTED_HOST } from './limbo-fixture.ts';

/** curl told to connect to the farm whatever the URL's name: nothing is resolved. */
const CURL = ['curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '10', '--connect-to', '::{addr}:', '--cacert', '{ca}', '{url}'];
/** curl with no route: only names that are loopback already may run. */
const CURL_NO_ROUTE = ['curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '10', '--cacert', '{ca}', '{url}'];
const OPENSSL = ['openssl', 's_client', '-connect', '{addr}:{port}', '-servername', '{host}', '-verify_return_error', '-verify_hostname', '{host}', '-CAfile', '{ca}', '-quiet', '-no_ign_eof'];
const RAW_REQUEST = 'GET / HTTP/1.0\r\nHost: {host}\r\n\r\n';
/** Node https, every lookup answered with {addr}: the name is checked, never resolved. */
const NODE_CLIENT = `
const https = require('node:https'); const fs = require('node:fs');
const [ca, url, addr] = process.argv.slice(1);
const lookup = (_h, o, cb) => (o && o.all ? cb(null, [{ address: addr, family: 4 }]) : cb(null, addr, 4));
https.get(url, { ca: fs.readFileSync(ca), lookup, timeout: 10000 }, (res) => { res.resume(); res.on('end', () => process.exit(0)); })
  .on('error', (e) => { console.error(e.message); process.exit(1); });`;
const NODE = [process.execPath, '-e', NODE_CLIENT, '{ca}', '{url}', '{addr}'];

const hasCurl = available('curl');

/** The minted suite's verdicts per ready-made profile that routes limbo vectors (docs/probe.md, profiles). */
const ROUTED_VERDICTS: Readonly<Record<string, Record<string, string>>> = {
  curl: {
    'fixture::good-direct': 'ok/accepted',
    'fixture::good-routed': 'ok/accepted',
    'fixture::good-ip': 'ok/accepted',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'wrong/accepted',
    'fixture::missing-intermediate': 'ok/rejected',
  },
  // --cert-status needs a good OCSP staple, and a limbo vector's server staples nothing: every vector is rejected.
  'curl-cert-status': {
    'fixture::good-direct': 'wrong/rejected',
    'fixture::good-routed': 'wrong/rejected',
    'fixture::good-ip': 'wrong/rejected',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'ok/rejected',
    'fixture::missing-intermediate': 'ok/rejected',
  },
  // -verify_hostname checks DNS names only: an IP peer needs -verify_ip, so the profile rejects it.
  openssl: {
    'fixture::good-direct': 'ok/accepted',
    'fixture::good-routed': 'ok/accepted',
    'fixture::good-ip': 'wrong/rejected',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'wrong/accepted',
    'fixture::missing-intermediate': 'ok/rejected',
  },
  // --verify-hostname checks an IP address against the IP SANs.
  // The node client's --connect {addr}: the socket goes to the farm, the URL's host is still sent and verified.
  'node-https': {
    'fixture::good-direct': 'ok/accepted',
    'fixture::good-routed': 'ok/accepted',
    'fixture::good-ip': 'ok/accepted',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'wrong/accepted',
    'fixture::missing-intermediate': 'ok/rejected',
  },
  'node-fetch': {
    'fixture::good-direct': 'ok/accepted',
    'fixture::good-routed': 'ok/accepted',
    'fixture::good-ip': 'ok/accepted',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'wrong/accepted',
    'fixture::missing-intermediate': 'ok/rejected',
  },
  'gnutls-cli': {
    'fixture::good-direct': 'ok/accepted',
    'fixture::good-routed': 'ok/accepted',
    'fixture::good-ip': 'ok/accepted',
    'fixture::expired-leaf': 'ok/rejected',
    'fixture::wrong-name': 'ok/rejected',
    'fixture::ca-as-leaf': 'wrong/accepted',
    'fixture::missing-intermediate': 'ok/rejected',
  },
};
const hasOpenssl = available('openssl', ['version']);

function limboCases(r: ProbeResult): Record<string, string> {
  return Object.fromEntries(r.cases.filter((c) => c.id.startsWith('limbo:')).map((c: CaseResult) => [c.id.slice('limbo:'.length), c.verdict === 'error' ? `error: ${c.reason}` : `${c.verdict}/${c.got}`]));
}
function skips(r: ProbeResult): Record<string, string> {
  return Object.fromEntries((r.limbo?.skipped ?? []).map((s) => [s.id.slice('limbo:'.length), s.reason]));
}

describe('probe --suite limbo (minted limbo-shaped suite)', () => {
  let farm: Farm;
  const tmp = tempDir('certwarden-limbo-');
  let file: string;
  before(async () => {
    farm = await Farm.start();
    file = tmp.write('limbo.json', JSON.stringify(mintLimboFixture().doc));
  });
  after(async () => {
    await farm.close();
    tmp.cleanup();
  });
  const run = async (command: string[], o: Partial<ProbeOptions> = {}): Promise<ProbeResult> => (await runProbe({ command, suites: ['limbo'], limboFile: file, farm, concurrency: 2, ...o })).results[0]!;

  const SKIPPED = { 'fixture::no-leaf-key': 'no-leaf-key', 'fixture::client-kind': 'client-validation', 'fixture::wrong-key': 'unservable' };

  test('curl with a route ({addr}): exact verdicts; accepting a CA as leaf is client-accepts-limbo:<id> and fails V9.2.1', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await run(CURL);
    assert.deepEqual(limboCases(r), {
      'fixture::good-direct': 'ok/accepted',
      'fixture::good-routed': 'ok/accepted',
      'fixture::good-ip': 'ok/accepted',
      'fixture::expired-leaf': 'ok/rejected',
      'fixture::wrong-name': 'ok/rejected',
      'fixture::ca-as-leaf': 'wrong/accepted',
      'fixture::missing-intermediate': 'ok/rejected',
    });
    assert.deepEqual(skips(r), SKIPPED);
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    assert.deepEqual(r.requirements['V9.2.1'].findings.map((f) => [f.id, f.severity]), [['client-accepts-limbo:fixture::ca-as-leaf', 'high']]);
    assert.equal(r.requirements['V9.2.4'].status, 'na');
    assert.deepEqual([r.limbo!.testcases, r.limbo!.applied], [10, 7]);
    assert.deepEqual(r.limbo!.skippedByReason.map((x) => [x.reason, x.count]), [['client-validation', 1], ['no-leaf-key', 1], ['unservable', 1]]);
    assert.match(r.limbo!.skipped.find((s) => s.reason === 'unservable')!.detail!, /cannot load|handshake/);
    const routed = r.cases.find((c) => c.id === 'limbo:fixture::good-routed')!;
    assert.equal(routed.server.requests, 1, 'the request reached the vector\'s own server');
  });

  test('curl without a route: vectors for names that are not loopback are skipped (no-loopback-route), never resolved', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await run(CURL_NO_ROUTE);
    assert.deepEqual(Object.keys(limboCases(r)), ['fixture::good-direct', 'fixture::good-ip', 'fixture::expired-leaf', 'fixture::ca-as-leaf', 'fixture::missing-intermediate']);
    assert.deepEqual(skips(r), { 'fixture::good-routed': 'no-loopback-route', 'fixture::wrong-name': 'no-loopback-route', ...SKIPPED });
    assert.equal(r.limbo!.skipped.find((s) => s.reason === 'no-loopback-route')!.detail, `peer name ${ROUTED_HOST}`);
  });

  test('curl through --proxy: the CONNECT proxy carries the vector\'s name to its server at 127.0.0.1', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await run(CURL_NO_ROUTE, { proxy: true });
    assert.equal(limboCases(r)['fixture::good-routed'], 'ok/accepted');
    assert.equal(limboCases(r)['fixture::wrong-name'], 'ok/rejected');
    assert.equal(r.cases.find((c) => c.id === 'limbo:fixture::good-routed')!.server.tunnels, 1);
  });

  test('a client that ignores --proxy gets no routed vector (the control showed it would resolve names itself)', async () => {
    const r = await run(NODE.filter((a) => a !== '{addr}').map((a) => (a === NODE_CLIENT ? NODE_CLIENT.replace(', lookup', '') : a)), { proxy: true });
    assert.equal(skips(r)['fixture::good-routed'], 'no-loopback-route');
    assert.equal(limboCases(r)['fixture::good-direct'], 'ok/accepted');
  });

  test('openssl s_client -connect {addr}:{port}: exact verdicts', { skip: hasOpenssl ? false : 'openssl is not installed' }, async () => {
    const r = await run(OPENSSL, { stdin: RAW_REQUEST });
    assert.deepEqual(limboCases(r), {
      'fixture::good-direct': 'ok/accepted',
      'fixture::good-routed': 'ok/accepted',
      // -verify_hostname checks DNS names only: an IP peer needs -verify_ip, so this command rejects it.
      'fixture::good-ip': 'wrong/rejected',
      'fixture::expired-leaf': 'ok/rejected',
      'fixture::wrong-name': 'ok/rejected',
      'fixture::ca-as-leaf': 'wrong/accepted',
      'fixture::missing-intermediate': 'ok/rejected',
    });
    assert.deepEqual(r.requirements['V9.2.1'].findings.map((f) => [f.id, f.severity]), [['client-accepts-limbo:fixture::ca-as-leaf', 'high'], ['client-rejects-limbo:fixture::good-ip', 'low']]);
  });

  test('Node https with a lookup that answers {addr}: exact verdicts', async () => {
    const r = await run(NODE);
    assert.deepEqual(limboCases(r), {
      'fixture::good-direct': 'ok/accepted',
      'fixture::good-routed': 'ok/accepted',
      'fixture::good-ip': 'ok/accepted',
      'fixture::expired-leaf': 'ok/rejected',
      'fixture::wrong-name': 'ok/rejected',
      'fixture::ca-as-leaf': 'wrong/accepted',
      'fixture::missing-intermediate': 'ok/rejected',
    });
  });

  test('--profile curl --suite limbo (the CLI): the profile routes through {addr}, so the routed vectors run, with exact verdicts', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await runCli(['probe', '--profile', 'curl', '--suite', 'limbo', '--limbo', file, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const res = (JSON.parse(r.stdout) as { results: ProbeResult[] }).results[0]!;
    assert.deepEqual(limboCases(res), ROUTED_VERDICTS.curl);
    assert.deepEqual(skips(res), SKIPPED, 'nothing skipped for want of a route');
    assert.deepEqual([res.limbo!.testcases, res.limbo!.applied], [10, 7]);
    assert.equal(res.cases.find((c) => c.id === 'limbo:fixture::good-routed')!.server.requests, 1, 'the routed vector reached its own server');
  });

  test('--profile curl with --proxy: curl asks the proxy for {addr}:PORT (--connect-to), which the vector\'s port allows; same verdicts as direct', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await run([...profiles().curl!.command], { proxy: true });
    assert.deepEqual(limboCases(r), ROUTED_VERDICTS.curl);
    assert.equal(r.cases.find((c) => c.id === 'limbo:fixture::good-routed')!.server.tunnels, 1);
  });

  for (const [profile, check] of [['curl-cert-status'], ['openssl', ['version']], ['gnutls-cli'], ['node-https'], ['node-fetch']] as [string, string[]?][]) {
    test(`--profile ${profile} routes limbo vectors through {addr}: exact verdicts`, { skip: available(profile, check) ? false : `${profile} is not installed` }, async () => {
      const p = profiles()[profile]!;
      assert.ok(p.command.some((a) => a.includes('{addr}')), 'the profile carries a route');
      const r = await run([...p.command], p.stdin !== undefined ? { stdin: p.stdin } : {});
      assert.deepEqual(limboCases(r), ROUTED_VERDICTS[profile]);
      assert.deepEqual(skips(r), SKIPPED);
      if (ROUTED_VERDICTS[profile]!['fixture::good-routed'] === 'ok/accepted') assert.equal(r.cases.find((c) => c.id === 'limbo:fixture::good-routed')!.server.requests, 1, 'the routed vector reached its own server');
    });
  }

  test('a file where nothing applies is an error (exit 2 territory), never a pass or "not applicable"', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const only = mintLimboFixture().doc;
    only.testcases = only.testcases.filter((t) => t.id === 'fixture::no-leaf-key' || t.id === 'fixture::client-kind');
    const r = await run(CURL, { limboFile: tmp.write('nothing.json', JSON.stringify(only)) });
    assert.equal(r.requirements['V9.2.1'].status, 'error');
    assert.match(r.requirements['V9.2.1'].reason!, /no x509-limbo vector .* could run over the wire \(skipped: client-validation 1, no-leaf-key 1\)/);
  });

  test('usage: --suite limbo needs --limbo, --limbo needs --suite limbo, a client whose setup bakes {ca} is refused', async () => {
    const usage = (pattern: RegExp) => (e: unknown) => (e as { code?: string }).code === 'CW_ERR_USAGE' && pattern.test((e as Error).message);
    await assert.rejects(runProbe({ command: ['true'], suites: ['limbo'], farm }), usage(/--limbo FILE/));
    await assert.rejects(runProbe({ command: ['true'], limboFile: file, farm }), usage(/goes with --suite limbo/));
    await assert.rejects(runProbe({ command: ['true'], suites: ['limbo'], limboFile: file, farm, setup: [['keytool', '-file', '{ca}']] }), usage(/own trust anchors/));
  });
});

/** Hand-picked vectors of the real suite, with the verdicts measured on this machine (docs/probe.md). */
const REAL_SUBSET: Readonly<Record<string, { curl: string; openssl: string; node: string }>> = {
  // openssl's -verify_hostname checks DNS names only: an IP peer needs -verify_ip.
  'webpki::san::exact-localhost-ip-san': { curl: 'ok/accepted', openssl: 'wrong/rejected', node: 'ok/accepted' },
  'rfc5280::nc::invalid-ipv4-address': { curl: 'ok/rejected', openssl: 'ok/rejected', node: 'ok/rejected' },
  'webpki::ee-basicconstraints-ca': { curl: 'wrong/accepted', openssl: 'wrong/accepted', node: 'wrong/accepted' },
  // All three fall back to the CN when the leaf has no SAN.
  'webpki::san::no-san': { curl: 'wrong/accepted', openssl: 'wrong/accepted', node: 'wrong/accepted' },
  'rfc5280::nc::nc-forbids-alternate-chain-ica': { curl: 'wrong/rejected', openssl: 'wrong/rejected', node: 'wrong/rejected' },
  'rfc5280::validity::expired-leaf': { curl: 'skipped', openssl: 'skipped', node: 'skipped' },
  'invalid::invalid-issuer-key': { curl: 'skipped', openssl: 'skipped', node: 'skipped' },
  'rfc5280::nc::permitted-dns-mismatch': { curl: 'ok/rejected', openssl: 'ok/rejected', node: 'ok/rejected' },
  // A cross-signed cycle resolved by a trusted self-signed A: curl builds it; openssl s_client and Node report "unable to get issuer certificate".
  'cve::cve-2024-0567': { curl: 'ok/accepted', openssl: 'wrong/rejected', node: 'wrong/rejected' },
};

describe('probe --suite limbo (a subset of the real x509-limbo file)', () => {
  const dir = sharedSuite('x509-limbo');
  const skip = !dir ? 'shared suite x509-limbo is absent (../shared/testsuites/x509-limbo)' : false;
  let farm: Farm;
  const tmp = tempDir('certwarden-limbo-real-');
  let file: string;
  before(async () => {
    if (skip) return;
    farm = await Farm.start();
    const suite = JSON.parse(readFileSync(join(dir!, 'limbo.json'), 'utf8')) as { version: number; testcases: { id: string }[] };
    file = tmp.write('subset.json', JSON.stringify({ version: suite.version, testcases: suite.testcases.filter((t) => Object.hasOwn(REAL_SUBSET, t.id)) }));
  });
  after(async () => {
    await farm?.close();
    tmp.cleanup();
  });
  const measured = (r: ProbeResult): Record<string, string> => ({ ...limboCases(r), ...Object.fromEntries(Object.keys(skips(r)).map((id) => [id, 'skipped'])) });

  test('curl: exact verdicts', { skip: skip || (hasCurl ? false : 'curl is not installed') }, async () => {
    const r = (await runProbe({ command: CURL, suites: ['limbo'], limboFile: file, farm, concurrency: 2 })).results[0]!;
    assert.deepEqual(measured(r), Object.fromEntries(Object.entries(REAL_SUBSET).map(([id, v]) => [id, v.curl])));
    assert.equal(skips(r)['rfc5280::validity::expired-leaf'], 'validation-time');
    // The issuer's key cannot be decoded: the server's own handshake fails, so no client verdict would mean anything.
    assert.equal(skips(r)['invalid::invalid-issuer-key'], 'unservable');
    assert.match(r.limbo!.skipped.find((x) => x.id === 'limbo:invalid::invalid-issuer-key')!.detail!, /server cannot complete a handshake/);
  });

  test('openssl s_client -verify_return_error: exact verdicts', { skip: skip || (hasOpenssl ? false : 'openssl is not installed') }, async () => {
    const r = (await runProbe({ command: OPENSSL, stdin: RAW_REQUEST, suites: ['limbo'], limboFile: file, farm, concurrency: 2 })).results[0]!;
    assert.deepEqual(measured(r), Object.fromEntries(Object.entries(REAL_SUBSET).map(([id, v]) => [id, v.openssl])));
  });

  test('Node https: exact verdicts', { skip }, async () => {
    const r = (await runProbe({ command: NODE, suites: ['limbo'], limboFile: file, farm, concurrency: 2 })).results[0]!;
    assert.deepEqual(measured(r), Object.fromEntries(Object.entries(REAL_SUBSET).map(([id, v]) => [id, v.node])));
  });
});
