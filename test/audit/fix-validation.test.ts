/**
 * Fixes proven by the servers themselves: a weak configuration that the real
 * binary accepts is audited with a policy, the fixes are applied as line
 * edits, and the fixed file must pass `nginx -t`, `apache2 -t` and
 * `haproxy -c`, keep every comment, and no longer fire the rules it fixed.
 * Certificates are minted here; nothing listens (the binaries only check).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadPolicy } from '../../src/policy/load.ts';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

/** A configuration check of nginx/apache/haproxy takes well under a second; this only stops a hung binary. */
const CHECK_TIMEOUT_MS = 30_000;

function check(command: string, args: string[], env: Record<string, string> = {}): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS, env: { ...process.env, ...env } });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function ids(path: string, policy: Policy): string[] {
  return runAudit({ paths: [path], policy }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
}

/** Audit `path`, apply every fix, write the result next to it, and return the fixed path and the rules that had edits. */
function fix(path: string, policy: Policy, fixedName: string): { fixed: string; before: string[]; text: string } {
  const run = runAudit({ paths: [path], policy });
  const changed = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
  assert.equal(changed.length, 1, 'one file changed');
  const fixed = path.replace(/[^/]+$/, fixedName);
  const text = changed[0]!.after;
  writeFileSync(fixed, text);
  return { fixed, before: ids(path, policy), text };
}

describe('audit fixes pass the real servers\' configuration checks', () => {
  const tmp = tempDir('certwarden-audit-fix-');
  let policy: Policy;
  let dir: string;
  before(() => {
    dir = tmp.dir;
    const root = makeRoot('CN=Audit Fix Root');
    const leaf = makeLeaf(root, 'www.audit.test', { ocspUrls: ['http://127.0.0.1:9/ocsp'] });
    tmp.write('root.pem', root.certificate.toPem());
    tmp.write('chain.pem', leaf.certificate.toPem());
    tmp.write('key.pem', keyPem(leaf.privateKey));
    tmp.write('site.pem', leaf.certificate.toPem() + keyPem(leaf.privateKey));
    tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n');
    policy = loadPolicy(`${dir}/policy.yaml`);
  });
  after(() => tmp.cleanup());

  test('nginx: stapling, client verification and a TLS upstream fixed; nginx -t accepts before and after', { skip: !existsSync('/usr/sbin/nginx') && 'nginx not installed' }, () => {
    const conf = tmp.write(
      'nginx.conf',
      [
        '# weak on purpose: the audit must fix it',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events { worker_connections 64; }',
        'http {',
        '    access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t}_temp;`),
        '    upstream backend_up { server 127.0.0.1:9; }',
        '    server {',
        '        listen 127.0.0.1:8443 ssl;',
        '        server_name www.audit.test;',
        `        ssl_certificate ${dir}/chain.pem;`,
        `        ssl_certificate_key ${dir}/key.pem;`,
        '        ssl_stapling off;   # turned on by the fix',
        '        ssl_verify_client optional_no_ca;',
        '        location /api {',
        '            proxy_ssl_name backend.audit.test;',
        '            proxy_pass https://backend_up;',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const t0 = check('/usr/sbin/nginx', ['-t', '-p', dir, '-c', conf]);
    assert.ok(t0.ok, t0.output);
    const { fixed, before, text } = fix(conf, policy, 'nginx.fixed.conf');
    for (const id of ['nginx-stapling-off', 'nginx-stapling-verify-off', 'nginx-stapling-trusted-certificate-missing', 'nginx-client-verify-optional-no-ca', 'nginx-client-ca-missing', 'nginx-client-revocation-missing', 'nginx-upstream-verify-off', 'nginx-upstream-trust-missing', 'nginx-upstream-sni-off']) assert.ok(before.includes(id), `${id} fired before`);
    assert.ok(text.startsWith('# weak on purpose'));
    assert.match(text, /ssl_stapling on; # turned on by the fix/);
    const t1 = check('/usr/sbin/nginx', ['-t', '-p', dir, '-c', fixed]);
    assert.ok(t1.ok, `${t1.output}\n${text}`);
    const after = ids(fixed, policy);
    assert.deepEqual(after.filter((id) => id.startsWith('nginx-')), [], `still firing: ${after.join(', ')}`);
  });

  test('Apache: stapling with its cache, client verification with revocation, a verified proxy; apache2 -t accepts before and after', { skip: !existsSync('/usr/sbin/apache2') && 'apache2 not installed' }, () => {
    const modules = '/usr/lib/apache2/modules';
    const conf = tmp.write(
      'httpd.conf',
      [
        '# weak on purpose: the audit must fix it',
        `ServerRoot ${dir}`,
        `DefaultRuntimeDir ${dir}`,
        `PidFile ${dir}/httpd.pid`,
        `ErrorLog ${dir}/apache-error.log`,
        'ServerName localhost',
        ...['mpm_event', 'authz_core', 'socache_shmcb', 'ssl', 'proxy', 'proxy_http'].map((m) => `LoadModule ${m}_module ${modules}/mod_${m}.so`),
        'Listen 127.0.0.1:8444',
        '<IfModule mod_ssl.c>',
        '<VirtualHost 127.0.0.1:8444>',
        '    ServerName www.audit.test',
        '    SSLEngine on',
        `    SSLCertificateFile ${dir}/chain.pem`,
        `    SSLCertificateKeyFile ${dir}/key.pem`,
        '    SSLVerifyClient optional_no_ca',
        '    SSLProxyEngine on',
        '    SSLProxyCheckPeerName off',
        '    ProxyPass /api https://127.0.0.1:9/',
        '</VirtualHost>',
        '</IfModule>',
        '',
      ].join('\n'),
    );
    const env = { APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir, APACHE_PID_FILE: `${dir}/httpd.pid`, APACHE_RUN_USER: 'root', APACHE_RUN_GROUP: 'root' };
    const t0 = check('/usr/sbin/apache2', ['-t', '-f', conf], env);
    assert.ok(t0.ok, t0.output);
    const { fixed, before, text } = fix(conf, policy, 'httpd.fixed.conf');
    for (const id of ['apache-stapling-off', 'apache-stapling-cache-missing', 'apache-client-verify-optional-no-ca', 'apache-client-ca-missing', 'apache-client-revocation-missing', 'apache-proxy-verify-off', 'apache-proxy-ca-missing', 'apache-proxy-peer-name-off']) assert.ok(before.includes(id), `${id} fired before`);
    assert.ok(text.startsWith('# weak on purpose'));
    const t1 = check('/usr/sbin/apache2', ['-t', '-f', fixed], env);
    assert.ok(t1.ok, `${t1.output}\n${text}`);
    const after = ids(fixed, policy);
    assert.deepEqual(after.filter((id) => id.startsWith('apache-')), [], `still firing: ${after.join(', ')}`);
  });

  test('HAProxy: global and per-server verification, client verification; haproxy -c accepts before and after', { skip: !existsSync('/usr/sbin/haproxy') && 'haproxy not installed' }, () => {
    const conf = tmp.write(
      'haproxy.cfg',
      [
        '# weak on purpose: the audit must fix it',
        'global',
        '    ssl-server-verify none   # fixed to required',
        'defaults',
        '    mode http',
        '    timeout client 5s',
        '    timeout server 5s',
        '    timeout connect 5s',
        'frontend web',
        `    bind 127.0.0.1:8445 ssl crt ${dir}/site.pem verify optional ca-file ${dir}/root.pem`,
        '    default_backend app',
        'backend app',
        '    server s1 127.0.0.1:9 ssl verify none',
        '    server s2 127.0.0.1:10 ssl',
        '',
      ].join('\n'),
    );
    const t0 = check('/usr/sbin/haproxy', ['-c', '-f', conf]);
    assert.ok(t0.ok, t0.output);
    const { fixed, before, text } = fix(conf, policy, 'haproxy.fixed.cfg');
    for (const id of ['haproxy-global-server-verify-none', 'haproxy-bind-verify-optional', 'haproxy-server-verify-none']) assert.ok(before.includes(id), `${id} fired before`);
    assert.match(text, /ssl-server-verify required {3}# fixed to required/);
    const t1 = check('/usr/sbin/haproxy', ['-c', '-f', fixed]);
    assert.ok(t1.ok, `${t1.output}\n${text}`);
    const after = ids(fixed, policy);
    for (const id of ['haproxy-global-server-verify-none', 'haproxy-bind-verify-optional', 'haproxy-server-verify-none', 'haproxy-server-ca-missing']) assert.ok(!after.includes(id), `${id} still fires: ${after.join(', ')}\n${text}`);
    // No automatic fix: a CRL and an OCSP response must come from the CA.
    assert.ok(after.includes('haproxy-bind-crl-missing') && after.includes('haproxy-stapling-missing'));
  });
});
