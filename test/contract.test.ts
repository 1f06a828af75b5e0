/**
 * The documentation contract (after undici's test/errors.js): every stable
 * id lives once in code, next to what produces it, and this file compares
 * that list with every place it is published (report schemas, docs, SARIF
 * rules), both ways: nothing missing from the publication, nothing published
 * that the code does not have.
 *  - scan: finding ids (declared by the checks), check ids, attempt reasons;
 *  - path-validation reason codes (src/x509/path/reasons.ts) in docs/path-validation.md;
 *  - OCSP, CRL, revocation-checker and trust reason codes in docs/ocsp.md, crl.md, enforce.md;
 *  - error codes (src/errors.ts) and docs/architecture.md's error table;
 *  - audit rule ids (src/audit/rules/registry.ts);
 *  - probe case and finding ids (src/probe/cases.ts), profiles and suites;
 *  - renderers: every format has one per report kind.
 * `CW_ERR_CSR_PARSE` was once missing from the error table; `crl-number-missing`
 * was once declared but no longer emitted (test/scan/crl-number-finding.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './helpers/shared.ts';
import { ErrorCode } from '../src/errors.ts';
import { FINDINGS, FINDING_OWNERS } from '../src/scan/findings.ts';
import { CHECKS } from '../src/scan/registry.ts';
import { AttemptReason } from '../src/scan/failure.ts';
import { PathReason } from '../src/x509/path/reasons.ts';
import { OcspReason } from '../src/ocsp/reasons.ts';
import { CRL_REASON } from '../src/crl/verify.ts';
import { RevocationCheckReason } from '../src/revocation/reasons.ts';
import { TrustReason } from '../src/trust/evaluate.ts';
import { ALL_RULES } from '../src/audit/rules/registry.ts';
import { CASES, probeFindingIds, type CaseSpec } from '../src/probe/cases.ts';
import { SUITES } from '../src/probe/suites.ts';
import { LIMBO_SKIP_REASONS } from '../src/probe/limbo-plan.ts';
import { probeRules } from '../src/probe/render/sarif.ts';
import { profiles } from '../src/probe/profiles.ts';
import { FORMATS } from '../src/report/render/registry.ts';
import { RENDERERS as SCAN_RENDERERS } from '../src/scan/render/index.ts';
import { RENDERERS as AUDIT_RENDERERS } from '../src/audit/render/index.ts';
import { RENDERERS as PROBE_RENDERERS } from '../src/probe/render/index.ts';

const read = (...p: string[]): string => readFileSync(join(projectRoot, ...p), 'utf8');
const scanSchema = JSON.parse(read('schema', 'scan-report.schema.json'));
const auditSchema = JSON.parse(read('schema', 'audit-report.schema.json'));
const probeSchema = JSON.parse(read('schema', 'probe-report.schema.json'));
const scanDocs = read('docs', 'scan.md');
const auditDocs = read('docs', 'audit.md');
const probeDocs = read('docs', 'probe.md');
const architecture = read('docs', 'architecture.md');

describe('scan: finding ids, check ids and attempt reasons', () => {
  test('every finding id is in the report schema enum, in the same order, and nothing else', () => {
    assert.deepEqual(scanSchema.definitions.finding.properties.id.enum, Object.keys(FINDINGS));
  });

  test('every finding id has a row (anchor, requirement, severity) in docs/scan.md, and the docs list no id the checks do not declare', () => {
    const rows = new Map([...scanDocs.matchAll(/^\| <a id="([a-z0-9-]+)"><\/a>`\1` \| (V9\.2\.\d) \| (\w+) \|/gm)].map((m) => [m[1]!, { requirement: m[2], severity: m[3] }]));
    for (const [id, spec] of Object.entries(FINDINGS)) {
      assert.deepEqual(rows.get(id), { requirement: spec.requirement, severity: spec.severity }, `docs/scan.md: row for ${id}`);
    }
    assert.deepEqual([...rows.keys()].filter((id) => !(id in FINDINGS)), [], 'docs/scan.md lists ids the checks do not declare');
  });

  test('every registered check is in the report schema\'s attempt enum and in docs/scan.md\'s check table', () => {
    const enumOf = JSON.stringify(scanSchema).match(/"check":\{"type":"string","enum":\[([^\]]*)\]/)?.[1];
    assert.deepEqual(JSON.parse(`[${enumOf}]`), CHECKS.map((c) => c.id));
    for (const c of CHECKS) assert.match(scanDocs, new RegExp(`^\\| \`${c.id}\` \\| ${c.requirement.replace(/\./g, '\\.')} \\|`, 'm'), `docs/scan.md check table: ${c.id}`);
  });

  test('each finding id is declared by exactly one check, and each check declares at least one', () => {
    assert.deepEqual([...FINDING_OWNERS].filter(([, owners]) => owners.length !== 1), []);
    for (const c of CHECKS) assert.ok(Object.keys(c.findings).length > 0, `${c.id} declares no finding`);
  });

  test('attempt reasons: the closed set in code is the schema enum and is named in docs/scan.md', () => {
    const reasons = Object.values(AttemptReason);
    assert.deepEqual(scanSchema.properties.results.items.properties.attempts.items.properties.reason.enum, reasons);
    for (const r of reasons) assert.ok(scanDocs.includes(`\`${r}\``), `docs/scan.md does not name attempt reason ${r}`);
  });
});

describe('verdict reason codes: OCSP, CRL, the revocation checker and trust evaluation', () => {
  const published: Array<[string, readonly string[], string]> = [
    ['OcspReason', Object.values(OcspReason), 'ocsp.md'],
    ['CRL_REASON', Object.values(CRL_REASON), 'crl.md'],
    ['RevocationCheckReason', Object.values(RevocationCheckReason), 'enforce.md'],
    ['TrustReason', Object.values(TrustReason), 'enforce.md'],
  ];
  for (const [name, codes, doc] of published) {
    test(`every ${name} code is named in docs/${doc}`, () => {
      const text = read('docs', doc);
      assert.deepEqual(codes.filter((code) => !text.includes(`\`${code}\``)), []);
    });
  }
});

describe('path-validation reason codes', () => {
  test('every PathReason code is named in docs/path-validation.md', () => {
    const doc = read('docs', 'path-validation.md');
    assert.deepEqual(Object.values(PathReason).filter((code) => !doc.includes(`\`${code}\``)), []);
  });
});

/** The codes named in the first column of the "## Error codes" table. */
function documentedCodes(markdown: string): string[] {
  const section = /^## Error codes\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1];
  assert.ok(section, 'docs/architecture.md has an "## Error codes" section');
  const rows = section.split('\n').filter((l) => /^\|\s*`CW_ERR_/.test(l));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(CW_ERR_[A-Z_]+)`/g)].map((m) => m[1]!));
}

