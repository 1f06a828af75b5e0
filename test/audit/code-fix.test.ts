/**
 * Fixes for source and deployment files: what turns verification off is
 * taken out of its line (or the line deleted when it holds nothing else),
 * everything else stays byte for byte, and the fixed file is read again by
 * the same parser (TypeScript's, Python's `ast`): it still parses and the
 * rules no longer fire. Ambiguous lines and multi-line settings get no edit.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import { tempDir } from '../helpers/pki.ts';

const hasPython = spawnSync('python3', ['-c', ''], { stdio: 'ignore' }).status === 0;

describe('code fixes: verification turned back on by a line edit', () => {
  const tmp = tempDir('certwarden-code-fix-');
  after(() => tmp.cleanup());

  /** Audit `name` with `text`, apply the edits, and return the fixed text, the findings before and after, and whether the fixed file parsed. */
  function fix(name: string, text: string): { after: string; before: string[]; remaining: string[]; errors: number } {
    const file = tmp.write(name, text);
    const run = runAudit({ paths: [file], dialect: 'code' });
    const before = run.report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
    const changed = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
    const after = changed[0]?.after ?? text;
    const fixed = tmp.write(`fixed-${name}`, after);
    const again = runAudit({ paths: [fixed], dialect: 'code' }).report;
    return { after, before, remaining: again.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id))), errors: again.summary.errors };
  }

  test('Node: rejectUnauthorized: false removed as a line, inside an object, as the only option, and as an assignment; NODE_TLS_REJECT_UNAUTHORIZED = "0" deleted', () => {
    const r = fix('client.ts', [
      "import https from 'node:https';",
      "import tls from 'node:tls';",
      '// talk to the internal API',
      'const agent = new https.Agent({',
      '  keepAlive: true,',
      '  rejectUnauthorized: false, // TODO remove',
      '});',
      "tls.connect({ host: 'db.internal', port: 5432, rejectUnauthorized: false });",
      "tls.connect({ rejectUnauthorized: false, host: 'a.internal', port: 1 });",
      'https.get({ rejectUnauthorized: false }, () => {});',
      'const options: tls.ConnectionOptions = {};',
      'options.rejectUnauthorized = false;',
      "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';",
      'export { agent, options };',
      '',
    ].join('\n'));
    assert.ok(r.before.filter((id) => id === 'code-node-reject-unauthorized-false').length === 5 && r.before.includes('code-env-verify-off'), r.before.join(', '));
    assert.equal(r.after, [
      "import https from 'node:https';",
      "import tls from 'node:tls';",
      '// talk to the internal API',
      'const agent = new https.Agent({',
      '  keepAlive: true,',
      '});',
      "tls.connect({ host: 'db.internal', port: 5432 });",
      "tls.connect({ host: 'a.internal', port: 1 });",
      'https.get({}, () => {});',
      'const options: tls.ConnectionOptions = {};',
      'export { agent, options };',
      '',
    ].join('\n'));
    assert.equal(r.errors, 0, 'the fixed file parses');
    for (const id of ['code-node-reject-unauthorized-false', 'code-env-verify-off']) assert.ok(!r.remaining.includes(id), `${id} still fires`);
  });

  test('Node: no edit where the line holds the setting twice', () => {
    const r = fix('twice.js', "const a = { rejectUnauthorized: false }, b = { rejectUnauthorized: false };\nmodule.exports = { a, b };\n");
    assert.ok(r.before.includes('code-node-reject-unauthorized-false'));
    assert.equal(r.after, "const a = { rejectUnauthorized: false }, b = { rejectUnauthorized: false };\nmodule.exports = { a, b };\n");
  });

  test('Python: verify=False removed from the call (first or later argument); the fixed file parses', { skip: !hasPython && 'python3 not installed' }, () => {
    const r = fix('client.py', ['import requests', '', '# the internal API', 'r = requests.get("https://api.internal/", timeout=5, verify=False)', 's = requests.post(verify=False, url="https://api.internal/x")', 'print(r, s)', ''].join('\n'));
    assert.ok(r.before.includes('code-python-verify-false'), r.before.join(', '));
    assert.equal(r.after, ['import requests', '', '# the internal API', 'r = requests.get("https://api.internal/", timeout=5)', 's = requests.post(url="https://api.internal/x")', 'print(r, s)', ''].join('\n'));
    assert.equal(r.errors, 0);
    assert.ok(!r.remaining.includes('code-python-verify-false'));
  });

  test('Go: InsecureSkipVerify: true deleted as a gofmt line and taken out of a one-line literal', () => {
    const r = fix('main.go', ['package main', '', 'import "crypto/tls"', '', 'var a = &tls.Config{', '\tMinVersion:         tls.VersionTLS12,', '\tInsecureSkipVerify: true,', '}', 'var b = &tls.Config{ServerName: "x", InsecureSkipVerify: true}', ''].join('\n'));
    assert.equal(r.after, ['package main', '', 'import "crypto/tls"', '', 'var a = &tls.Config{', '\tMinVersion:         tls.VersionTLS12,', '}', 'var b = &tls.Config{ServerName: "x"}', ''].join('\n'));
    assert.ok(!r.remaining.includes('code-go-insecure-skip-verify'));
  });

  test('env file, Dockerfile and Compose list: the variable\'s line deleted; a Kubernetes name/value pair (two lines) is left to the fix text', () => {
    assert.equal(fix('app.env', 'PORT=8080\nexport NODE_TLS_REJECT_UNAUTHORIZED=0\nLOG=info\n').after, 'PORT=8080\nLOG=info\n');
    assert.equal(fix('Dockerfile', 'FROM node:24\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\nCMD ["node", "app.js"]\n').after, 'FROM node:24\nCMD ["node", "app.js"]\n');
    assert.equal(fix('compose.yaml', 'services:\n  app:\n    environment:\n      - PORT=8080\n      - NODE_TLS_REJECT_UNAUTHORIZED=0\n').after, 'services:\n  app:\n    environment:\n      - PORT=8080\n');
    const k8s = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      env:\n        - name: NODE_TLS_REJECT_UNAUTHORIZED\n          value: "0"\n';
    const r = fix('pod.yaml', k8s);
    assert.ok(r.before.includes('code-env-verify-off'));
    assert.equal(r.after, k8s);
  });
});
