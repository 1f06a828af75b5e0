/**
 * `audit --live` for Apache httpd and HAProxy, against the real servers on
 * loopback (test/helpers/servers/{apache,haproxy}.ts): the listeners a
 * `<VirtualHost>` (with `Listen`) or a `bind … ssl` declares are scanned, and
 * the audit reports where the audited configuration and the running server
 * disagree. Non-loopback listeners are not contacted (proved with Node's
 * `net.client.socket` channel) unless `--live-resolve` maps them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { runAudit } from '../../src/audit/run.ts';
import { auditLive, type LiveOptions } from '../../src/audit/live/run.ts';
import { apacheDeclaration } from '../../src/audit/live/apache.ts';
import { haproxyDeclaration, parseBindAddress } from '../../src/audit/live/haproxy.ts';
import type { ApacheUnit } from '../../src/audit/rules/apache/unit.ts';
import type { HaproxyUnit } from '../../src/audit/rules/haproxy/unit.ts';
import type { AuditReport, AuditResult } from '../../src/audit/report.ts';
import { startApache } from '../helpers/servers/apache.ts';
import { startHaproxy } from '../helpers/servers/haproxy.ts';
import type { RunningServer } from '../helpers/servers/process.ts';
import { startTestPki, type ServerIdentity, type TestPki } from '../helpers/servers/test-pki.ts';
import { freePort } from '../helpers/openssl-ocsp.ts';
import { tempDir } from '../helpers/pki.ts';
import { projectRoot } from '../helpers/shared.ts';

const APACHE = '/usr/sbin/apache2';
const HAPROXY = '/usr/sbin/haproxy';
const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'audit-report.schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile<AuditReport>(schema);
/** Room for the handshakes, the staple retries and the client-certificate probes on a shared 2-core machine. */
const SCAN: LiveOptions['scan'] = { targetTimeoutMs: 20_000 };
const NAME = 'api.live.test';

function liveIds(r: AuditResult): string[] {
  return [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings].map((f) => f.id).filter((id) => id.startsWith('live-'));
}