describe('error codes', () => {
  const documented = documentedCodes(architecture);

  test('every ErrorCode is documented in docs/architecture.md', () => {
    const missing = Object.values(ErrorCode).filter((code) => !documented.includes(code));
    assert.deepEqual(missing, []);
  });

  test('the error table documents no code that does not exist, and none twice', () => {
    const codes = new Set<string>(Object.values(ErrorCode));
    assert.deepEqual(documented.filter((code) => !codes.has(code)), []);
    assert.equal(new Set(documented).size, documented.length);
  });

  test('the table parser finds the codes (guards the guard)', () => {
    const sample = '## Error codes\n\n| code | meaning |\n| --- | --- |\n| `CW_ERR_A` | a |\n| `CW_ERR_B`, `CW_ERR_C` | b, c with `CW_ERR_D` in prose |\n\n## Next\n| `CW_ERR_E` | e |\n';
    assert.deepEqual(documentedCodes(sample), ['CW_ERR_A', 'CW_ERR_B', 'CW_ERR_C']);
  });

  test('CW_ERR_CONFIG_PARSE is in docs/architecture.md\'s error table', () => {
    assert.ok(architecture.includes(`\`${ErrorCode.CONFIG_PARSE}\``));
  });
});

describe('audit rules', () => {
  test('docs/audit.md has one table row per rule with its requirement, severity, dialect and source', () => {
    const rows = auditDocs.split('\n').filter((l) => /^\| `[a-z0-9-]+` \|/.test(l));
    assert.equal(rows.length, ALL_RULES.length, 'rule table rows');
    for (const r of ALL_RULES) {
      const row = rows.find((l) => l.startsWith(`| \`${r.id}\` |`));
      assert.ok(row, `${r.id} missing from docs/audit.md`);
      assert.ok(row.includes(`| ${r.requirement} | ${r.severity} | ${r.dialect} |`), `${r.id}: ${row}`);
      assert.ok(row.includes(r.source), `${r.id}: source`);
    }
  });

  test('the audit report schema enumerates exactly the rule ids, in registry order', () => {
    assert.deepEqual(auditSchema.definitions.finding.properties.id.enum, ALL_RULES.map((r) => r.id));
  });
});

