/**
 * Caddy fixes proven by Caddy itself: a weak Caddyfile and a weak JSON
 * configuration (stapling off, a proxy that skips backend verification,
 * optional and unverified client certificates) are audited with a policy, the
 * fixes applied as line edits, and `caddy validate` (which adapts and
 * provisions every app without serving) must accept both the weak and the
 * fixed file. No network: `auto_https off`, certificates minted here with no
 * OCSP URL (nothing to fetch), storage and HOME in a temporary folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';

const hasCaddy = spawnSync('caddy', ['version'], { stdio: 'ignore' }).status === 0;
/** `caddy validate` adapts and provisions in well under a second; this only stops a hung binary. */
const VALIDATE_TIMEOUT_MS = 30_000;
const FIXED_RULES = ['caddy-stapling-off', 'caddy-proxy-insecure-skip-verify', 'caddy-client-auth-optional', 'caddy-client-auth-unverified'];

describe('Caddy fixes: line edits that caddy validate accepts', { skip: !hasCaddy && 'caddy not installed (apt-get install caddy)' }, () => {
  const tmp = tempDir('certwarden-caddy-fix-');
  let policy: Policy;
  let dir: string;
  before(() => {
    dir = tmp.dir;
    const root = makeRoot('CN=Caddy Fix Root');
    const leaf = makeLeaf(root, 'api.caddy.test');
    tmp.write('ca.pem', root.certificate.toPem());
    tmp.write('cert.pem', leaf.certificate.toPem());
    tmp.write('key.pem', keyPem(leaf.privateKey));
    policy = loadPolicy(tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [ca.pem]\n'));
  });
  after(() => tmp.cleanup());

  function validate(file: string, adapter?: string): { ok: boolean; output: string } {
    const r = spawnSync('caddy', ['validate', ...(adapter ? ['--adapter', adapter] : []), '--config', file], {
      encoding: 'utf8',
      timeout: VALIDATE_TIMEOUT_MS,
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
    });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }
  const ids = (file: string): string[] => runAudit({ paths: [file], policy }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
  function fix(file: string): string {
    const run = runAudit({ paths: [file], policy });
    const [changed] = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
    assert.ok(changed, 'a file changed');
    return changed.after;
  }

  test('Caddyfile: ocsp_stapling off removed, tls_insecure_skip_verify replaced by tls_trusted_ca_certs, client_auth modes made require_and_verify; caddy validate accepts before and after; comments kept', () => {
    const weak = tmp.write('Caddyfile', [
      '# weak on purpose: the audit must fix it',
      '{',
      '\tauto_https off',
      '\tadmin off',
      '\tocsp_stapling off # turned off during an outage',
      `\tstorage file_system ${dir}/storage`,
      '}',
      '',
      'https://api.caddy.test:8443 {',
      '\tbind 127.0.0.1',
      `\ttls ${dir}/cert.pem ${dir}/key.pem {`,
      '\t\tclient_auth {',
      '\t\t\tmode verify_if_given',
      `\t\t\ttrusted_ca_cert_file ${dir}/ca.pem`,
      '\t\t}',
      '\t}',
      '\t# the backend has a certificate from the internal CA',
      '\treverse_proxy https://127.0.0.1:9443 {',
      '\t\ttransport http {',
      '\t\t\ttls_insecure_skip_verify',
      '\t\t}',
      '\t}',
      '}',
      '',
      'https://partner.caddy.test:8444 {',
      '\tbind 127.0.0.1',
      `\ttls ${dir}/cert.pem ${dir}/key.pem {`,
      '\t\tclient_auth {',
      '\t\t\tmode request',
      '\t\t}',
      '\t}',
      '\trespond "ok"',
      '}',
      '',
    ].join('\n'));
    const v0 = validate(weak, 'caddyfile');
    assert.ok(v0.ok, v0.output);
    const before = ids(weak);
    for (const id of FIXED_RULES) assert.ok(before.includes(id), `${id} fired before: ${before.join(', ')}`);
    const text = fix(weak);
    assert.ok(!text.includes('ocsp_stapling'));
    assert.match(text, /\n\t\t\ttls_trusted_ca_certs .*\/ca\.pem\n/);
    assert.match(text, /\n\t\t\tmode require_and_verify\n\t\t\ttrusted_ca_cert_file .*\/ca\.pem\n\t\t\}\n\t\}\n\trespond/);
    assert.match(text, /# the backend has a certificate from the internal CA/);
    const fixed = tmp.write('Caddyfile.fixed', text);
    const v1 = validate(fixed, 'caddyfile');
    assert.ok(v1.ok, `${v1.output}\n${text}`);
    const after = ids(tmp.write('fixed.caddyfile', text));
    for (const id of FIXED_RULES) assert.ok(!after.includes(id), `${id} still fires: ${after.join(', ')}`);
    // Text only: Caddy 2.6 has no CRL or OCSP check for client certificates.
    assert.ok(after.includes('caddy-client-revocation-unavailable'));
  });

  test('JSON: the disable_ocsp_stapling and insecure_skip_verify members removed (root_ca_pem_files from the policy), mode verify_if_given made require_and_verify; caddy validate accepts before and after', () => {
    const config = {
      admin: { disabled: true },
      storage: { module: 'file_system', root: `${dir}/storage` },
      apps: {
        tls: { disable_ocsp_stapling: true, certificates: { load_files: [{ certificate: `${dir}/cert.pem`, key: `${dir}/key.pem` }] } },
        http: {
          servers: {
            api: {
              listen: ['127.0.0.1:8443'],
              automatic_https: { disable: true },
              tls_connection_policies: [{ client_authentication: { mode: 'verify_if_given', trusted_ca_certs_pem_files: [`${dir}/ca.pem`] } }],
              routes: [{ handle: [{ handler: 'reverse_proxy', transport: { protocol: 'http', tls: { insecure_skip_verify: true, server_name: 'backend.caddy.test' } }, upstreams: [{ dial: '127.0.0.1:9443' }] }] }],
            },
          },
        },
      },
    };
    const weak = tmp.write('caddy.json', `${JSON.stringify(config, null, 2)}\n`);
    const v0 = validate(weak);
    assert.ok(v0.ok, v0.output);
    const before = ids(weak);
    for (const id of ['caddy-stapling-off', 'caddy-proxy-insecure-skip-verify', 'caddy-client-auth-optional']) assert.ok(before.includes(id), `${id} fired before: ${before.join(', ')}`);
    const text = fix(weak);
    const parsed = JSON.parse(text);
    assert.equal(parsed.apps.tls.disable_ocsp_stapling, undefined);
    assert.deepEqual(parsed.apps.http.servers.api.routes[0].handle[0].transport.tls, { root_ca_pem_files: [`${dir}/ca.pem`], server_name: 'backend.caddy.test' });
    assert.equal(parsed.apps.http.servers.api.tls_connection_policies[0].client_authentication.mode, 'require_and_verify');
    const fixed = tmp.write('caddy.fixed.json', text);
    const v1 = validate(fixed);
    assert.ok(v1.ok, `${v1.output}\n${text}`);
    const after = ids(fixed);
    for (const id of ['caddy-stapling-off', 'caddy-proxy-insecure-skip-verify', 'caddy-client-auth-optional']) assert.ok(!after.includes(id), `${id} still fires: ${after.join(', ')}`);
  });

  test('no edit where the setting is the last JSON member (deleting it would leave a dangling comma)', () => {
    const weak = tmp.write('last.json', `${JSON.stringify({ apps: { tls: { certificates: {}, disable_ocsp_stapling: true } } }, null, 2)}\n`);
    const run = runAudit({ paths: [weak], policy });
    assert.ok(run.report.results[0]!.requirements['V9.2.4'].findings.some((f) => f.id === 'caddy-stapling-off'));
    assert.deepEqual(applyEdits(run.edits, run.load.texts, run.load.diskPaths), []);
  });
});

test('an empty client_authentication block is reported as asking for no client certificate (Caddy leaves it inactive), not as an unverified one', () => {
  const dir = tempDir('certwarden-caddy-empty-client-auth-');
  const file = dir.write('caddy.json', JSON.stringify({ apps: { http: { servers: { srv0: { listen: [':8443'], routes: [], tls_connection_policies: [{ client_authentication: {} }] } } } } }, null, 2));
  try {
    const findings = runAudit({ paths: [file] }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings));
    const f = findings.find((x) => x.id === 'caddy-client-auth-unverified');
    assert.ok(f, 'still a V9.2.1 failure');
    assert.match(f.message, /does not ask for a client certificate at all/);
  } finally {
    dir.cleanup();
  }
});
