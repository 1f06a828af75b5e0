/**
 * The code dialect beyond the rule fixtures: deployment files (env files,
 * Kubernetes and Compose YAML), syntax errors as typed results with their
 * line, a missing python3 as an error (never a pass), and walks.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import type { AuditReport } from '../../src/audit/report.ts';
import { tempDir } from '../helpers/pki.ts';

const hasPython = spawnSync('python3', ['-c', ''], { stdio: 'ignore' }).status === 0;

function hits(report: AuditReport): string[] {
  return report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => `${f.id}@${f.line}`)));
}

describe('audit code and deployment files', () => {
  const tmp = tempDir('certwarden-audit-code-');
  after(() => tmp.cleanup());
  const audit = (name: string, text: string): AuditReport => runAudit({ paths: [tmp.write(name, text)] }).report;

  test('a Kubernetes Deployment setting NODE_TLS_REJECT_UNAUTHORIZED to "0" fires code-env-verify-off at the env entry; "1" is silent', () => {
    const manifest = (v: string): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api:1\n          env:\n            - name: LOG_LEVEL\n              value: info\n            - name: NODE_TLS_REJECT_UNAUTHORIZED\n              value: "${v}"\n`;
    assert.deepEqual(hits(audit('deploy.yaml', manifest('0'))), ['code-env-verify-off@14']);
    assert.deepEqual(hits(audit('deploy-ok.yaml', manifest('1'))), []);
  });

  test('Compose environment (map and list) and .env files fire; comments do not', () => {
    assert.deepEqual(hits(audit('compose.yml', 'services:\n  api:\n    environment:\n      PYTHONHTTPSVERIFY: "0"\n  web:\n    environment:\n      - NODE_TLS_REJECT_UNAUTHORIZED=0\n')), ['code-env-verify-off@4', 'code-env-verify-off@7']);
    assert.deepEqual(hits(audit('.env', '# NODE_TLS_REJECT_UNAUTHORIZED=0\nexport NODE_TLS_REJECT_UNAUTHORIZED="0"\n')), ['code-env-verify-off@2']);
  });

  test('process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0" in JavaScript fires; reading it does not', () => {
    assert.deepEqual(hits(audit('boot.js', 'const v = process.env.NODE_TLS_REJECT_UNAUTHORIZED;\nprocess.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";\n')), ['code-env-verify-off@2']);
  });

  test('a JS/TS syntax error is a result in error (CW_ERR_CONFIG_PARSE) with its line', () => {
    const r = audit('broken.ts', 'const a = 1;\nconst b = {;\n');
    assert.equal(r.results[0]!.requirements['V9.2.1'].status, 'error');
    assert.match(r.results[0]!.requirements['V9.2.1'].reason ?? '', /CW_ERR_CONFIG_PARSE: .*broken\.ts:2: syntax error/);
  });

  test('a Python syntax error is a result in error with its line', { skip: !hasPython && 'python3 not installed' }, () => {
    const r = audit('broken.py', 'import ssl\n\ndef f(:\n    pass\n');
    assert.match(r.results[0]!.requirements['V9.2.1'].reason ?? '', /broken\.py:3: syntax error/);
  });

  test('without python3 a Python file is an error result, never a pass', () => {
    const path = tmp.write('nopython.py', 'import requests\nrequests.get("https://x", verify=False)\n');
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const r = runAudit({ paths: [path] }).report;
      assert.equal(r.results[0]!.requirements['V9.2.1'].status, 'error');
      assert.match(r.results[0]!.requirements['V9.2.1'].reason ?? '', /python3 is not installed/);
    } finally {
      process.env.PATH = saved;
    }
  });

  test('a walked folder audits source files only with --dialect code, and never node_modules', () => {
    mkdirSync(join(tmp.dir, 'proj', 'node_modules', 'dep'), { recursive: true });
    tmp.write('proj/app.ts', 'export const o = { rejectUnauthorized: false };\n');
    tmp.write('proj/node_modules/dep/index.js', 'module.exports = { rejectUnauthorized: false };\n');
    const dir = join(tmp.dir, 'proj');
    assert.deepEqual(hits(runAudit({ paths: [dir], dialect: 'code' }).report), ['code-node-reject-unauthorized-false@1']);
    assert.equal(runAudit({ paths: [dir] }).report.results.length, 0);
  });
});
