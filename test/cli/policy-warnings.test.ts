/**
 * Policy warnings reach the user: every command that loads a policy (verify,
 * scan, audit) prints each of `policy.warnings` once on stderr as
 * `certwarden: warning: FILE:LINE: text`, escaped; stdout (JSON included) and
 * the exit code are what they are without the warning.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { runCli } from '../helpers/cli.ts';
import { keyPem, makeLeaf, makeRoot, tempDir } from '../helpers/pki.ts';
import { policyWarningLine, reportPolicyWarnings } from '../../src/cli/policy.ts';
import type { Policy, PolicyWarning } from '../../src/policy/types.ts';

const tmp = tempDir('certwarden-cli-warnings-');
const root = makeRoot('CN=Warnings Root');
const leaf = makeLeaf(root, 'warn.test');
// A leaf pasted into trust.cas: the loader warns that it is not a CA and never revocation-checked.
const pastedLeaf = makeLeaf(root, 'pasted-leaf.test');
tmp.write('root.pem', root.certificate.toPem());
tmp.write('pasted-leaf.pem', pastedLeaf.certificate.toPem());
const chain = tmp.write('chain.pem', leaf.certificate.toPem());
const CLEAN = 'version: 1\ntrust:\n  cas: [root.pem]\nrevocation:\n  mode: soft-fail\n';
const clean = tmp.write('clean.yaml', CLEAN);
const warned = tmp.write('warned.yaml', 'version: 1\ntrust:\n  cas: [root.pem, pasted-leaf.pem]\nrevocation:\n  mode: soft-fail\n');
const WARNING = new RegExp(`^certwarden: warning: ${warned.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: trust\\.cas\\[1\\]: "CN=pasted-leaf\\.test" in "pasted-leaf\\.pem" is not a CA certificate .*never revocation-checked`);
after(() => tmp.cleanup());

function warningLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('certwarden: warning:'));
}

describe('verify', () => {
  test('prints the policy warning once on stderr; JSON stdout and exit code unchanged', async () => {
    const base = await runCli(['verify', '--policy', clean, '--chain', chain, '--host', 'warn.test', '--no-revocation', '--format', 'json']);
    const r = await runCli(['verify', '--policy', warned, '--chain', chain, '--host', 'warn.test', '--no-revocation', '--format', 'json']);
    assert.deepEqual(warningLines(base.stderr), [], 'a clean policy prints no warning');
    const lines = warningLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, WARNING);
    assert.equal(r.code, base.code);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    const baseJson = JSON.parse(base.stdout) as Record<string, unknown>;
    // Only the policy's identity and the clock differ between the two runs.
    assert.deepEqual({ ...json, policy: undefined, at: undefined }, { ...baseJson, policy: undefined, at: undefined });
    assert.doesNotMatch(r.stdout, /certwarden: warning|not a CA certificate/);
  });

  test('text output: the warning is on stderr, not mixed into stdout', async () => {
    const r = await runCli(['verify', '--policy', warned, '--chain', chain, '--host', 'warn.test', '--no-revocation']);
    assert.equal(warningLines(r.stderr).length, 1);
    assert.doesNotMatch(r.stdout, /certwarden: warning/);
  });
});

describe('scan', () => {
  let server: tls.Server;
  let port: number;
  before(async () => {
    server = tls.createServer({ cert: leaf.certificate.toPem(), key: keyPem(leaf.privateKey) }, (s) => s.on('error', () => {}).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('prints the policy warning once on stderr; JSON stdout parses and the exit code is unchanged', async () => {
    const args = (policy: string): string[] => ['scan', `warn.test:${port}`, '--resolve', `warn.test:${port}:127.0.0.1`, '--policy', policy, '--format', 'json'];
    const base = await runCli(args(clean));
    const r = await runCli(args(warned));
    assert.deepEqual(warningLines(base.stderr), []);
    const lines = warningLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, WARNING);
    assert.equal(r.code, base.code, `${r.stderr}\n${base.stderr}`);
    const report = JSON.parse(r.stdout) as { targets?: unknown[] };
    const baseReport = JSON.parse(base.stdout) as { targets?: unknown[] };
    assert.equal(Object.keys(report).join(), Object.keys(baseReport).join());
    assert.doesNotMatch(r.stdout, /certwarden: warning/);
  });
});

describe('audit', () => {
  test('prints the policy warning on stderr and leaves the report alone', async () => {
    const conf = tmp.write('nginx.conf', 'events {}\nhttp {\n  server {\n    listen 443 ssl;\n    ssl_certificate cert.pem;\n    ssl_certificate_key key.pem;\n  }\n}\n');
    const base = await runCli(['audit', conf, '--policy', clean]);
    const r = await runCli(['audit', conf, '--policy', warned]);
    assert.equal(warningLines(r.stderr).length, 1, r.stderr);
    assert.match(warningLines(r.stderr)[0]!, WARNING);
    assert.equal(r.code, base.code);
    assert.equal(r.stdout, base.stdout);
  });
});

describe('the helper', () => {
  const warning = (text: string, line?: number): PolicyWarning => ({ message: `p.yaml:${line}:3: ${text}`, text, location: { path: 'trust.cas[0]', ...(line ? { line, column: 3 } : {}) } });

  test('escapes control characters from the text and the file name', () => {
    const out = policyWarningLine('evil\x1b]52;c;x\x07.yaml', warning('"CN=a\nverdict: TRUSTED\x1b[8m" is not a CA', 4));
    assert.equal(out, 'certwarden: warning: evil\\e]52;c;x\\x07.yaml:4: "CN=a\\nverdict: TRUSTED\\e[8m" is not a CA\n');
    assert.equal(out.split('\n').length, 2, 'one line');
  });

  test('a warning without a line names only the file; a repeated line is printed once', () => {
    let stderr = '';
    const io = { stdout: process.stdout, stderr: { write: (s: string) => ((stderr += s), true) }, env: {} } as unknown as Parameters<typeof reportPolicyWarnings>[2];
    reportPolicyWarnings({ warnings: [warning('same'), warning('same'), warning('other', 7)] } as unknown as Policy, 'p.yaml', io);
    assert.equal(stderr, 'certwarden: warning: p.yaml: same\ncertwarden: warning: p.yaml:7: other\n');
  });

  test('a policy without warnings prints nothing', () => {
    let stderr = '';
    const io = { stdout: process.stdout, stderr: { write: (s: string) => ((stderr += s), true) }, env: {} } as unknown as Parameters<typeof reportPolicyWarnings>[2];
    reportPolicyWarnings({ warnings: [] } as unknown as Policy, 'p.yaml', io);
    assert.equal(stderr, '');
  });
});