/** Count the TCP sockets Node opens while `fn` runs. */
async function socketsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; sockets: number }> {
  let sockets = 0;
  const onSocket = (): void => void sockets++;
  subscribe('net.client.socket', onSocket);
  try {
    return { value: await fn(), sockets };
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

async function auditOne(conf: string, policy: Policy, o: Partial<LiveOptions> = {}): Promise<AuditResult[]> {
  const run = runAudit({ paths: [conf], policy });
  const report = await auditLive(run, { policy, scan: SCAN, ...o });
  assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
  return report.results.filter((r) => r.live !== undefined);
}

describe('audit --live: Apache virtual hosts against the running Apache', { skip: !existsSync(APACHE) && 'apache2 not installed' }, () => {
  let pki: TestPki;
  let site: ServerIdentity;
  let policy: Policy;
  let strict: RunningServer;
  let lax: RunningServer;
  const tmp = tempDir('certwarden-audit-live-apache-');

  before(async () => {
    pki = await startTestPki('certwarden Audit Live Apache');
    site = pki.leaf(NAME);
    policy = loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd() });
    [strict, lax] = await Promise.all([
      startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: true, sslVerifyClient: 'require', caCert: pki.rootPem, serverName: NAME }),
      startApache({ certChain: site.certChain, key: site.key, SSLUseStapling: false, serverName: NAME }),
    ]);
  });
  after(async () => {
    await Promise.all([strict?.stop(), lax?.stop()]);
    await pki?.stop();
    tmp.cleanup();
  });

  /** An audited configuration (not the one Apache runs) with `Listen` lines and one TLS virtual host. */
  function audited(name: string, listen: string[], vhost: string, extra: string[]): string {
    return tmp.write(name, [...listen, 'SSLStaplingCache shmcb:/tmp/x(32768)', `<VirtualHost ${vhost}>`, '  SSLEngine on', `  ServerName https://${NAME}:443`, '  ServerAlias www.api.live.test', ...extra.map((l) => `  ${l}`), '</VirtualHost>', ''].join('\n'));
  }

  test('the running configuration agrees with its live server: scanned on its <VirtualHost> address with SNI = ServerName, no live-* finding', async () => {
    const [r] = await auditOne(join(strict.dir, 'httpd.conf'), policy);
    assert.ok(r);
    assert.deepEqual(liveIds(r), [], JSON.stringify(r, null, 1));
    assert.equal(r.live?.length, 1);
    const live = r.live![0]!;
    assert.equal(live.status, 'scanned');
    assert.equal(live.serverName, NAME);
    assert.equal(live.address, '127.0.0.1');
    assert.equal(live.port, strict.port);
    assert.equal(live.line, readFileSync(join(strict.dir, 'httpd.conf'), 'utf8').split('\n').findIndex((l) => l.startsWith('<VirtualHost')) + 1);
    assert.equal(live.requirements!['V9.2.4'].status, 'pass', JSON.stringify(live.requirements));
  });

  test('live-disagrees-stapling and live-disagrees-client-auth: SSLUseStapling on and SSLVerifyClient require, the server runs neither', async () => {
    const conf = audited('lax.conf', [`Listen 127.0.0.1:${lax.port}`], `127.0.0.1:${lax.port}`, ['SSLUseStapling on', 'SSLVerifyClient require', 'SSLCACertificateFile /nonexistent/ca.pem']);
    const [r] = await auditOne(conf, policy);
    assert.deepEqual(liveIds(r!).sort(), ['live-disagrees-client-auth', 'live-disagrees-stapling'], JSON.stringify(r, null, 1));
    const lines = readFileSync(conf, 'utf8').split('\n');
    const staple = r!.requirements['V9.2.4'].findings.find((f) => f.id === 'live-disagrees-stapling')!;
    assert.equal(lines[staple.line - 1]!.trim(), 'SSLUseStapling on');
    const verify = r!.requirements['V9.2.1'].findings.find((f) => f.id === 'live-disagrees-client-auth')!;
    assert.equal(lines[verify.line - 1]!.trim(), 'SSLVerifyClient require');
    assert.match(verify.message, /SSLVerifyClient is require here, but .* completes a handshake without a client certificate/);
  });

  test('<VirtualHost *:PORT> with `Listen PORT` is scanned on 127.0.0.1; the same with `Listen 10.1.2.3:PORT` is not contacted (na, no socket)', async () => {
    const wildcard = await auditOne(audited('wild.conf', [`Listen ${strict.port}`], `*:${strict.port}`, ['SSLUseStapling on']), policy);
    assert.equal(wildcard[0]!.live![0]!.address, '127.0.0.1');
    assert.equal(wildcard[0]!.live![0]!.listen, `*:${strict.port}`);
    assert.equal(wildcard[0]!.live![0]!.status, 'scanned');
    assert.deepEqual(liveIds(wildcard[0]!), []);
    const remote = audited('remote.conf', [`Listen 10.1.2.3:${strict.port}`], `*:${strict.port}`, ['SSLUseStapling on']);
    const { value, sockets } = await socketsDuring(() => auditOne(remote, policy));
    assert.equal(sockets, 0);
    assert.equal(value[0]!.live![0]!.status, 'na');
    assert.match(value[0]!.live![0]!.reason!, /10\.1\.2\.3:\d+.*not a loopback address.*--live-resolve api\.live\.test:/);
    assert.deepEqual(liveIds(value[0]!), []);
    const mapped = await auditOne(remote, policy, { resolve: [{ host: NAME, port: strict.port, address: '127.0.0.1' }] });
    assert.equal(mapped[0]!.live![0]!.status, 'scanned');
  });

  test('live-unreachable: a virtual host where nothing answers', async () => {
    const port = await freePort();
    const [r] = await auditOne(audited('down.conf', [`Listen 127.0.0.1:${port}`], `127.0.0.1:${port}`, []), policy);
    assert.deepEqual(liveIds(r!), ['live-unreachable']);
    assert.equal(r!.live![0]!.status, 'unreachable');
  });
});

