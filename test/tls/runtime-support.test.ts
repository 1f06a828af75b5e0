/**
 * The package root on the Node versions it claims (ASVS V9.11 field trial):
 * importing certwarden must not load node:sqlite (absent before Node 22.5),
 * and an unsupported Node gets one clear sentence, not a raw
 * ERR_UNKNOWN_BUILTIN_MODULE.
 *
 * Runs the built package (dist/, `tsc -p tsconfig.build.json`) under the
 * machine's own old Node when one is installed; skips cleanly otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../helpers/shared.ts';
import { assertSupportedNode, MIN_NODE_MAJOR } from '../../src/util/runtime.ts';
import { isCertwardenError, ErrorCode } from '../../src/errors.ts';

const dist = join(projectRoot, 'dist', 'index.js');

/** The first node binary on this machine older than the supported major (the system's Node 20), if any. */
function oldNode(): string | undefined {
  for (const bin of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(bin)) continue;
    const r = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 });
    const major = Number(String(r.stdout).trim().split('.')[0]);
    if (r.status === 0 && major > 0 && major < MIN_NODE_MAJOR) return bin;
  }
  return undefined;
}

function runOn(node: string, script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(node, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, cwd: projectRoot });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const old = oldNode();
const skip = !existsSync(dist) ? 'dist/ not built (run tsc -p tsconfig.build.json)' : !old ? 'no Node older than 22 on this machine' : false;

test('importing the package root on Node 20 does not load node:sqlite (no ERR_UNKNOWN_BUILTIN_MODULE)', { skip }, () => {
  const r = runOn(old!, `const m = await import(${JSON.stringify(pathToFileURL(dist).href)}); console.log(typeof m.loadPolicy, typeof m.createAgent, typeof m.CertificateAuthority);`);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_BUILTIN_MODULE/);
  assert.equal(r.stdout.trim(), 'function function function');
});

test('first use on Node 20 throws one CertwardenError sentence naming the supported versions', { skip }, () => {
  const r = runOn(
    old!,
    `const m = await import(${JSON.stringify(pathToFileURL(dist).href)});
     try { m.loadPolicy({ version: 1, trust: { system: true } }); console.log('no error'); }
     catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, branded: m.isCertwardenError(e) })); }`,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { code: string; message: string; branded: boolean };
  assert.equal(out.code, ErrorCode.UNSUPPORTED_RUNTIME);
  assert.ok(out.branded);
  assert.match(out.message, /Node\.js 20\.\d+\.\d+ is not supported: certwarden needs Node\.js 22 or newer/);
});

test('opening the CA store on Node 20 says node:sqlite is missing instead of a raw module error', { skip }, () => {
  const r = runOn(
    old!,
    `const m = await import(${JSON.stringify(pathToFileURL(dist).href)});
     try { new m.SqliteStore('/nonexistent-dir/ca.db'); console.log('no error'); }
     catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { code: string; message: string };
  assert.equal(out.code, ErrorCode.UNSUPPORTED_RUNTIME);
  assert.doesNotMatch(out.message, /ERR_UNKNOWN_BUILTIN_MODULE/);
});

test('assertSupportedNode: silent on the running Node, a typed error for 20.x and 18.x', () => {
  assertSupportedNode();
  for (const v of ['20.20.2', '18.19.0']) {
    assert.throws(() => assertSupportedNode(v), (e: unknown) => isCertwardenError(e) && e.code === ErrorCode.UNSUPPORTED_RUNTIME && e.message.includes(v));
  }
  assertSupportedNode('22.13.0');
  assertSupportedNode('24.0.0');
});