describe('probe cases', () => {
  const all = CASES as readonly CaseSpec[];

  test('the schema enumerates exactly the case ids and the finding ids', () => {
    assert.deepEqual(probeSchema.definitions.caseId.enum, all.map((c) => c.id));
    assert.deepEqual(probeSchema.definitions.findingId.enum, probeFindingIds());
  });

  test('the schema enumerates exactly the limbo skip reasons, and docs/probe.md explains each', () => {
    assert.deepEqual(probeSchema.definitions.limboSkipReason.enum, Object.keys(LIMBO_SKIP_REASONS));
    for (const r of Object.keys(LIMBO_SKIP_REASONS)) assert.ok(probeDocs.includes(`| \`${r}\` |`), `docs/probe.md lacks a row for limbo skip reason ${r}`);
  });

  test('docs/probe.md documents every case (a heading per id) and every finding id, and no case the code lacks', () => {
    for (const c of all) assert.match(probeDocs, new RegExp(`^#### \`${c.id}\`$`, 'm'), `docs/probe.md lacks a heading for ${c.id}`);
    for (const id of probeFindingIds()) assert.ok(probeDocs.includes(`\`${id}\``) || probeDocs.includes(`client-accepts-<case>`), id);
    const headings = [...probeDocs.matchAll(/^#### `([a-z0-9-]+)`$/gm)].map((m) => m[1]!);
    assert.deepEqual(headings.filter((h) => !all.some((c) => c.id === h)), [], 'docs/probe.md has a case heading the code does not declare');
  });

  test('docs/probe.md lists every profile and every suite', () => {
    for (const p of Object.keys(profiles())) assert.ok(probeDocs.includes(`\`${p}\``), `profile ${p} missing from docs/probe.md`);
    for (const s of Object.keys(SUITES)) assert.ok(probeDocs.includes(`\`${s}\``), `suite ${s} missing from docs/probe.md`);
  });

  test('SARIF has one rule per finding id, plus probe-error', () => {
    assert.deepEqual(probeRules().map((r) => r.id), [...probeFindingIds(), 'probe-error']);
  });
});

describe('renderers', () => {
  test('scan, audit and probe each have a renderer for every format, and the docs name every format', () => {
    for (const table of [SCAN_RENDERERS, AUDIT_RENDERERS, PROBE_RENDERERS]) assert.deepEqual(Object.keys(table).sort(), [...FORMATS].sort());
    for (const [name, doc] of [['scan', scanDocs], ['audit', auditDocs], ['probe', probeDocs]] as const) {
      for (const f of FORMATS) assert.ok(new RegExp(`\\b${f}\\b`, 'i').test(doc), `docs/${name}.md does not mention format ${f}`);
    }
  });
});
