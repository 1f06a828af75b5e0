/**
 * `audit --live` against a real nginx on loopback: the listeners a server
 * block declares are scanned (SNI = its first server_name) and the audit
 * reports where the audited configuration and the running server disagree.
 * The PKI and its OCSP responders are minted at test time on loopback; no
 * real name is resolved and no address outside 127.0.0.0/8 is contacted
 * (the non-loopback case proves it with Node's `net.client.socket` channel).
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
import { isLoopbackAddress } from '../../src/audit/live/listen.ts';
import { nginxDeclaration } from '../../src/audit/live/nginx.ts';
import type { NginxUnit } from '../../src/audit/rules/nginx/unit.ts';
import { renderAuditText } from '../../src/audit/render/text.ts';
import { PLAIN_PALETTE } from '../../src/core/io.ts';
import type { AuditReport, AuditResult } from '../../src/audit/report.ts';
import { launch, readLog, type RunningServer } from '../helpers/servers/process.ts';
import { startTestPki, type ServerIdentity, type TestPki } from '../helpers/servers/test-pki.ts';
import { freePort } from '../helpers/openssl-ocsp.ts';
import { tempDir } from '../helpers/pki.ts';
import { projectRoot } from '../helpers/shared.ts';
import { runCli } from '../helpers/cli.ts';

const NGINX = '/usr/sbin/nginx';
const skip = !existsSync(NGINX) && 'nginx not installed';
const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'audit-report.schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile<AuditReport>(schema);
/** Room for the handshakes, the staple retries and the client-certificate probes on a shared 2-core machine. */
const SCAN: LiveOptions['scan'] = { targetTimeoutMs: 20_000 };
const NAME = 'api.live.test';

/** The `server { … }` of an audited or running configuration, given the listen line and what else it says. */
function serverBlock(listen: string, files: { chain: string; key: string; trusted: string }, extra: string[]): string {
  return [
    '    server {',
    `        ${listen}`,
    `        server_name ${NAME} www.${NAME};`,
    '        ssl_protocols TLSv1.2 TLSv1.3;',
    `        ssl_certificate ${files.chain};`,
    `        ssl_certificate_key ${files.key};`,
    ...extra.map((l) => `        ${l}`),
    '        location / { return 200 "ok\\n"; }',
    '    }',
  ].join('\n');
}

