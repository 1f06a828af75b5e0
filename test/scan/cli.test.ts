/**
 * The scan command as a user runs it: exit codes, output formats (SARIF
 * shape, JUnit shape, HTML rendered by headless Chromium), evidence and an
 * offline replay that gives the same verdicts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaAjv } from '../helpers/ajv.ts';
import { assertOneLineError, runCli } from '../helpers/cli.ts';
import { projectRoot } from '../helpers/shared.ts';
import { FAST, makePki, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

let pki: Pki;
let good: RunningServer;
let bad: RunningServer;
let policy: string;
const out = mkdtempSync(join(tmpdir(), 'certwarden-scan-cli-'));
const fast = ['--staple-attempts', String(FAST.stapleAttempts), '--staple-retry-delay', '0.02', '--timeout', '10'];

before(async () => {
  pki = await makePki();
  const leaf = pki.leaf('good.test');
  const other = pki.leaf('bad.test');
  good = await startTlsServer({ identity: leaf, staple: pki.staple(leaf) }, pki);
  bad = await startTlsServer({ identity: other }, pki);
  policy = pki.policyFile('revocation:\n  check: leaf\n');
});

after(async () => {
  await good.close();
  await bad.close();
  await pki.close();
  rmSync(out, { recursive: true, force: true });
});

const resolve = (): string[] => ['--resolve', `good.test:${good.port}:127.0.0.1`, '--resolve', `bad.test:${bad.port}:127.0.0.1`];

describe('certwarden scan (CLI)', () => {
  test('a clean target exits 0; JSON follows the contract', async () => {
    const r = await runCli(['scan', `good.test:${good.port}`, ...resolve(), '--policy', policy, '--format', 'json', ...fast]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = JSON.parse(r.stdout);
    assert.equal(j.version, 1);
    assert.equal(j.results[0].target, `good.test:${good.port}`);
    assert.equal(j.results[0].address, '127.0.0.1');
    assert.equal(j.results[0].serverName, 'good.test');
    assert.equal(j.results[0].requirements['V9.2.1'].status, 'pass');
    assert.equal(j.results[0].requirements['V9.2.4'].status, 'pass');
    assert.ok(j.summary);
    const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'scan-report.schema.json'), 'utf8'));
    const validate = schemaAjv({ allErrors: true }).compile(schema);
    assert.ok(validate(j), JSON.stringify(validate.errors));
  });
  test('findings exit 1; --fail-on critical ignores high findings (exit 0)', async () => {
    const r = await runCli(['scan', `bad.test:${bad.port}`, ...resolve(), '--policy', policy, ...fast]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /staple-missing/);
    const lenient = await runCli(['scan', `bad.test:${bad.port}`, ...resolve(), '--policy', policy, '--fail-on', 'critical', ...fast]);
    assert.equal(lenient.code, 0, lenient.stderr);
  });
  test('usage errors exit 2 with one line', async () => {
    assertOneLineError(await runCli(['scan', 'good.test', '--policy', policy, '--format', 'xml']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['scan', '--policy', policy]), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['scan', 'good.test:99999', '--policy', policy]), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['scan', 'good.test', '--policy', policy, '--resolve', 'nonsense']), 'CW_ERR_USAGE');
    assertOneLineError(await runCli(['scan', 'good.test', '--policy', policy, '--fail-on', 'severe']), 'CW_ERR_USAGE');
  });
  test('an unreachable target is an operational error: exit 2, status error', async () => {
    const r = await runCli(['scan', 'good.test:1', '--resolve', 'good.test:1:127.0.0.1', '--policy', policy, '--format', 'json', ...fast]);
    assert.equal(r.code, 2, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.results[0].requirements['V9.2.1'].status, 'error');
    assert.equal(j.results[0].requirements['V9.2.4'].status, 'error');
  });
  test('SARIF 2.1.0: one rule per finding id tagged with its requirement', async () => {
    const r = await runCli(['scan', `bad.test:${bad.port}`, ...resolve(), '--policy', policy, '--format', 'sarif', ...fast]);
    const s = JSON.parse(r.stdout);
    assert.equal(s.version, '2.1.0');
    const rules = s.runs[0].tool.driver.rules as Array<{ id: string; properties: { tags: string[] } }>;
    assert.equal(new Set(rules.map((x) => x.id)).size, rules.length);
    assert.ok(rules.find((x) => x.id === 'staple-missing')!.properties.tags.includes('V9.2.4'));
    assert.ok(rules.find((x) => x.id === 'chain-untrusted')!.properties.tags.includes('V9.2.1'));
    const res = s.runs[0].results as Array<{ ruleId: string; ruleIndex: number; level: string }>;
    const missing = res.find((x) => x.ruleId === 'staple-missing')!;
    assert.equal(missing.level, 'error');
    assert.equal(rules[missing.ruleIndex]!.id, 'staple-missing');
  });
  test('JUnit: one testcase per target and requirement, failures counted', async () => {
    const r = await runCli(['scan', `good.test:${good.port}`, `bad.test:${bad.port}`, ...resolve(), '--policy', policy, '--format', 'junit', ...fast]);
    assert.match(r.stdout, /^<\?xml/);
    assert.equal((r.stdout.match(/<testcase /g) ?? []).length, 4);
    assert.match(r.stdout, /<testsuites name="certwarden scan" tests="4" failures="1" errors="0"/);
    assert.match(r.stdout, /<failure type="staple-missing"/);
  });
  test('HTML: one self-contained file that headless Chromium renders', async (t) => {
    const file = join(out, 'report.html');
    const r = await runCli(['scan', `good.test:${good.port}`, `bad.test:${bad.port}`, ...resolve(), '--policy', policy, '--format', 'html', '--output', file, ...fast]);
    assert.equal(r.code, 1, r.stderr);
    const html = readFileSync(file, 'utf8');
    // Nothing is loaded; the only links are to finding rows in docs/scan.md, followed by choice.
    assert.doesNotMatch(html, /\ssrc=|<link|url\(/i);
    assert.ok([...html.matchAll(/href="([^"]*)"/g)].every((m) => m[1]!.startsWith('https://github.com/certwarden/certwarden/blob/main/docs/scan.md#')));
    assert.match(html, /<style>/);
    const chromium = spawnSync('which', ['chromium']).stdout.toString().trim();
    if (!chromium) return t.skip('chromium not installed');
    // The report is a local file: Chromium gets no network at all. In a network namespace of its own
    // (unshare -n, as root) it cannot even open its resolver's socket; elsewhere its resolver is
    // mapped to nothing, so it asks no DNS server either way.
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-domain-reliability', '--dns-prefetch-disable', '--host-resolver-rules=MAP * ~NOTFOUND', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'cw-chromium-'))}`, '--dump-dom', `file://${file}`];
    const isolated = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
    const dump = isolated ? spawnSync('unshare', ['-n', chromium, ...args], { timeout: 30_000 }) : spawnSync(chromium, args, { timeout: 30_000 });
    const dom = dump.stdout.toString();
    assert.match(dom, new RegExp(`good.test:${good.port}`));
    assert.match(dom, new RegExp(`bad.test:${bad.port}`));
    assert.match(dom, /staple-missing/);
  });
  test('--evidence then --replay: same verdicts, offline, at the recorded time', async () => {
    const dir = join(out, 'evidence');
    const live = await runCli(['scan', `good.test:${good.port}`, `bad.test:${bad.port}`, ...resolve(), '--policy', policy, '--format', 'json', '--evidence', dir, ...fast]);
    assert.equal(live.code, 1, live.stderr);
    const targetDirs = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory());
    assert.equal(targetDirs.length, 2);
    const first = join(dir, targetDirs.sort()[0]!);
    for (const f of ['manifest.json', 'chain.pem']) assert.ok(existsSync(join(first, f)), f);
    assert.ok(readdirSync(first).some((f) => /^staple-.*\.der$/.test(f)));
    assert.ok(readdirSync(first).some((f) => /^ocsp-.*\.der$/.test(f)));
    const manifest = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8'));
    assert.ok(manifest.at && manifest.policyHash);
    // Stop the servers' OCSP responder: replay must not need the network.
    await pki.ocsp.close();
    const replay = await runCli(['scan', '--replay', dir, '--policy', policy, '--format', 'json']);
    assert.equal(replay.code, 1, replay.stderr + replay.stdout.slice(0, 3000));
    const a = JSON.parse(live.stdout);
    const b = JSON.parse(replay.stdout);
    const validate = schemaAjv().compile(JSON.parse(readFileSync(join(projectRoot, 'schema', 'scan-report.schema.json'), 'utf8')));
    assert.ok(validate(JSON.parse(live.stdout)) && validate(JSON.parse(replay.stdout)), JSON.stringify(validate.errors));
    const verdicts = (j: { results: Array<{ target: string; requirements: Record<string, { status: string; findings: Array<{ id: string }> }> }> }) =>
      j.results.map((x) => ({ target: x.target, v921: x.requirements['V9.2.1']!.status, v924: x.requirements['V9.2.4']!.status, ids: Object.values(x.requirements).flatMap((q) => q.findings.map((f) => f.id)).sort() }));
    assert.deepEqual(verdicts(b), verdicts(a));
    // The staple retries are walked from the record: the same attempts per version as live.
    const staples = (j: { results: Array<{ evidence: { checks: Record<string, unknown> } }> }) => j.results.map((x) => x.evidence.checks.stapling);
    assert.deepEqual(staples(b), staples(a));
    assert.equal(b.replay.policyMatches, true);
    assert.equal(b.at, a.at);
  });
});
