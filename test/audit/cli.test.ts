/**
 * `certwarden audit` as a user runs it: formats, exit codes, the JSON report
 * against its published schema, includes (missing, cyclic, nginx -T), parse
 * errors as typed results, and the three fix modes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { schemaAjv } from '../helpers/ajv.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/pki.ts';
import { projectRoot } from '../helpers/shared.ts';
import { ALL_RULES } from '../../src/audit/rules/registry.ts';
import { runAudit } from '../../src/audit/run.ts';
import { SUPPORTED_DIALECTS } from '../../src/audit/dialects.ts';
import type { AuditReport } from '../../src/audit/report.ts';

const FIX = join(import.meta.dirname, 'fixtures');
const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'audit-report.schema.json'), 'utf8'));
const validate = schemaAjv({ allErrors: true }).compile<AuditReport>(schema);

describe('certwarden audit CLI', () => {
  const tmp = tempDir('certwarden-audit-cli-');
  after(() => tmp.cleanup());

  test('JSON report validates against schema/audit-report.schema.json; findings exit 1, --fail-on critical exits 0', async () => {
    const r = await runCli(['audit', join(FIX, 'nginx'), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as AuditReport;
    assert.ok(validate(j), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(j.version, 1);
    assert.ok(j.results.length > 20);
    const quiet = await runCli(['audit', join(FIX, 'nginx'), '--fail-on', 'critical']);
    assert.equal(quiet.code, 0, quiet.stderr);
  });

  test('the schema lists exactly the registry\'s rule ids', () => {
    assert.deepEqual([...schema.definitions.finding.properties.id.enum].sort(), ALL_RULES.map((r) => r.id).sort());
  });

  test('the schema\'s dialect enum is exactly the audited dialects (and unknown)', () => {
    assert.deepEqual(schema.properties.results.items.properties.dialect.enum, [...SUPPORTED_DIALECTS, 'unknown']);
  });

  test('--live without --policy, --live-resolve without --live or malformed are clear CW_ERR_USAGE (exit 2); an unknown dialect is a usage error', async () => {
    const r = await runCli(['audit', join(FIX, 'nginx'), '--live']);
    assertOneLineError(r, 'CW_ERR_USAGE');
    assert.match(r.stderr, /--live needs --policy/);
    assert.match((await runCli(['audit', join(FIX, 'nginx'), '--live-resolve', 'a.test:443:127.0.0.1'])).stderr, /give --live too/);
    const bad = await runCli(['audit', join(FIX, 'nginx'), '--live', '--policy', 'x.yaml', '--live-resolve', 'a.test:443:not-an-ip']);
    assertOneLineError(bad, 'CW_ERR_USAGE');
    assert.match(bad.stderr, /--live-resolve/);
    assertOneLineError(await runCli(['audit', join(FIX, 'nginx'), '--dialect', 'iis']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['audit']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['audit', join(FIX, 'nginx'), '--diff', '--write']), 'CW_ERR_USAGE');
  });

  test('a file that cannot be parsed is a result in error with CW_ERR_CONFIG_PARSE, file and line (exit 2, no stack)', async () => {
    const bad = tmp.write('broken.conf', 'http {\n  server {\n    listen 443 ssl;\n');
    const r = await runCli(['audit', bad, '--dialect', 'nginx', '--format', 'json']);
    assert.equal(r.code, 2, r.stderr);
    const j = JSON.parse(r.stdout) as AuditReport;
    assert.ok(validate(j));
    const first = j.results[0]!;
    assert.equal(first.requirements['V9.2.1'].status, 'error');
    assert.match(first.requirements['V9.2.1'].reason ?? '', /CW_ERR_CONFIG_PARSE: .*broken\.conf:2: /);
    assert.equal(first.line, 2);
  });

  test('a missing include is a finding, an include cycle is bounded and reported', () => {
    const dir = tempDir('certwarden-audit-inc-');
    try {
      dir.write('a.conf', 'include b.conf;\ninclude missing/*.conf;\ninclude gone.conf;\nserver { listen 443 ssl; ssl_stapling on; }\n');
      dir.write('b.conf', 'include a.conf;\n');
      const { report } = runAudit({ paths: [`${dir.dir}/a.conf`], dialect: 'nginx' });
      const found = report.results.flatMap((r) => r.requirements['V9.2.1'].findings).filter((f) => f.id === 'include-missing');
      assert.ok(found.some((f) => /cycle/.test(f.message)), JSON.stringify(found));
      assert.ok(found.some((f) => /gone\.conf: no such file/.test(f.message)), JSON.stringify(found));
      assert.ok(!found.some((f) => /missing\/\*/.test(f.message)), 'a glob that matches nothing is not an error (nginx accepts it)');
    } finally {
      dir.cleanup();
    }
  });

  test('nginx -T output is one input: its files are split, includes resolved inside it, lines are the dump\'s', () => {
    const dump = [
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
      'nginx: configuration file /etc/nginx/nginx.conf test is successful',
      '# configuration file /etc/nginx/nginx.conf:',
      'http {',
      '    include /etc/nginx/conf.d/*.conf;',
      '}',
      '',
      '# configuration file /etc/nginx/conf.d/api.conf:',
      'server {',
      '    listen 443 ssl;',
      '    server_name api.internal;',
      '    ssl_certificate /etc/ssl/api.pem;',
      '    location / { proxy_pass https://10.1.2.3; }',
      '}',
      '',
    ].join('\n');
    const path = tmp.write('nginx-T.txt', dump);
    const { report } = runAudit({ paths: [path], dialect: 'nginx' });
    assert.equal(report.results.length, 1);
    assert.equal(report.results[0]!.target, `${path}:9 server api.internal:443`);
    const v = report.results[0]!.requirements['V9.2.1'].findings.find((f) => f.id === 'nginx-upstream-verify-off')!;
    assert.equal(v.line, 13);
    assert.equal(v.file, path);
  });

  test('text output escapes control characters from the configuration', async () => {
    const path = tmp.write('evil.conf', 'server {\n    listen 443 ssl;\n    server_name "a\x1b[8mhidden\nverdict: PASS";\n}\n');
    const r = await runCli(['audit', path, '--dialect', 'nginx']);
    assert.ok(!r.stdout.includes('\x1b'), 'raw escape printed');
    assert.match(r.stdout, /a\\e\[8mhidden\\nverdict: PASS/);
  });

  test('SARIF: physical location on the config line and a partialFingerprint per result', async () => {
    const r = await runCli(['audit', join(FIX, 'haproxy', 'haproxy-server-verify-none.cfg'), '--format', 'sarif']);
    const sarif = JSON.parse(r.stdout);
    const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'haproxy-server-verify-none');
    assert.equal(res.locations[0].physicalLocation.region.startLine, 9);
    assert.match(res.locations[0].physicalLocation.artifactLocation.uri, /haproxy-server-verify-none\.cfg$/);
    assert.match(res.partialFingerprints['certwardenAudit/v1'], /^[0-9a-f]{32}$/);
    assert.ok(sarif.runs[0].tool.driver.rules.some((x: { id: string; helpUri: string }) => x.id === 'haproxy-server-verify-none' && x.helpUri.startsWith('https://docs.haproxy.org')));
  });

  test('junit and html render every result', async () => {
    const junit = await runCli(['audit', join(FIX, 'apache'), '--format', 'junit']);
    assert.match(junit.stdout, /<testsuites name="certwarden audit"/);
    assert.match(junit.stdout, /<failure type="apache-stapling-off"/);
    const html = await runCli(['audit', join(FIX, 'apache'), '--format', 'html']);
    assert.match(html.stdout, /^<!doctype html>/);
    assert.ok(!/<script/i.test(html.stdout));
  });

  test('--write through a symbolic link (sites-enabled → sites-available) edits the target and keeps the link', async () => {
    const target = tmp.write('site-available.conf', 'server {\n    listen 443 ssl;\n}\n');
    const link = join(tmp.dir, 'site-enabled.conf');
    symlinkSync(target, link);
    const r = await runCli(['audit', link, '--dialect', 'nginx', '--write']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.match(readFileSync(target, 'utf8'), /ssl_stapling on;/);
  });

  test('--diff prints a unified diff; --fix DIR writes DIR/its-name; --write edits in place and keeps a backup; comments stay', async () => {
    const src = '# upstream for the API\nserver {\n    listen 80;\n    location / {\n        proxy_pass https://api.internal; # keep me\n    }\n}\n';
    const path = tmp.write('proxy.conf', src);
    const diff = await runCli(['audit', path, '--dialect', 'nginx', '--diff']);
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^--- \/.*proxy\.conf\n\+\+\+ \/.*proxy\.conf\n@@ -2,6 \+2,8 @@\n server \{\n/);
    assert.match(diff.stdout, /\n\+        proxy_ssl_verify on;\n\+        proxy_ssl_server_name on;\n         proxy_pass https:\/\/api.internal; # keep me\n/);
    const out = `${tmp.dir}/fixed`;
    const fix = await runCli(['audit', path, '--dialect', 'nginx', '--fix', out]);
    assert.equal(fix.code, 1);
    const fixed = readFileSync(`${out}/proxy.conf`, 'utf8');
    assert.ok(fixed.startsWith('# upstream for the API\n') && fixed.includes('# keep me'));
    assert.equal(readFileSync(path, 'utf8'), src, '--fix must not touch the input');
    chmodSync(path, 0o640);
    const write = await runCli(['audit', path, '--dialect', 'nginx', '--write']);
    assert.equal(statSync(path).mode & 0o777, 0o640, '--write keeps the file mode');
    assert.equal(write.code, 1);
    assert.equal(readFileSync(path, 'utf8'), fixed);
    assert.equal(readFileSync(`${path}.certwarden-bak`, 'utf8'), src);
    assert.ok(existsSync(`${path}.certwarden-bak`));
  });
});
