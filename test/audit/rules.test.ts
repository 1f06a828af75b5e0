/**
 * Every rule proven both ways, gixy style: fixtures/<dialect>/<rule-id>.conf
 * must fire the rule, <rule-id>_fp.conf must not. The registry is checked
 * against the fixtures so a rule cannot be added without both.
 */
import { after, test, describe } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import { ALL_RULES, APACHE_RULES, AWS_ELB_RULES, CADDY_RULES, CODE_RULES, ENVOY_RULES, HAPROXY_RULES, NGINX_RULES, TOMCAT_RULES } from '../../src/audit/rules/registry.ts';
import type { Dialect } from '../../src/audit/dialects.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const EXT: Record<Dialect, string> = { nginx: 'conf', apache: 'conf', haproxy: 'cfg', tomcat: 'xml', code: 'ts', envoy: 'yaml', caddy: 'json', 'aws-elb': 'json' };

/** A fixture is `<name>.<ext>`; dialects whose rules read several files (Tomcat: server.xml and bin/setenv.sh) may use `<name>.<other ext>` or a folder `<name>/`. */
function fixture(dialect: Dialect, name: string): string {
  const dir = join(FIXTURES, dialect);
  const preferred = join(dir, `${name}.${EXT[dialect]}`);
  if (existsSync(preferred) || !existsSync(dir)) return preferred;
  const other = readdirSync(dir).find((n) => n === name || (n.startsWith(`${name}.`) && !n.slice(name.length + 1).includes('.')));
  return other ? join(dir, other) : preferred;
}

/** A policy that trusts only the organisation's CA (`system: false`): code-client-default-trust judges against it. */
let internal: Policy | undefined;
const tmp = tempDir('certwarden-audit-rules-');
after(() => tmp.cleanup());
function internalPolicy(): Policy {
  if (!internal) {
    tmp.write('org.pem', makeRoot('CN=Org Root').certificate.toPem());
    internal = loadPolicy(tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [org.pem]\n  system: false\n'));
  }
  return internal;
}
const hasPython = spawnSync('python3', ['-c', ''], { stdio: 'ignore' }).status === 0;
const hasCaddy = spawnSync('caddy', ['version'], { stdio: 'ignore' }).status === 0;

function ids(file: string, dialect: Dialect): string[] {
  const { report } = runAudit({ paths: [file], dialect, ...(dialect === 'code' ? { policy: internalPolicy() } : {}) });
  return report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
}

describe('audit rules fire on their fixture and stay silent on the _fp one', () => {
  for (const [dialect, rules] of [['nginx', NGINX_RULES], ['apache', APACHE_RULES], ['haproxy', HAPROXY_RULES], ['tomcat', TOMCAT_RULES], ['code', CODE_RULES], ['envoy', ENVOY_RULES], ['caddy', CADDY_RULES], ['aws-elb', AWS_ELB_RULES]] as const) {
    for (const rule of rules) {
      const fires = fixture(dialect, rule.id);
      const silent = fixture(dialect, `${rule.id}_fp`);
      const needs = (ext: string): boolean => fires.endsWith(ext) || silent.endsWith(ext);
      const skip = !hasPython && needs('.py') ? 'python3 not installed' : !hasCaddy && needs('.caddyfile') ? 'caddy not installed (apt-get install caddy)' : false;
      test(`${rule.id} fires on ${basename(fires)}`, { skip }, () => {
        assert.ok(existsSync(fires), `missing fixture ${fires}`);
        assert.ok(ids(fires, dialect).includes(rule.id), `${rule.id} did not fire`);
      });
      test(`${rule.id} is silent on ${basename(silent)}`, { skip }, () => {
        assert.ok(existsSync(silent), `missing fixture ${silent}`);
        assert.ok(!ids(silent, dialect).includes(rule.id), `${rule.id} fired on a false-positive fixture`);
        // Silence must come from the rule, not from a file that could not be read.
        const { report } = runAudit({ paths: [silent], dialect });
        assert.ok(report.results.every((r) => r.requirements['V9.2.1'].status !== 'error'), JSON.stringify(report.results.map((r) => r.requirements['V9.2.1'].reason)));
      });
    }
  }
});

test('rule ids are unique, each declares a requirement, a severity, a fix and a vendor source', () => {
  const seen = new Set<string>();
  for (const r of ALL_RULES) {
    assert.ok(!seen.has(r.id), `duplicate rule id ${r.id}`);
    seen.add(r.id);
    assert.match(r.id, /^[a-z0-9-]+$/);
    assert.ok(r.fix.length > 10 && r.title.length > 10, r.id);
    assert.match(r.source, /^https:\/\//, r.id);
  }
});

test('findings carry file, line and fix; the finding points at the directive', () => {
  const { report } = runAudit({ paths: [join(FIXTURES, 'nginx', 'nginx-client-verify-optional-no-ca.conf')], dialect: 'nginx' });
  const f = report.results[0]!.requirements['V9.2.1'].findings.find((x) => x.id === 'nginx-client-verify-optional-no-ca')!;
  assert.equal(f.line, 6);
  assert.equal(f.file, join(FIXTURES, 'nginx', 'nginx-client-verify-optional-no-ca.conf'));
  assert.ok(f.fix.includes('ssl_verify_client on'));
  assert.equal(report.results[0]!.target, `${f.file}:1 server api.internal:443`);
});