function mainConfig(dir: string, server: string): string {
  return ['worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log info;`, 'events { worker_connections 64; }', 'http {', '    access_log off;', ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t}_temp;`), server, '}', ''].join('\n');
}

const STAPLING = (trusted: string): string[] => ['ssl_stapling on;', 'ssl_stapling_verify on;', `ssl_trusted_certificate ${trusted};`];

/** nginx on 127.0.0.1 with `extra` directives; its own nginx.conf is `${dir}/nginx.conf`. */
function startLiveNginx(site: ServerIdentity, pki: TestPki, extra: (files: { chain: string; key: string; trusted: string }) => string[]): Promise<RunningServer> {
  return launch({
    command: NGINX,
    prefix: 'certwarden-live-',
    prepare: (port, write, dir) => {
      const files = { chain: write('chain.pem', site.certChain), key: write('key.pem', site.key), trusted: write('trusted.pem', pki.intermediatePem + pki.rootPem) };
      write('client-ca.pem', pki.rootPem);
      write('nginx.conf', mainConfig(dir, serverBlock(`listen 127.0.0.1:${port} ssl;`, files, extra(files))));
    },
    args: (_port, dir) => ['-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off; user root;', '-e', `${dir}/error.log`],
    diagnostics: (dir) => readLog(`${dir}/error.log`),
  });
}

function liveIds(r: AuditResult): string[] {
  return [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings].map((f) => f.id).filter((id) => id.startsWith('live-'));
}

describe('audit --live: declared listeners against the running nginx', { skip }, () => {
  let pki: TestPki;
  let site: ServerIdentity;
  let policy: Policy;
  let stapling: RunningServer;
  let plain: RunningServer;
  let verifying: RunningServer;
  const tmp = tempDir('certwarden-audit-live-');

  before(async () => {
    pki = await startTestPki('certwarden Audit Live');
    site = pki.leaf(NAME);
    policy = loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd() });
    [stapling, plain, verifying] = await Promise.all([
      startLiveNginx(site, pki, (f) => STAPLING(f.trusted)),
      startLiveNginx(site, pki, () => ['ssl_stapling off;']),
      startLiveNginx(site, pki, (f) => [...STAPLING(f.trusted), 'ssl_verify_client on;', `ssl_client_certificate ${join(f.trusted, '..', 'client-ca.pem')};`]),
    ]);
  });
  after(async () => {
    await Promise.all([stapling?.stop(), plain?.stop(), verifying?.stop()]);
    await pki?.stop();
    tmp.cleanup();
  });

  /** Audit `conf` and scan what it declares. */
  let lastText = '';
  async function audit(conf: string, o: Partial<LiveOptions> = {}): Promise<AuditResult> {
    const run = runAudit({ paths: [conf], policy });
    const report = await auditLive(run, { policy, scan: SCAN, ...o });
    assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
    lastText = renderAuditText(report, PLAIN_PALETTE);
    assert.equal(report.results.length, 1);
    return report.results[0]!;
  }

  /** An audited file (not the one nginx runs) whose server block says `listen` and `extra`. */
  function audited(name: string, listen: string, extra: string[]): string {
    const files = { chain: join(stapling.dir, 'chain.pem'), key: join(stapling.dir, 'key.pem'), trusted: join(stapling.dir, 'trusted.pem') };
    return tmp.write(name, mainConfig(tmp.dir, serverBlock(listen, files, extra)));
  }

  test('the running configuration itself agrees with its live server: scanned with SNI = the first server_name, no live-* finding', async () => {
    const r = await audit(join(stapling.dir, 'nginx.conf'));
    assert.deepEqual(liveIds(r), [], JSON.stringify(r, null, 1));
    assert.equal(r.live?.length, 1);
    const live = r.live![0]!;
    assert.equal(live.status, 'scanned');
    assert.equal(live.serverName, NAME);
    assert.equal(live.address, '127.0.0.1');
    assert.equal(live.port, stapling.port);
    assert.equal(live.requirements!['V9.2.4'].status, 'pass', JSON.stringify(live.requirements));
    assert.equal(live.requirements!['V9.2.1'].status, 'pass', JSON.stringify(live.requirements));
  });

  test('a running configuration that requires client certificates agrees with its live server: no live-disagrees-client-auth', async () => {
    const r = await audit(join(verifying.dir, 'nginx.conf'));
    assert.equal(r.live![0]!.status, 'scanned');
    assert.deepEqual(liveIds(r), [], JSON.stringify(r, null, 1));
    // nginx (http) asks for the certificate in the handshake and refuses the request later (400): the scan saw the request.
    assert.ok(!r.live![0]!.requirements!['V9.2.1'].findings.some((f) => f.id === 'client-auth-not-requested'), JSON.stringify(r.live));
  });

  test('live-disagrees-stapling and live-disagrees-client-auth: the audited file staples and requires client certificates, the server runs another configuration', async () => {
    const conf = audited('other.conf', `listen 127.0.0.1:${plain.port} ssl;`, [...STAPLING(join(stapling.dir, 'trusted.pem')), 'ssl_verify_client on;', `ssl_client_certificate ${join(plain.dir, 'client-ca.pem')};`]);
    const r = await audit(conf);
    assert.deepEqual(liveIds(r).sort(), ['live-disagrees-client-auth', 'live-disagrees-stapling'], JSON.stringify(r, null, 1));
    assert.equal(r.requirements['V9.2.4'].status, 'fail');
    assert.equal(r.requirements['V9.2.1'].status, 'fail');
    const stapleFinding = r.requirements['V9.2.4'].findings.find((f) => f.id === 'live-disagrees-stapling')!;
    assert.equal(readFileSync(conf, 'utf8').split('\n')[stapleFinding.line - 1]!.trim(), 'ssl_stapling on;');
  });

  test('a listen without an address is scanned on 127.0.0.1; a server that does not verify clients disagrees with ssl_verify_client on', async () => {
    const conf = audited('wildcard.conf', `listen ${stapling.port} ssl;`, [...STAPLING(join(stapling.dir, 'trusted.pem')), 'ssl_verify_client on;', `ssl_client_certificate ${join(stapling.dir, 'client-ca.pem')};`]);
    const r = await audit(conf);
    assert.equal(r.live![0]!.address, '127.0.0.1');
    assert.equal(r.live![0]!.listen, `*:${stapling.port}`);
    assert.deepEqual(liveIds(r), ['live-disagrees-client-auth'], JSON.stringify(r, null, 1));
  });

  test('live-unreachable (medium): a declared listener where nothing answers', async () => {
    const port = await freePort();
    const r = await audit(audited('down.conf', `listen 127.0.0.1:${port} ssl;`, STAPLING(join(stapling.dir, 'trusted.pem'))));
    assert.deepEqual(liveIds(r), ['live-unreachable']);
    const f = r.requirements['V9.2.1'].findings.find((x) => x.id === 'live-unreachable')!;
    assert.equal(f.severity, 'medium');
    assert.equal(r.live![0]!.status, 'unreachable');
  });

  test('a listen on 10.1.2.3 is not contacted: na with the reason, and not one socket is opened', async () => {
    const conf = audited('remote.conf', 'listen 10.1.2.3:443 ssl;', STAPLING(join(stapling.dir, 'trusted.pem')));
    const sockets: unknown[] = [];
    const onSocket = (m: unknown): void => void sockets.push(m);
    subscribe('net.client.socket', onSocket);
    let r: AuditResult;
    try {
      r = await audit(conf);
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
    assert.equal(sockets.length, 0);
    assert.deepEqual(liveIds(r), []);
    assert.equal(r.live![0]!.status, 'na');
    assert.equal(r.live![0]!.address, null);
    assert.match(r.live![0]!.reason!, /10\.1\.2\.3:443.*not a loopback address.*--live-resolve/);
    assert.match(lastText, /live 10\.1\.2\.3:443 \(SNI api\.live\.test\): na - .*not a loopback address/);
  });

  test('the CLI: --live --policy with --live-resolve scans the mapped listener; an unmapped one stays na (JSON report valid)', async () => {
    const policyFile = tmp.write('policy.yaml', `version: 1\ntrust:\n  cas: [${tmp.write('root.pem', pki.rootPem)}]\nrevocation:\n  mode: hard-fail\n  check: leaf\n`);
    const conf = audited('cli.conf', `listen 10.1.2.3:${stapling.port} ssl;`, STAPLING(join(stapling.dir, 'trusted.pem')));
    const mapped = await runCli(['audit', conf, '--live', '--policy', policyFile, '--live-resolve', `${NAME}:${stapling.port}:127.0.0.1`, '--format', 'json']);
    assert.notEqual(mapped.code, 2, mapped.stderr);
    const j = JSON.parse(mapped.stdout) as AuditReport;
    assert.ok(validate(j), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(j.results[0]!.live![0]!.status, 'scanned');
    const unmapped = JSON.parse((await runCli(['audit', conf, '--live', '--policy', policyFile, '--format', 'json'])).stdout) as AuditReport;
    assert.equal(unmapped.results[0]!.live![0]!.status, 'na');
  });

  test('--live-resolve maps a non-loopback listen to a loopback address, which is then scanned', async () => {
    const conf = audited('mapped.conf', `listen 10.1.2.3:${stapling.port} ssl;`, STAPLING(join(stapling.dir, 'trusted.pem')));
    const r = await audit(conf, { resolve: [{ host: NAME, port: stapling.port, address: '127.0.0.1' }] });
    assert.equal(r.live![0]!.status, 'scanned');
    assert.equal(r.live![0]!.address, '127.0.0.1');
    assert.deepEqual(liveIds(r), []);
  });
});

describe('audit --live: what counts as loopback', () => {
  test('127.0.0.0/8 and ::1 only', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['10.1.2.3', '0.0.0.0', '::', '::ffff:10.0.0.1', 'localhost', '128.0.0.1', '::11']) assert.ok(!isLoopbackAddress(a), a);
  });
});