describe('audit --live: HAProxy binds against the running HAProxy', { skip: !existsSync(HAPROXY) && 'haproxy not installed' }, () => {
  let pki: TestPki;
  let site: ServerIdentity;
  let policy: Policy;
  let strict: RunningServer;
  let lax: RunningServer;
  const tmp = tempDir('certwarden-audit-live-haproxy-');

  before(async () => {
    pki = await startTestPki('certwarden Audit Live HAProxy');
    site = pki.leaf(NAME);
    policy = loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd() });
    [strict, lax] = await Promise.all([
      startHaproxy({ certChain: site.certChain, key: site.key, ocspFile: pki.staple(site.identity.certificate), requireClientCertificate: { caCert: pki.rootPem } }),
      startHaproxy({ certChain: site.certChain, key: site.key }),
    ]);
  });
  after(async () => {
    await Promise.all([strict?.stop(), lax?.stop()]);
    await pki?.stop();
    tmp.cleanup();
  });

  function audited(name: string, bind: string): string {
    return tmp.write(name, ['global', '  maxconn 10', 'frontend tls', `  bind ${bind}`, '  default_backend app', 'backend app', '  server app 127.0.0.1:9', ''].join('\n'));
  }

  test('the running configuration agrees with its live server: SNI is the certificate\'s DNS name, the .ocsp file declares stapling, no live-* finding', async () => {
    const [r] = await auditOne(join(strict.dir, 'haproxy.cfg'), policy);
    assert.ok(r);
    assert.deepEqual(liveIds(r), [], JSON.stringify(r, null, 1));
    const live = r.live![0]!;
    assert.equal(live.status, 'scanned');
    assert.equal(live.serverName, NAME);
    assert.equal(live.address, '127.0.0.1');
    assert.equal(live.port, strict.port);
    assert.equal(live.requirements!['V9.2.4'].status, 'pass', JSON.stringify(live.requirements));
  });

  test('live-disagrees-stapling and live-disagrees-client-auth: a bind with a .ocsp certificate and verify required, the server runs neither', async () => {
    const conf = audited('lax.cfg', `127.0.0.1:${lax.port} ssl crt ${join(strict.dir, 'site.pem')} verify required ca-file ${join(strict.dir, 'client-ca.pem')} crl-file /nonexistent.crl`);
    const [r] = await auditOne(conf, policy);
    assert.deepEqual(liveIds(r!).sort(), ['live-disagrees-client-auth', 'live-disagrees-stapling'], JSON.stringify(r, null, 1));
    for (const f of r!.requirements['V9.2.1'].findings.concat(r!.requirements['V9.2.4'].findings).filter((x) => x.id.startsWith('live-'))) assert.equal(f.line, 4, 'points at the bind line');
  });

  test('a bind on :PORT is scanned on 127.0.0.1; a bind on 10.1.2.3 is not contacted (na, no socket) unless --live-resolve maps it', async () => {
    const wildcard = await auditOne(audited('wild.cfg', `:${strict.port} ssl crt ${join(strict.dir, 'site.pem')}`), policy);
    assert.equal(wildcard[0]!.live![0]!.address, '127.0.0.1');
    assert.equal(wildcard[0]!.live![0]!.listen, `*:${strict.port}`);
    assert.equal(wildcard[0]!.live![0]!.status, 'scanned');
    const remote = audited('remote.cfg', `10.1.2.3:${strict.port} ssl crt ${join(strict.dir, 'site.pem')}`);
    const { value, sockets } = await socketsDuring(() => auditOne(remote, policy));
    assert.equal(sockets, 0);
    assert.equal(value[0]!.live![0]!.status, 'na');
    assert.match(value[0]!.live![0]!.reason!, /10\.1\.2\.3:\d+.*not a loopback address/);
    const mapped = await auditOne(remote, policy, { resolve: [{ host: NAME, port: strict.port, address: '127.0.0.1' }] });
    assert.equal(mapped[0]!.live![0]!.status, 'scanned');
    assert.deepEqual(liveIds(mapped[0]!), []);
  });

  test('live-unreachable: a bind where nothing answers', async () => {
    const port = await freePort();
    const [r] = await auditOne(audited('down.cfg', `127.0.0.1:${port} ssl crt ${join(strict.dir, 'site.pem')}`), policy);
    assert.deepEqual(liveIds(r!), ['live-unreachable']);
  });
});

