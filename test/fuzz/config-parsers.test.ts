/**
 * Property: mutated nginx, Apache and HAProxy configurations (and crt-lists)
 * parse or fail with CW_ERR_CONFIG_PARSE carrying file and line — never an
 * untyped exception, a crash or a hang — and the whole audit of a mutated
 * file returns a report.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCode, isCertwardenError } from '../../src/errors.ts';
import { parseNginx } from '../../src/audit/config/nginx.ts';
import { parseApache } from '../../src/audit/config/apache.ts';
import { parseCrtList, parseHaproxy } from '../../src/audit/config/haproxy.ts';
import { parseTomcat } from '../../src/audit/config/tomcat.ts';
import { parseCode } from '../../src/audit/config/code/index.ts';
import { parseStructured } from '../../src/audit/config/structured.ts';
import { runAudit } from '../../src/audit/run.ts';
import { tempDir } from '../helpers/pki.ts';
import { apply, mutation } from './mutate.ts';

const RUNS = Number(process.env.CERTWARDEN_FUZZ_RUNS ?? 400);
const FIXTURES = join(import.meta.dirname, '..', 'audit', 'fixtures');
const tmp = tempDir('certwarden-fuzz-config-');
after(() => tmp.cleanup());

const seeds = (dialect: string): Buffer[] => readdirSync(join(FIXTURES, dialect)).filter((n) => statSync(join(FIXTURES, dialect, n)).isFile()).map((n) => readFileSync(join(FIXTURES, dialect, n)));

/** Structural characters mutations should favour: they are where parsers go wrong. */
const STRUCTURE = [...'{};"\'\\#<>/\n =&!?-[]'].map((c) => c.charCodeAt(0));

function typedParse(parse: (text: string, file: string) => unknown, text: string): void {
  try {
    parse(text, 'fuzz.conf');
  } catch (err) {
    assert.ok(isCertwardenError(err), `untyped error: ${(err as Error)?.stack ?? String(err)}`);
    assert.equal(err.code, ErrorCode.CONFIG_PARSE, err.message);
    assert.equal(err.details.file, 'fuzz.conf');
    assert.ok(Number.isInteger(err.details.line) && (err.details.line as number) >= 1, err.message);
    assert.match(err.message, /^fuzz\.conf:\d+: /);
  }
}

const structural = fc.array(fc.record({ at: fc.nat({ max: 1 << 16 }), byte: fc.constantFrom(...STRUCTURE) }), { minLength: 1, maxLength: 6 });

/** Tomcat files are XML, shell or properties: each seed is parsed in all three ways. */
const parseTomcatEveryWay = (text: string, file: string): void => {
  for (const kind of ['xml', 'shell', 'properties'] as const) typedParse((t, f) => parseTomcat(t, f, kind), text);
  void file;
};

for (const [dialect, parse] of [['nginx', parseNginx], ['apache', parseApache], ['haproxy', parseHaproxy], ['tomcat', parseTomcatEveryWay], ['envoy', parseStructured]] as const) {
  test(`${dialect} parser: mutated configurations parse or fail with a typed error with file and line`, () => {
    const inputs = seeds(dialect);
    fc.assert(
      fc.property(fc.nat({ max: inputs.length - 1 }), fc.array(mutation(), { minLength: 1, maxLength: 4 }), structural, (i, mutations, inserts) => {
        let b = apply(inputs[i]!, mutations);
        for (const x of inserts) {
          const at = b.length === 0 ? 0 : x.at % b.length;
          b = Buffer.concat([b.subarray(0, at), Buffer.from([x.byte]), b.subarray(at)]);
        }
        typedParse(parse, b.toString('utf8'));
      }),
      { numRuns: RUNS },
    );
  });
}