describe('audit --live: listeners derived from nginx server blocks (no connection)', () => {
  const tmp = tempDir('certwarden-audit-listen-');
  after(() => tmp.cleanup());

  test('address forms, SNI from the first plain server_name, quic/unix/plain listeners left out, names never resolved', () => {
    const conf = tmp.write('nginx.conf', [
      'http {',
      '  server { listen [::]:8443 ssl; listen 8080; listen 443 quic; listen unix:/run/x.sock ssl; server_name _ *.wild.test ~^re$ api.one.test; ssl_certificate a.pem; }',
      '  server { listen localhost:9443 ssl; listen [::1]:9444 ssl; server_name _; ssl_certificate a.pem; ssl_stapling on; ssl_verify_client optional; }',
      '  server { listen db.internal.test:443 ssl; server_name api.two.test; ssl_certificate a.pem; ssl_verify_client on; }',
      '  server { listen 127.0.0.1:80; server_name plain.test; }',
      '}',
      'stream { server { listen 127.0.0.1:5000 ssl; ssl_certificate a.pem; ssl_verify_client on; } }',
      '',
    ].join('\n'));
    const run = runAudit({ paths: [conf] });
    const units = [...run.liveUnits.values()].map((u) => u.unit as NginxUnit);
    const decls = units.map((u) => nginxDeclaration(u, []));
    assert.equal(decls.length, 5);
    const [one, two, three, plain, stream] = decls;
    assert.deepEqual(one!.listeners.map((l) => [l.declared, l.port, l.serverName, l.connect]), [['::', 8443, 'api.one.test', { address: '127.0.0.1' }]]);
    assert.equal(one!.listeners[0]!.stapling, undefined);
    assert.deepEqual(two!.listeners.map((l) => [l.port, l.serverName, l.connect]), [[9443, undefined, { address: '127.0.0.1' }], [9444, undefined, { address: '::1' }]]);
    assert.ok(two!.listeners.every((l) => l.stapling));
    assert.ok(two!.listeners.every((l) => l.clientAuthRequired === undefined), 'optional is not required');
    assert.match((three!.listeners[0]!.connect as { skip: string }).skip, /db\.internal\.test:443.*not a loopback address/);
    assert.equal(three!.listeners[0]!.refusal, 'request', 'an http server refuses at the request');
    assert.ok(three!.listeners[0]!.clientAuthRequired);
    assert.equal(plain, undefined, 'a server without TLS declares no live TLS listener');
    assert.equal(stream!.listeners[0]!.refusal, 'handshake', 'a stream server refuses in the handshake');
    const mapped = nginxDeclaration(units[2]!, [{ host: 'api.two.test', port: 443, address: '127.0.0.2' }]);
    assert.deepEqual(mapped!.listeners[0]!.connect, { address: '127.0.0.2' });
  });
});