describe('audit --live: listeners derived from Apache and HAProxy (no connection)', () => {
  const tmp = tempDir('certwarden-audit-listen2-');
  after(() => tmp.cleanup());

  test('Apache: SSLEngine on only, ports from Listen for a portless address, _default_ and [::1], names never resolved, ServerAlias when ServerName is not plain', () => {
    const conf = tmp.write('httpd.conf', [
      'Listen 8443',
      'Listen [::1]:9443',
      '<VirtualHost _default_:8443 [::1]:9443>',
      '  SSLEngine on',
      '  ServerName *.wild.test',
      '  ServerAlias *.x.test alias.one.test',
      '</VirtualHost>',
      '<VirtualHost db.internal.test:443>',
      '  SSLEngine on',
      '  SSLVerifyClient optional',
      '</VirtualHost>',
      '<VirtualHost 127.0.0.1>',
      '  SSLEngine on',
      '  SSLVerifyClient require',
      '</VirtualHost>',
      '<VirtualHost *:80>',
      '  ServerName plain.test',
      '</VirtualHost>',
      '',
    ].join('\n'));
    const run = runAudit({ paths: [conf] });
    const decls = [...run.liveUnits.values()].map((u) => apacheDeclaration(u.unit as ApacheUnit, []));
    assert.equal(decls.length, 4);
    const [one, two, three, plain] = decls;
    assert.deepEqual(one!.listeners.map((l) => [l.declared, l.port, l.serverName, l.connect]), [['*', 8443, 'alias.one.test', { address: '127.0.0.1' }], ['::1', 9443, 'alias.one.test', { address: '::1' }]]);
    assert.match((two!.listeners[0]!.connect as { skip: string }).skip, /db\.internal\.test:443.*not a loopback address/);
    assert.equal(two!.listeners[0]!.clientAuthRequired, undefined, 'optional is not required');
    assert.deepEqual(three!.listeners.map((l) => [l.port, l.connect]), [[8443, { address: '127.0.0.1' }]], 'a portless address: every port a Listen binds on all addresses or on that address ([::1]:9443 is neither)');
    assert.ok(three!.listeners[0]!.clientAuthRequired);
    assert.equal(three!.listeners[0]!.refusal, 'handshake');
    assert.equal(plain, undefined, 'no SSLEngine on: no TLS listener');
  });

  test('HAProxy: bind address forms; unix, abns, fd, quic, ranges and ${VAR} left out; SNI from crt-list filters; backends declare nothing', () => {
    assert.deepEqual(parseBindAddress(':443'), { address: '', port: 443 });
    assert.deepEqual(parseBindAddress('*:443'), { address: '*', port: 443 });
    assert.deepEqual(parseBindAddress('ipv6@:::8443'), { address: '::', port: 8443 });
    assert.deepEqual(parseBindAddress('[::1]:8443'), { address: '::1', port: 8443 });
    assert.deepEqual(parseBindAddress('ipv4@127.0.0.2:443'), { address: '127.0.0.2', port: 443 });
    for (const t of ['unix@/run/x.sock', '/run/x.sock', 'abns@x', 'fd@3', 'quic4@:443', '${ADDR}:443', ':8000-8010', '127.0.0.1']) assert.equal(parseBindAddress(t), undefined, t);
    tmp.write('list.txt', ['site.pem [verify required] !skip.test *.wild.test one.list.test', ''].join('\n'));
    const conf = tmp.write('haproxy.cfg', [
      'frontend a',
      '  bind :8443,unix@/run/x.sock,127.0.0.3:9443 ssl crt-list list.txt',
      '  bind 10.9.9.9:443 ssl crt missing.pem verify required',
      'backend b',
      '  server s 127.0.0.1:443 ssl verify none',
      '',
    ].join('\n'));
    const run = runAudit({ paths: [conf] });
    const decls = [...run.liveUnits.values()].map((u) => haproxyDeclaration(u.unit as HaproxyUnit, []));
    assert.equal(decls.length, 2);
    const [front, back] = decls;
    assert.deepEqual(front!.listeners.map((l) => [l.declared, l.port, l.serverName, l.connect]), [
      ['*', 8443, 'one.list.test', { address: '127.0.0.1' }],
      ['127.0.0.3', 9443, 'one.list.test', { address: '127.0.0.3' }],
      ['10.9.9.9', 443, undefined, { skip: front!.listeners[2]!.connect && (front!.listeners[2]!.connect as { skip: string }).skip }],
    ]);
    assert.match((front!.listeners[2]!.connect as { skip: string }).skip, /not a loopback address/);
    assert.ok(front!.listeners[2]!.clientAuthRequired);
    assert.equal(front!.listeners[0]!.stapling, undefined, 'no .ocsp file: stapling not declared');
    assert.ok(front!.listeners[0]!.clientAuthRequired, 'every crt-list line says verify required');
    assert.equal(back, undefined);
    tmp.write('mixed.txt', ['site.pem', 'legacy.pem [verify none] legacy.list.test', ''].join('\n'));
    const mixed = runAudit({ paths: [tmp.write('mixed.cfg', 'frontend m\n  bind 127.0.0.1:8443 ssl crt-list mixed.txt verify required\n')] });
    const decl = haproxyDeclaration([...mixed.liveUnits.values()][0]!.unit as HaproxyUnit, []);
    assert.equal(decl!.listeners[0]!.clientAuthRequired, undefined, 'a [verify none] crt-list line: not every certificate requires one, so no disagreement can be claimed');
  });
});