test('code readers (JS/TS, Go, Java, env, Dockerfile, YAML): mutated files parse or fail with a typed error with file and line', () => {
  // Python goes through a subprocess per file: its reader is covered by test/audit/code.test.ts, not by hundreds of runs here.
  const dir = join(FIXTURES, 'code');
  const inputs = readdirSync(dir).filter((n) => !n.endsWith('.py')).map((n) => ({ name: `fuzz${n.slice(n.indexOf('.'))}`, b: readFileSync(join(dir, n)) }));
  inputs.push({ name: 'fuzz.yaml', b: Buffer.from('a: &x [1, 2]\nb: *x\nenv:\n  - name: NODE_TLS_REJECT_UNAUTHORIZED\n    value: "0"\n') }, { name: 'fuzz.env', b: Buffer.from('export NODE_TLS_REJECT_UNAUTHORIZED=0\n') });
  fc.assert(
    fc.property(fc.nat({ max: inputs.length - 1 }), fc.array(mutation(), { minLength: 1, maxLength: 4 }), structural, (i, mutations, inserts) => {
      const { name } = inputs[i]!;
      let b = apply(inputs[i]!.b, mutations);
      for (const x of inserts) {
        const at = b.length === 0 ? 0 : x.at % b.length;
        b = Buffer.concat([b.subarray(0, at), Buffer.from([x.byte]), b.subarray(at)]);
      }
      try {
        parseCode(b.toString('utf8'), name);
      } catch (err) {
        assert.ok(isCertwardenError(err), `untyped error: ${(err as Error)?.stack ?? String(err)}`);
        assert.equal(err.code, ErrorCode.CONFIG_PARSE, err.message);
        assert.equal(err.details.file, name);
        assert.ok(Number.isInteger(err.details.line) && (err.details.line as number) >= 1, err.message);
      }
    }),
    { numRuns: RUNS },
  );
});

test('crt-list parser: random lines parse or fail typed', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typedParse(parseCrtList, s)), { numRuns: RUNS });
});

test('deep nesting and long inputs stay bounded (no stack exhaustion)', () => {
  typedParse(parseNginx, 'http {'.repeat(100_000));
  typedParse(parseApache, '<IfModule x>\n'.repeat(100_000));
  typedParse(parseHaproxy, '.if 1\n'.repeat(100_000));
  typedParse((t, f) => parseTomcat(t, f, 'xml'), '<a>'.repeat(100_000));
  typedParse((t, f) => parseTomcat(t, f, 'xml'), `<a ${Array.from({ length: 5_000 }, (_, i) => `x${i}="1"`).join(' ')}/>`);
  typedParse((t, f) => parseTomcat(t, f, 'properties'), 'a=\\\n'.repeat(50_000));
  for (const [name, text] of [['d.ts', '('.repeat(100_000)], ['d.ts', '{'.repeat(100_000)], ['d.go', 'setHostnameVerifier(' + ' '.repeat(100_000)], ['d.java', 'setHostnameVerifier(' + ' '.repeat(100_000)], ['d.yaml', '['.repeat(100_000)], ['d.yaml', 'a: &a [' + '*a, '.repeat(10_000) + ']\n']] as const) {
    try {
      parseCode(text, name);
    } catch (err) {
      assert.ok(isCertwardenError(err) && err.code === ErrorCode.CONFIG_PARSE, `${name}: ${(err as Error).stack}`);
    }
  }
  typedParse(parseNginx, `a ${'x '.repeat(5_000)};`);
});

test('the whole audit of a mutated file returns a report (rules never throw on odd trees)', () => {
  const all = (['nginx', 'apache', 'haproxy', 'tomcat', 'envoy'] as const).flatMap((d) => seeds(d).map((s) => ({ d, s })));
  fc.assert(
    fc.property(fc.nat({ max: all.length - 1 }), fc.array(mutation(), { minLength: 1, maxLength: 3 }), (i, mutations) => {
      const { d, s } = all[i]!;
      const path = tmp.write(`m.${d}`, apply(s, mutations));
      const { report } = runAudit({ paths: [path], dialect: d });
      assert.ok(report.results.length >= 1);
    }),
    { numRuns: Math.min(RUNS, 200) },
  );
});
