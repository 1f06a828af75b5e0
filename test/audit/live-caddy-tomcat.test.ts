/**
 * `audit --live` for Caddy and Tomcat against the real servers on loopback:
 * the listeners a Caddyfile (read through `caddy adapt`) or a server.xml
 * declares are scanned, and the audit reports where the audited
 * configuration and the running server disagree.
 *
 * Caddy makes no network call of its own: `auto_https off` (no ACME, no
 * redirects), `admin off`, HOME/XDG and storage in the server's folder, and
 * the only certificate is the test PKI's, whose OCSP URL is the PKI's
 * loopback responder (Caddy fetches its staple there). Tomcat is started
 * once, from a server.xml that does not require client certificates and
 * without JSSE stapling; the audited files are that one (agreement) and one
 * that requires them, beside a setenv.sh that turns stapling on
 * (disagreement).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { runAudit } from '../../src/audit/run.ts';
import { auditLive, type LiveOptions } from '../../src/audit/live/run.ts';
import type { AuditReport, AuditResult } from '../../src/audit/report.ts';
import { launch, type RunningServer } from '../helpers/servers/process.ts';
import { hasTomcat, startTomcat } from '../helpers/servers/tomcat.ts';
import { startTestPki, type ServerIdentity, type TestPki } from '../helpers/servers/test-pki.ts';
import { freePort } from '../helpers/openssl-ocsp.ts';
import { tempDir } from '../helpers/pki.ts';
import { projectRoot } from '../helpers/shared.ts';
import { runCli } from '../helpers/cli.ts';

const CADDY = spawnSync('caddy', ['version'], { stdio: 'ignore' }).status === 0;
/** In CI the servers are installed: a missing binary there is a failure, not a skip. */
const CI = process.env.CI !== undefined;
const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'audit-report.schema.json'), 'utf8'));
const validate = new Ajv({ strict: false, allErrors: true }).compile<AuditReport>(schema);
/** Room for the handshakes, the staple retries and the client-certificate probes on a shared 2-core machine. */
const SCAN: LiveOptions['scan'] = { targetTimeoutMs: 20_000 };
const NAME = 'api.live.test';

function liveIds(r: AuditResult): string[] {
  return [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings].map((f) => f.id).filter((id) => id.startsWith('live-'));
}

async function auditOne(conf: string, policy: Policy, o: Partial<LiveOptions> = {}): Promise<AuditResult[]> {
  const run = runAudit({ paths: [conf], policy });
  const report = await auditLive(run, { policy, scan: SCAN, ...o });
  assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));
  return report.results.filter((r) => r.live !== undefined && r.live.length > 0);
}

/** A Caddyfile serving NAME on `port` (bound to 127.0.0.1 unless `bind: false`: all addresses) with the PKI's certificate and CA from `dir`. */
function caddyfile(dir: string, port: number, o: { bind?: boolean; stapling: boolean; clientAuth: boolean }): string {
  return [
    '{',
    '\tauto_https off',
    '\tadmin off',
    `\tstorage file_system ${dir}/storage`,
    ...(o.stapling ? [] : ['\tocsp_stapling off']),
    '}',
    '',
    `https://${NAME}:${port} {`,
    ...(o.bind === false ? [] : ['\tbind 127.0.0.1']),
    `\ttls ${dir}/chain.pem ${dir}/key.pem {`,
    ...(o.clientAuth ? ['\t\tclient_auth {', '\t\t\tmode require_and_verify', `\t\t\ttrusted_ca_cert_file ${dir}/ca.pem`, '\t\t}'] : []),
    '\t}',
    '\trespond "ok"',
    '}',
    '',
  ].join('\n');
}

