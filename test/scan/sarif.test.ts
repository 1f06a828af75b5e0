/**
 * SARIF that code-scanning platforms accept (field trial 9.12): valid against
 * the official SARIF 2.1.0 JSON Schema (shipped by @microsoft/jest-sarif,
 * draft-04, validated with ajv-draft-04), physical locations (the --targets
 * file line, else the policy), partialFingerprints stable across runs, and
 * results only for findings that need action and scan errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import { runScan } from '../../src/scan/runner.ts';
import { readTargetsFile } from '../../src/scan/target.ts';
import { FINGERPRINT_KEY, renderSarif } from '../../src/scan/render/sarif.ts';
import type { ScanReport } from '../../src/scan/report.ts';
import { projectRoot } from '../helpers/shared.ts';
import { FAST, makePki, startTlsServer, type Pki, type RunningServer } from './fleet.ts';

/** ajv-draft-04 is CommonJS: under Node's ESM loader its default import is the class itself, typed as the module. */
const AjvDraft04 = ((ajvDraft04 as unknown as { default?: unknown }).default ?? ajvDraft04) as unknown as typeof ajvDraft04.default;
const SARIF_SCHEMA_FILE = join(projectRoot, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

interface SarifResult {
  ruleId: string;
  level: string;
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }>;
  partialFingerprints: Record<string, string>;
  properties: { target: string; severity: string };
}

let pki: Pki;
const servers: RunningServer[] = [];
let first: ScanReport;
let second: ScanReport;
let targetsFile: string;

before(async () => {
  pki = await makePki();
  const good = pki.leaf('good.test');
  const nostaple = pki.leaf('nostaple.test');
  const g = await startTlsServer({ identity: good, staple: pki.staple(good) }, pki);
  const n = await startTlsServer({ identity: nostaple }, pki);
  servers.push(g, n);
  const policy = pki.policy('revocation:\n  check: leaf\ndestinations:\n  - match: nostaple.test\n    revocation: { mode: hard-fail }\n');
  targetsFile = pki.dir.write('targets.txt', `# fleet\ngood.test:${g.port}\n\nnostaple.test:${n.port}\n`);
  const fromFile = (await readTargetsFile(targetsFile)).map((t) => ({ ...t, address: '127.0.0.1' }));
  const dead = { input: `good.test:1`, host: 'good.test', port: 1, address: '127.0.0.1' };
  first = await runScan({ policy, targets: [...fromFile, dead], settings: FAST, targetTimeoutMs: 8_000 });
  second = await runScan({ policy, targets: [...fromFile, dead], settings: FAST, targetTimeoutMs: 8_000 });
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pki.close();
});

const results = (report: ScanReport, srcRoot = projectRoot): SarifResult[] => JSON.parse(renderSarif(report, { srcRoot })).runs[0].results;

describe('SARIF for code scanning', () => {
  test('validates against the official SARIF 2.1.0 JSON Schema', () => {
    // unicodeRegExp off: the official schema's language-tag pattern is not valid under the u flag.
    const validate = new AjvDraft04({ strict: false, validateFormats: false, unicodeRegExp: false }).compile(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')));
    const log = JSON.parse(renderSarif(first)) as { runs: object[] };
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 1));
    assert.equal(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'x' }] }] }), false, 'the validator rejects a result without a message');
  });

  test('only findings that fail or warn, and scan errors, are results: no info findings, nothing for a passing target', () => {
    const res = results(first);
    assert.ok(res.length > 0);
    assert.ok(res.every((r) => r.properties.severity !== 'info' && r.level !== 'note'), JSON.stringify(res.map((r) => r.ruleId)));
    assert.ok(!res.some((r) => r.properties.target === `good.test:${servers[0]!.port}`), 'a passing target has no results');
    assert.ok(res.some((r) => r.ruleId === 'staple-missing'));
    assert.ok(res.some((r) => r.ruleId === 'scan-error' && r.properties.target === 'good.test:1'));
  });

  test('physical locations: the --targets file line of the target, relative to SRCROOT; the policy file for a command-line target', () => {
    const res = results(first, pki.dir.dir);
    const missing = res.find((r) => r.ruleId === 'staple-missing')!;
    assert.deepEqual(missing.locations[0]!.physicalLocation, { artifactLocation: { uri: 'targets.txt', uriBaseId: 'SRCROOT' }, region: { startLine: 4 } });
    const dead = res.find((r) => r.properties.target === 'good.test:1')!;
    assert.match(dead.locations[0]!.physicalLocation.artifactLocation.uri, /^policy-[a-z0-9]+\.yaml$/);
    // Outside SRCROOT: an absolute file: URI.
    const outside = results(first, '/nonexistent-root');
    assert.match(outside.find((r) => r.ruleId === 'staple-missing')!.locations[0]!.physicalLocation.artifactLocation.uri, /^file:\/\/\/.*targets\.txt$/);
  });

  test('partialFingerprints: present on every result, distinct per finding, the same in a second scan of the same fleet', () => {
    const a = results(first).map((r) => r.partialFingerprints[FINGERPRINT_KEY]!);
    const b = results(second).map((r) => r.partialFingerprints[FINGERPRINT_KEY]!);
    assert.ok(a.every((x) => /^[0-9a-f]{64}$/.test(x)));
    assert.equal(new Set(a).size, a.length);
    assert.deepEqual([...b].sort(), [...a].sort());
  });
});
