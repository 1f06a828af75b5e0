/**
 * Trust stores named by configurations, classified against the policy with
 * certificates minted at test time: the organisation's anchor, a public root
 * (one of Node's tls.rootCertificates), and a CA nobody declared.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { loadPolicy } from '../../src/policy/load.ts';
import { runAudit } from '../../src/audit/run.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';

describe('audit trust stores', () => {
  const tmp = tempDir('certwarden-audit-trust-');
  let strict: ReturnType<typeof loadPolicy>;
  let open: ReturnType<typeof loadPolicy>;
  before(() => {
    tmp.write('org.pem', makeRoot('CN=Org Root').certificate.toPem());
    tmp.write('foreign.pem', makeRoot('CN=Someone Else Root').certificate.toPem());
    tmp.write('public.pem', rootCertificates.slice(0, 3).join('\n'));
    tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [org.pem]\n  system: false\n');
    tmp.write('policy-system.yaml', 'version: 1\ntrust:\n  cas: [org.pem]\n  system: true\n');
    strict = loadPolicy(`${tmp.dir}/policy.yaml`);
    open = loadPolicy(`${tmp.dir}/policy-system.yaml`);
  });
  after(() => tmp.cleanup());

  const client = (ca: string): string => `server {\n    listen 443 ssl;\n    ssl_certificate x.pem;\n    ssl_stapling on;\n    ssl_verify_client on;\n    ssl_client_certificate ${ca};\n    ssl_crl c.crl;\n}\n`;
  const upstream = (ca: string): string => `server {\n    listen 80;\n    location / {\n        proxy_ssl_verify on;\n        proxy_ssl_trusted_certificate ${ca};\n        proxy_pass https://app.internal;\n    }\n}\n`;
  function ids(conf: string, policy?: ReturnType<typeof loadPolicy>): string[] {
    const path = tmp.write(`case-${Math.random().toString(36).slice(2)}.conf`, conf);
    const { report } = runAudit({ paths: [path], dialect: 'nginx', ...(policy ? { policy } : {}) });
    return report.results.flatMap((r) => r.requirements['V9.2.1'].findings.map((f) => f.id));
  }

  test('trust-store-unreadable fires on a CA file that does not exist, silent on a readable one', () => {
    assert.ok(ids(client('/nonexistent/ca.pem')).includes('trust-store-unreadable'));
    assert.ok(!ids(client(`${tmp.dir}/org.pem`), strict).includes('trust-store-unreadable'));
  });
  test('trust-store-public-root-client fires when the client CA file holds public roots, with or without a policy', () => {
    assert.ok(ids(client(`${tmp.dir}/public.pem`)).includes('trust-store-public-root-client'));
    assert.ok(ids(client(`${tmp.dir}/public.pem`), open).includes('trust-store-public-root-client'));
    assert.ok(!ids(client(`${tmp.dir}/org.pem`), strict).includes('trust-store-public-root-client'));
  });
  test('trust-store-public-root-not-allowed fires on public roots for an upstream when the policy has system: false only', () => {
    assert.ok(ids(upstream(`${tmp.dir}/public.pem`), strict).includes('trust-store-public-root-not-allowed'));
    assert.ok(!ids(upstream(`${tmp.dir}/public.pem`), open).includes('trust-store-public-root-not-allowed'));
  });
  test('trust-store-foreign-ca fires on a CA the policy does not know, silent on the policy anchor', () => {
    assert.ok(ids(upstream(`${tmp.dir}/foreign.pem`), strict).includes('trust-store-foreign-ca'));
    const quiet = ids(upstream(`${tmp.dir}/org.pem`), strict);
    assert.ok(!quiet.includes('trust-store-foreign-ca') && !quiet.includes('trust-store-unclassified'), quiet.join());
  });
  test('without a policy a non-public CA is reported unclassified (never taken for the organisation\'s own)', () => {
    assert.ok(ids(upstream(`${tmp.dir}/org.pem`)).includes('trust-store-unclassified'));
    assert.ok(!ids(upstream(`${tmp.dir}/org.pem`), strict).includes('trust-store-unclassified'));
  });
  test('HAProxy ca-file @system-ca on a verifying bind is the OS bundle: public roots for client certificates', () => {
    const path = tmp.write('h.cfg', 'frontend f\n    bind :443 ssl crt site.pem verify required ca-file @system-ca crl-file c.crl\n');
    const { report } = runAudit({ paths: [path] });
    assert.ok(report.results[0]!.requirements['V9.2.1'].findings.some((f) => f.id === 'trust-store-public-root-client'));
  });
});