function startCaddy(site: ServerIdentity, pki: TestPki, o: { stapling: boolean; clientAuth: boolean }): Promise<RunningServer> {
  return launch({
    // env -i: Caddy sees only what is given here (no proxy settings, HOME and XDG folders inside its own folder).
    command: '/usr/bin/env',
    prefix: 'certwarden-live-caddy-',
    prepare: (port, write, dir) => {
      write('chain.pem', site.certChain);
      write('key.pem', site.key);
      write('ca.pem', pki.rootPem);
      write('Caddyfile', caddyfile(dir, port, o));
    },
    args: (_port, dir) => ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${dir}`, `XDG_DATA_HOME=${dir}/data`, `XDG_CONFIG_HOME=${dir}/config`, 'caddy', 'run', '--adapter', 'caddyfile', '--config', `${dir}/Caddyfile`],
  });
}

describe('audit --live: a Caddyfile against the running Caddy', { skip: !CADDY && !CI && 'caddy not installed (apt-get install caddy)', timeout: 180_000 }, () => {
  let pki: TestPki;
  let site: ServerIdentity;
  let policy: Policy;
  let strict: RunningServer;
  let lax: RunningServer;
  const tmp = tempDir('certwarden-audit-live-caddy-');

  before(async () => {
    pki = await startTestPki('certwarden Audit Live Caddy');
    site = pki.leaf(NAME);
    policy = loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd() });
    [strict, lax] = await Promise.all([startCaddy(site, pki, { stapling: true, clientAuth: true }), startCaddy(site, pki, { stapling: false, clientAuth: false })]);
  });
  after(async () => {
    await Promise.all([strict?.stop(), lax?.stop()]);
    await pki?.stop();
    tmp.cleanup();
  });

  test('the running Caddyfile agrees with its live server: scanned on its bind address with SNI = the site name, Caddy staples and requires client certificates, no live-* finding', async () => {
    const [r] = await auditOne(join(strict.dir, 'Caddyfile'), policy);
    assert.ok(r, 'the Caddyfile declares a listener');
    assert.deepEqual(liveIds(r), [], JSON.stringify(r, null, 1));
    assert.equal(r.live!.length, 1);
    const live = r.live![0]!;
    assert.equal(live.status, 'scanned');
    assert.equal(live.serverName, NAME);
    assert.equal(live.address, '127.0.0.1');
    assert.equal(live.port, strict.port);
    assert.equal(live.requirements!['V9.2.4'].status, 'pass', JSON.stringify(live.requirements));
    assert.ok(live.requirements!['V9.2.1'].findings.some((f) => f.id === 'client-auth-enforced'), 'the scan saw Caddy refuse clients without a trusted certificate: agreement observed, not assumed');
  });

  test('live-disagrees-stapling and live-disagrees-client-auth: the audited Caddyfile staples (Caddy\'s default) and requires client certificates, the running one turns stapling off and asks for none', async () => {
    const conf = tmp.write('Caddyfile', caddyfile(strict.dir, lax.port, { stapling: true, clientAuth: true }));
    const [r] = await auditOne(conf, policy);
    assert.deepEqual(liveIds(r!).sort(), ['live-disagrees-client-auth', 'live-disagrees-stapling'], JSON.stringify(r, null, 1));
    const lines = readFileSync(conf, 'utf8').split('\n');
    const staple = r!.requirements['V9.2.4'].findings.find((f) => f.id === 'live-disagrees-stapling')!;
    assert.match(lines[staple.line - 1]!, /^\ttls /, 'points at the tls line (the certificate Caddy staples for)');
    const verify = r!.requirements['V9.2.1'].findings.find((f) => f.id === 'live-disagrees-client-auth')!;
    assert.match(lines[verify.line - 1]!, /client_auth/);
    assert.match(verify.message, /require_and_verify .* but .* (completes a handshake without a client certificate|does not ask for a client certificate)/);
  });

  test('the CLI: audit Caddyfile --live --policy reports the disagreement (exit 1) and prints one live line per listener', async () => {
    const policyFile = tmp.write('policy.yaml', `version: 1\ntrust:\n  cas: [${tmp.write('root.pem', pki.rootPem)}]\nrevocation:\n  mode: hard-fail\n  check: leaf\n`);
    const conf = tmp.write('cli.Caddyfile', caddyfile(strict.dir, lax.port, { stapling: false, clientAuth: true }));
    const r = await runCli(['audit', conf, '--live', '--policy', policyFile, '--format', 'text']);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`live 127\\.0\\.0\\.1:${lax.port} \\(SNI ${NAME.replaceAll('.', '\\.')}\\)`));
    assert.match(r.stdout, /live-disagrees-client-auth/);
    assert.doesNotMatch(r.stdout, /live-disagrees-stapling/, 'ocsp_stapling off in the audited file too: no stapling claim');
  });

  test('a site without bind (all addresses) is scanned on 127.0.0.1; live-unreachable where nothing answers', async () => {
    const wildcard = await auditOne(tmp.write('wild.Caddyfile', caddyfile(strict.dir, strict.port, { bind: false, stapling: true, clientAuth: true })), policy);
    assert.equal(wildcard[0]!.live![0]!.listen, `*:${strict.port}`);
    assert.equal(wildcard[0]!.live![0]!.address, '127.0.0.1');
    assert.deepEqual(liveIds(wildcard[0]!), []);
    const port = await freePort();
    const [down] = await auditOne(tmp.write('down.Caddyfile', caddyfile(strict.dir, port, { stapling: false, clientAuth: false })), policy);
    assert.deepEqual(liveIds(down!), ['live-unreachable']);
  });
});

/** A server.xml with one JSSE connector on 127.0.0.1:@PORT@ serving NAME from PEM files in @BASE@/conf. */
function serverXml(verification: 'none' | 'required'): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Server port="-1" shutdown="SHUTDOWN">',
    '  <Service name="Catalina">',
    // The one SSLHostConfig is named: Tomcat needs it named as the default too (else the connector fails to start).
    `    <Connector address="127.0.0.1" port="@PORT@" protocol="org.apache.coyote.http11.Http11NioProtocol" SSLEnabled="true" defaultSSLHostConfigName="${NAME}">`,
    `      <SSLHostConfig hostName="${NAME}" certificateVerification="${verification}" protocols="TLSv1.2+TLSv1.3">`,
    '        <Certificate certificateFile="@BASE@/conf/chain.pem" certificateKeyFile="@BASE@/conf/key.pem"/>',
    '      </SSLHostConfig>',
    '    </Connector>',
    '    <Engine name="Catalina" defaultHost="localhost"><Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false"/></Engine>',
    '  </Service>',
    '</Server>',
    '',
  ].join('\n');
}

describe('audit --live: a server.xml against the running Tomcat', { skip: !hasTomcat() && !CI && 'Tomcat 10 not installed (apt-get install tomcat10-common)', timeout: 240_000 }, () => {
  let pki: TestPki;
  let site: ServerIdentity;
  let policy: Policy;
  let tomcat: RunningServer;
  const tmp = tempDir('certwarden-audit-live-tomcat-');

  before(async () => {
    pki = await startTestPki('certwarden Audit Live Tomcat');
    site = pki.leaf(NAME);
    policy = loadPolicy({ version: 1, trust: { cas: [pki.rootPem] }, revocation: { mode: 'hard-fail', check: 'leaf' } }, { baseDir: process.cwd() });
    tomcat = await startTomcat({ serverXml: serverXml('none'), files: { 'conf/chain.pem': site.certChain, 'conf/key.pem': site.key } });
  });
  after(async () => {
    await tomcat?.stop();
    await pki?.stop();
    tmp.cleanup();
  });

  /** The running server.xml with its placeholders filled, under an audited CATALINA_BASE/conf. */
  function audited(name: string, verification: 'none' | 'required'): string {
    mkdirSync(join(tmp.dir, name, 'conf'), { recursive: true });
    return tmp.write(join(name, 'conf', 'server.xml'), serverXml(verification).replaceAll('@PORT@', String(tomcat.port)).replaceAll('@BASE@', tomcat.dir));
  }

  test('agreement: the running server.xml, scanned on the Connector address with SNI = hostName; disagreement: a server.xml that requires client certificates, with setenv.sh turning JSSE stapling on (live-disagrees-client-auth at the SSLHostConfig line, live-disagrees-stapling at the property)', async () => {
    const [same] = await auditOne(audited('same', 'none'), policy);
    assert.ok(same);
    assert.deepEqual(liveIds(same), [], JSON.stringify(same, null, 1));
    const live = same.live![0]!;
    assert.equal(live.status, 'scanned');
    assert.equal(live.serverName, NAME);
    assert.equal(live.address, '127.0.0.1');
    assert.equal(live.port, tomcat.port);
    assert.equal(live.line, 4, 'the Connector line');
    assert.equal(live.requirements!['V9.2.1'].status, 'pass', JSON.stringify(live.requirements));

    const conf = audited('strict', 'required');
    // This instance's JVM options turn JSSE stapling on; the running Tomcat was started without them.
    mkdirSync(join(tmp.dir, 'strict', 'bin'), { recursive: true });
    tmp.write(join('strict', 'bin', 'setenv.sh'), 'CATALINA_OPTS="$CATALINA_OPTS -Djdk.tls.server.enableStatusRequestExtension=true"\n');
    const [r] = await auditOne(conf, policy);
    assert.deepEqual(liveIds(r!).sort(), ['live-disagrees-client-auth', 'live-disagrees-stapling'], JSON.stringify(r, null, 1));
    const staple = r!.requirements['V9.2.4'].findings.find((x) => x.id === 'live-disagrees-stapling')!;
    assert.match(staple.file, /strict\/bin\/setenv\.sh$/, 'points at the JVM property');
    const f = r!.requirements['V9.2.1'].findings.find((x) => x.id === 'live-disagrees-client-auth')!;
    assert.match(readFileSync(conf, 'utf8').split('\n')[f.line - 1]!, /<SSLHostConfig .*certificateVerification="required"/);
    assert.match(f.message, /certificateVerification="required"/);
  });
});
