/**
 * `certwarden probe` as a user runs it (src/cli/main.ts in a child process):
 * exit codes, the JSON report against schema/probe-report.schema.json, the
 * other formats' shapes, --output, --keep, and usage errors as one line.
 * curl is the client: the fastest real one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaAjv } from '../helpers/ajv.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { projectRoot } from '../helpers/shared.ts';
import { available } from './profiles.ts';
import type { ProbeReport } from '../../src/probe/report.ts';
import { mintLimboFixture } from './limbo-fixture.ts';
import { writeFileSync } from 'node:fs';

const CURL = ['--', 'curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '10', '--cacert', '{ca}', '{url}'];
const validate = schemaAjv({ allErrors: true }).compile(JSON.parse(readFileSync(join(projectRoot, 'schema', 'probe-report.schema.json'), 'utf8')));
const hasCurl = available('curl');

describe('certwarden probe (CLI)', () => {
  test('curl: exit 1, JSON valid against the schema, with the contract fields', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const r = await runCli(['probe', '--format', 'json', ...CURL]);
    assert.equal(r.code, 1, r.stderr);
    const j: ProbeReport = JSON.parse(r.stdout);
    assert.ok(validate(j), JSON.stringify(validate.errors));
    assert.equal(j.version, 1);
    const res = j.results[0]!;
    assert.equal(res.target, CURL.slice(1).join(' '));
    assert.equal(res.requirements['V9.2.4'].status, 'fail');
    assert.ok(res.requirements['V9.2.1'].findings.some((f) => f.id === 'client-accepts-ca-as-leaf'));
    const expired = res.cases.find((c) => c.id === 'expired')!;
    assert.deepEqual([expired.expected, expired.got, expired.exitStatus], ['reject', 'rejected', 60]);
    assert.match(expired.stderrTail, /certificate has expired/);
    assert.equal(j.summary.failed, 1);
  });

  test('a passing run exits 0 (certwarden agent profile, --suite v9.2.1, JUnit: one testcase per case)', async () => {
    const r = await runCli(['probe', '--profile', 'node-certwarden-agent', '--suite', 'v9.2.1', '--concurrency', '8', '--format', 'junit']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /<testsuites name="certwarden probe" tests="15" failures="0" errors="0" skipped="1"/);
    assert.match(r.stdout, /<testcase classname="V9\.2\.1" name="pinned-self-signed: expected accept"/);
  });

  test('sarif, html and text formats; --output writes the file; --keep keeps ca.pem and the chains', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certwarden-probe-cli-'));
    try {
      const sarif = await runCli(['probe', '--suite', 'v9.2.4', '--format', 'sarif', '--output', join(dir, 'out.sarif'), '--keep', join(dir, 'farm'), ...CURL]);
      assert.equal(sarif.code, 1, sarif.stderr);
      assert.equal(sarif.stdout, '');
      const s = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
      assert.equal(s.version, '2.1.0');
      const ruleIds = s.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
      for (const res of s.runs[0].results) assert.ok(ruleIds.includes(res.ruleId));
      assert.ok(s.runs[0].results.some((x: { ruleId: string }) => x.ruleId === 'client-accepts-revoked-ocsp'));
      assert.ok(existsSync(join(dir, 'farm', 'ca.pem')));
      assert.ok(existsSync(join(dir, 'farm', 'revoked-crl.chain.pem')));
      const html = await runCli(['probe', '--suite', 'v9.2.1', '--format', 'html', ...CURL]);
      assert.match(html.stdout, /^<!doctype html>/);
      assert.ok(!/<script/i.test(html.stdout));
      const text = await runCli(['probe', '--suite', 'v9.2.1', ...CURL]);
      assert.match(text.stdout, /FAIL {2}V9\.2\.1/);
      assert.match(text.stdout, /WRONG ca-as-leaf/);
      assert.match(text.stdout, /NA +V9\.2\.4/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--suite limbo: exit 1 on a wrong vector; JSON valid against the schema; text, JUnit, SARIF and HTML carry the vectors and the skips', { skip: hasCurl ? false : 'curl is not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certwarden-probe-limbo-cli-'));
    try {
      const file = join(dir, 'limbo.json');
      writeFileSync(file, JSON.stringify(mintLimboFixture().doc));
      const args = ['probe', '--suite', 'limbo', '--limbo', file, '--', 'curl', '-sS', '--fail', '-o', '/dev/null', '--max-time', '10', '--connect-to', '::{addr}:', '--cacert', '{ca}', '{url}'];
      const json = await runCli([...args.slice(0, 5), '--format', 'json', ...args.slice(5)]);
      assert.equal(json.code, 1, json.stderr);
      const j: ProbeReport = JSON.parse(json.stdout);
      assert.ok(validate(j), JSON.stringify(validate.errors));
      const res = j.results[0]!;
      assert.deepEqual(res.requirements['V9.2.1'].findings.map((f) => f.id), ['client-accepts-limbo:fixture::ca-as-leaf']);
      assert.deepEqual([res.limbo!.testcases, res.limbo!.applied, res.limbo!.skipped.length], [10, 7, 3]);
      const text = await runCli(args);
      assert.match(text.stdout, /WRONG limbo:fixture::ca-as-leaf/);
      assert.match(text.stdout, /limbo .*limbo\.json: 10 vectors, 7 run over the wire, 3 skipped/);
      assert.match(text.stdout, /skipped +1 no-leaf-key: limbo ships no private key/);
      const junit = await runCli([...args.slice(0, 5), '--format', 'junit', ...args.slice(5)]);
      assert.match(junit.stdout, /<testsuites name="certwarden probe" tests="11" failures="1" errors="0" skipped="3"/);
      assert.match(junit.stdout, /<testcase classname="V9\.2\.1" name="limbo:fixture::wrong-key"><skipped message="unservable: /);
      const sarif = JSON.parse((await runCli([...args.slice(0, 5), '--format', 'sarif', ...args.slice(5)])).stdout);
      const rules = sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
      assert.ok(rules.includes('client-accepts-limbo:fixture::ca-as-leaf'));
      for (const r of sarif.runs[0].results) assert.equal(rules[r.ruleIndex], r.ruleId);
      assert.equal(sarif.runs[0].properties.limbo[0].applied, 7);
      const html = await runCli([...args.slice(0, 5), '--format', 'html', ...args.slice(5)]);
      assert.match(html.stdout, /<code>limbo:fixture::ca-as-leaf<\/code>/);
      assert.match(html.stdout, /<td>1<\/td><td><code>unservable<\/code><\/td>/);
      writeFileSync(join(dir, 'bad.json'), '{"version": 1, "testcases": [{"id": 3}]}');
      const bad = await runCli(['probe', '--suite', 'limbo', '--limbo', join(dir, 'bad.json'), '--', 'curl', '{url}']);
      assertOneLineError(bad, 'CW_ERR_LIMBO_FILE');
      assert.match(bad.stderr, /testcases\[0\]\.id must be a string/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a client that rejects everything (the control too) exits 2, never 0', async () => {
    const r = await runCli(['probe', '--suite', 'v9.2.1', '--format', 'json', '--', process.execPath, '-e', 'process.exit(1)']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(JSON.parse(r.stdout).results[0].requirements['V9.2.1'].status, 'error');
  });

  test('usage errors: no command, unknown profile, both, limbo, missing binary, bad timeout', async () => {
    assertOneLineError(await runCli(['probe']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['probe', '--profile', 'nope']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['probe', '--profile', 'curl', '--', 'curl', '{url}']), 'CW_ERR_USAGE');
    const limboNoFile = await runCli(['probe', '--suite', 'limbo', '--', 'curl', '{url}']);
    assertOneLineError(limboNoFile, 'CW_ERR_USAGE');
    assert.match(limboNoFile.stderr, /--limbo FILE/);
    assertOneLineError(await runCli(['probe', '--limbo', 'vectors.json', '--', 'curl', '{url}']), 'CW_ERR_USAGE');
    const limboMissing = await runCli(['probe', '--suite', 'limbo', '--limbo', join(tmpdir(), 'certwarden-no-such-limbo.json'), '--', 'curl', '{url}']);
    assertOneLineError(limboMissing, 'CW_ERR_LIMBO_FILE');
    const missing = await runCli(['probe', '--', 'certwarden-no-such-client', '{url}']);
    assertOneLineError(missing, 'CW_ERR_USAGE');
    assert.match(missing.stderr, /not found/);
    assertOneLineError(await runCli(['probe', '--timeout', '0', '--', 'curl', '{url}']), 'CW_ERR_USAGE');
  });
});
