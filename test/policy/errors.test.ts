import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPolicy } from '../../src/policy/load.ts';
import { CertwardenError, ErrorCode, isCertwardenError } from '../../src/errors.ts';
import { fixture, PIN_A, PIN_B, type Fixture } from './fixtures.ts';

let f: Fixture;
before(() => {
  f = fixture();
});
after(() => f.cleanup());

/** Load expecting failure; check code, `file:line:col:` prefix and details. */
function rejects(yaml: string, line: number, column: number, message: RegExp, path?: string): CertwardenError {
  const e = f.fail(yaml);
  assert.equal(e.code, ErrorCode.POLICY);
  assert.ok(e.message.startsWith(`${join(f.dir, 'policy.yaml')}:${line}:${column}: `), `expected ${line}:${column} in: ${e.message}`);
  assert.match(e.message, message);
  assert.equal(e.details.file, join(f.dir, 'policy.yaml'));
  assert.equal(e.details.line, line);
  assert.equal(e.details.column, column);
  if (path !== undefined) assert.equal(e.details.path, path);
  return e;
}

const HEAD = 'version: 1\ntrust:\n  cas: [root.pem]\n';

describe('schema errors carry line and column', () => {
  test('bad revocation mode (the documented example)', () => {
    const e = rejects(`${HEAD}revocation:\n  require-staple: false\n  check: chain\n  mode: soft\n`, 7, 9, /revocation\.mode must be "hard-fail" or "soft-fail" \(got "soft"\); did you mean "soft-fail"\?/, 'revocation.mode');
    assert.equal(e.details.problems instanceof Array && e.details.problems.length, 1);
  });

  test('unknown key, with a did-you-mean suggestion', () => {
    rejects(`${HEAD}revocation:\n  mode: hard-fail\n  require-stapel: true\n`, 6, 3, /unknown key "require-stapel" in revocation: did you mean "require-staple"\?/, 'revocation.require-stapel');
  });

  test('unknown key in camelCase suggests the kebab-case name', () => {
    rejects(`${HEAD}revocation:\n  maxResponseAge: 1d\n`, 5, 3, /did you mean "max-response-age"\?/);
  });

  test('unknown top-level key without a close match lists the known keys', () => {
    rejects(`${HEAD}frobnicate: 1\n`, 4, 1, /unknown key "frobnicate" at the top level; known keys: version, trust, revocation, purpose, clock-skew, destinations, inbound/);
  });

  test('unknown key inside a destination rule', () => {
    rejects(`${HEAD}destinations:\n  - match: a.example\n    trsut: { system: true }\n`, 6, 5, /unknown key "trsut" in destinations\[0\]: did you mean "trust"\?/);
  });

  test('wrong type', () => {
    rejects('version: 1\ntrust:\n  cas: [root.pem]\n  system: "yes"\n', 4, 11, /trust\.system must be true or false \(got string "yes"\)/, 'trust.system');
  });

  test('wrong type for a list', () => {
    rejects('version: 1\ntrust:\n  cas: root.pem\n', 3, 8, /trust\.cas must be a list \(got string "root\.pem"\)/);
  });

  test('bad duration', () => {
    rejects(`${HEAD}revocation:\n  timeouts:\n    ocsp: 5 minutes\n`, 6, 11, /revocation\.timeouts\.ocsp must be a duration: integer seconds or a string like "30s", "5m", "2h", "1d" \(got "5 minutes"\)/);
  });

  test('negative duration', () => {
    rejects(`${HEAD}clock-skew: -5\n`, 4, 13, /clock-skew must be at least 0/);
  });

  test('duration over its limit', () => {
    rejects(`${HEAD}clock-skew: 2h\n`, 4, 13, /clock-skew must be at most 1h \(got "2h"\)/);
  });

  test('zero timeout', () => {
    rejects(`${HEAD}revocation:\n  timeouts: { crl: 0s }\n`, 5, 20, /revocation\.timeouts\.crl must be more than 0/);
  });

  test('bad pin syntax', () => {
    rejects(`version: 1\ntrust:\n  pins:\n    - "${PIN_A}"\n    - "sha1/abc="\n`, 5, 7, /trust\.pins\[1\] must be "sha256\/" followed by 44 base64 characters/, 'trust.pins[1]');
  });

  test('bad pin inside a pin object', () => {
    rejects(`version: 1\ntrust:\n  pins:\n    - "${PIN_A}"\n    - pin: "sha256/tooshort="\n      note: backup\n`, 5, 12, /trust\.pins\[1\]\.pin must be "sha256\/"/);
  });

  test('non-canonical pin base64', () => {
    const bad = `${PIN_A.slice(0, -2)}${PIN_A.at(-2) === 'A' ? 'B' : PIN_A.at(-2) === 'B' ? 'C' : 'B'}=`;
    // Only rejected when the changed character carries bits past the 256th; try until non-canonical.
    const candidates = ['B', 'C', 'D', 'F'].map((c) => `${PIN_A.slice(0, -2)}${c}=`).filter((p) => Buffer.from(p.slice(7), 'base64').toString('base64') !== p.slice(7));
    assert.ok(candidates.length > 0 || bad);
    rejects(`version: 1\ntrust:\n  pins: ["${PIN_B}", "${candidates[0]}"]\n`, 3, 10 + PIN_B.length + 4, /trust\.pins\[1\] is not canonical base64 of a 32-byte SHA-256/);
  });

  test('unknown key in a pin object', () => {
    rejects(`version: 1\ntrust:\n  pins:\n    - pin: "${PIN_A}"\n      expiry: 2030-01-01\n    - "${PIN_B}"\n`, 5, 7, /unknown key "expiry" in trust\.pins\[0\]: did you mean "expires"\?/);
  });

  test('bad pin expiry date', () => {
    rejects(`version: 1\ntrust:\n  pins:\n    - pin: "${PIN_A}"\n      expires: 2030-02-30\n    - "${PIN_B}"\n`, 5, 16, /trust\.pins\[0\]\.expires is not a calendar date \(got "2030-02-30"\)/);
  });

  test('bad version and missing version', () => {
    rejects('version: 2\ntrust:\n  cas: [root.pem]\n', 1, 10, /version must be 1 \(got 2\): this certwarden reads policy format version 1/, 'version');
    rejects('trust:\n  cas: [root.pem]\n', 1, 1, /missing required key "version": add "version: 1" at the top/);
    rejects('version: "1"\ntrust:\n  cas: [root.pem]\n', 1, 10, /version must be an integer \(got string "1"\)/);
  });

  test('missing trust section', () => {
    rejects('version: 1\n', 1, 1, /missing required key "trust"/);
  });

  test('a top level that is not a mapping', () => {
    rejects('- version\n- 1\n', 1, 1, /the policy must be a mapping with "version" and "trust" keys \(got a list\)/);
  });

  test('bad host pattern', () => {
    rejects(`${HEAD}destinations:\n  - match: "api.*.example"\n    trust: { system: true }\n`, 5, 12, /destinations\[0\]\.match must be a host pattern/);
    rejects(`${HEAD}destinations:\n  - match: "a.example:70000"\n`, 5, 12, /destinations\[0\]\.match has a port outside 1-65535/);
  });

  test('duplicate pattern across rules', () => {
    rejects(`${HEAD}destinations:\n  - match: "*.a.example"\n  - match: ["b.example", "*.A.example"]\n`, 6, 26, /destinations\[1\]\.match\[1\]: pattern "\*\.A\.example" already appears at destinations\[0\]\.match/);
  });

  test('duplicate revocation source', () => {
    rejects(`${HEAD}revocation:\n  sources: [ocsp, crl, ocsp]\n`, 5, 24, /revocation\.sources lists "ocsp" twice/);
  });

  test('empty sources', () => {
    rejects(`${HEAD}revocation:\n  sources: []\n`, 5, 12, /revocation\.sources must list at least 1 item/);
  });

  test('require-staple without staple in sources', () => {
    rejects(`${HEAD}revocation:\n  sources: [ocsp, crl]\n  require-staple: true\n`, 6, 19, /revocation\.require-staple is true but "staple" is not in sources \["ocsp","crl"\]/);
    rejects(
      `${HEAD}revocation:\n  require-staple: true\ndestinations:\n  - match: a.example\n    revocation: { sources: [ocsp] }\n`,
      8,
      28,
      /destinations\[0\]\.revocation\.sources \["ocsp"\] lacks "staple", but the inherited require-staple is true/,
    );
  });

  test('inbound: staple is not a client source and client-cas is required', () => {
    rejects(`${HEAD}inbound:\n  client-cas: [root.pem]\n  revocation:\n    sources: [staple]\n`, 7, 15, /inbound\.revocation\.sources\[0\] must be "ocsp" or "crl"/);
    rejects(`${HEAD}inbound:\n  revocation: { mode: hard-fail }\n`, 5, 3, /inbound: missing required key "client-cas"/);
    rejects(`${HEAD}inbound:\n  client-cas: [root.pem]\n  revocation:\n    require-staple: true\n`, 7, 5, /unknown key "require-staple" in inbound\.revocation/);
  });

  test('inbound.listeners: names, keys and CA files are checked where they stand', () => {
    const L = `${HEAD}inbound:\n  client-cas: [root.pem]\n  listeners:\n`;
    const bad = f.fail(`${L}    "-bad": { client-cas: [root.pem] }\n`);
    assert.equal(bad.code, ErrorCode.POLICY);
    assert.match(bad.message, /must be a listener name/);
    rejects(`${L}    admin:\n      client-cas: [root.pem]\n      require-staple: true\n`, 9, 7, /unknown key "require-staple" in inbound\.listeners\.admin/);
    rejects(`${L}    admin:\n      client-cas: [missing.pem]\n`, 8, 20, /inbound\.listeners\.admin\.client-cas\[0\]: cannot read CA file ".*missing\.pem" \(no such file\)/);
    rejects(`${L}    admin:\n      client-cas: []\n`, 8, 19, /client-cas/);
  });

  test('several problems: the first in the file is reported, all are in details', () => {
    const e = rejects(`${HEAD}revocation:\n  mode: soft\n  check: all\n`, 5, 9, /\(and 1 more problem\)$/);
    const problems = e.details.problems as { line: number; path: string }[];
    assert.deepEqual(
      problems.map((p) => [p.line, p.path]),
      [
        [5, 'revocation.mode'],
        [6, 'revocation.check'],
      ],
    );
  });
});

describe('pins: backup required, expiry fails closed', () => {
  test('a single pin without a backup is an error', () => {
    rejects(`version: 1\ntrust:\n  cas: [root.pem]\n  pins: ["${PIN_A}"]\n`, 4, 9, /trust\.pins has one pin; add a backup pin .* or set allow-single-pin: true/, 'trust.pins');
  });

  test('allow-single-pin: true accepts one pin', () => {
    const p = f.load(`version: 1\ntrust:\n  pins: ["${PIN_A}"]\n  allow-single-pin: true\n`);
    assert.equal(p.trust.pins.length, 1);
  });

  test('a repeated pin is not a backup', () => {
    rejects(`version: 1\ntrust:\n  pins:\n    - "${PIN_A}"\n    - "${PIN_A}"\n`, 5, 7, /trust\.pins\[1\] repeats trust\.pins\[0\]: a repeated pin is not a backup pin/);
  });

  test('a destination that replaces pins with a single one needs allow-single-pin', () => {
    rejects(
      `version: 1\ntrust:\n  pins: ["${PIN_A}", "${PIN_B}"]\ndestinations:\n  - match: x.example\n    trust:\n      pins: ["${PIN_A}"]\n`,
      7,
      13,
      /destinations\[0\]\.trust\.pins has one pin \(for destination "x\.example"\)/,
    );
  });

  test('a destination that inherits a single allowed pin but turns allow-single-pin off is rejected', () => {
    rejects(
      `version: 1\ntrust:\n  pins: ["${PIN_A}"]\n  allow-single-pin: true\ndestinations:\n  - match: x.example\n    trust:\n      allow-single-pin: false\n`,
      3,
      9,
      /trust\.pins has one pin \(for destination "x\.example"\)/,
    );
  });

  test('an expired pin is ignored with a warning; the loss of the backup is warned', () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const p = f.load(`version: 1\ntrust:\n  pins:\n    - pin: "${PIN_A}"\n      expires: 2030-01-01\n    - "${PIN_B}"\n`, { now });
    assert.equal(p.trust.pins.length, 2, 'kept, with its expiry, so long-running processes judge expiry themselves');
    assert.equal(p.warnings.length, 2);
    assert.match(p.warnings[0]!.message, /policy\.yaml:4:7: trust\.pins\[0\] expired on 2030-01-01T00:00:00\.000Z and is ignored; remove it from the policy/);
    assert.match(p.warnings[1]!.message, /policy\.yaml:4:5: trust\.pins: only one unexpired pin remains; add a new backup pin/);
    assert.equal(p.warnings[0]!.location.line, 4);
  });

  test('a pin expiring at a date-time with zone', () => {
    const yaml = `version: 1\ntrust:\n  pins:\n    - { pin: "${PIN_A}", expires: "2030-01-01T12:00:00+02:00" }\n    - "${PIN_B}"\n`;
    assert.equal(f.load(yaml, { now: new Date('2030-01-01T09:59:59Z') }).warnings.length, 0);
    assert.equal(f.load(yaml, { now: new Date('2030-01-01T10:00:00Z') }).warnings.length, 2);
  });

  test('all pins expired: the policy is invalid (fail closed)', () => {
    const e = f.fail(
      `version: 1\ntrust:\n  cas: [root.pem]\n  pins:\n    - { pin: "${PIN_A}", expires: 2020-01-01 }\n    - { pin: "${PIN_B}", expires: 2021-01-01 }\n`,
    );
    assert.match(e.message, /policy\.yaml:5:5: trust\.pins: every pin has expired, so no connection could succeed; add current pins/);
    assert.equal(e.details.line, 5);
  });
});

describe('files and syntax', () => {
  test('missing CA file', () => {
    rejects('version: 1\ntrust:\n  cas:\n    - root.pem\n    - missing.pem\n', 5, 7, /trust\.cas\[1\]: cannot read CA file ".*missing\.pem" \(no such file\); relative paths resolve from the policy file's folder/, 'trust.cas[1]');
  });

  test('CA file that is not a certificate', () => {
    f.write('notes.pem', 'these are not the certificates you are looking for\n');
    rejects('version: 1\ntrust:\n  cas: [notes.pem]\n', 3, 9, /trust\.cas\[0\]: CA file ".*notes\.pem" does not hold a certificate in PEM or DER form/);
    f.write('key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    rejects('version: 1\ntrust:\n  cas: [key.pem]\n', 3, 9, /does not hold a certificate.*CERTIFICATE/);
    f.write('garbage.der', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
    rejects('version: 1\ntrust:\n  cas: [garbage.der]\n', 3, 9, /does not hold a certificate/);
  });

  test('inline PEM that is not a certificate', () => {
    rejects('version: 1\ntrust:\n  cas:\n    - |\n      -----BEGIN CERTIFICATE-----\n      bm90IGEgY2VydA==\n      -----END CERTIFICATE-----\n', 4, 7, /trust\.cas\[0\]: the inline PEM does not hold a certificate/);
  });

  test('CA path relative to the policy file folder, not the cwd', () => {
    const sub = f.write('sub-policy.yaml', 'version: 1\ntrust:\n  cas: [root.pem]\n');
    const prev = process.cwd();
    process.chdir('/');
    try {
      assert.equal(loadPolicy(sub).trust.anchors.length, 1);
    } finally {
      process.chdir(prev);
    }
  });

  test('YAML syntax error', () => {
    rejects('version: 1\ntrust:\n  cas: [root.pem\nrevocation:\n  mode: hard-fail\n', 4, 1, /YAML syntax error: /);
    rejects('version: 1\ntrust:\n  cas: [root.pem]\n   mode: x\n', 4, 1, /YAML syntax error: /);
  });

  test('duplicate keys are a syntax error', () => {
    rejects('version: 1\ntrust:\n  cas: [root.pem]\ntrust:\n  system: true\n', 4, 1, /YAML syntax error: Map keys must be unique/);
  });

  test('empty file and comment-only file', () => {
    for (const text of ['', '# nothing here\n', '\n\n']) {
      const e = f.fail(text);
      assert.match(e.message, /policy\.yaml:1:1: the policy file is empty; it needs at least "version: 1" and a "trust" section/);
      assert.equal(e.details.line, 1);
    }
  });

  test('errors in a JSON policy carry line and column too', () => {
    const e = f.fail('{\n  "version": 1,\n  "trust": {"cas": ["root.pem"]},\n  "revocation": {"timeouts": {"ocsp": "5 sec"}}\n}\n', undefined, 'policy.json');
    assert.match(e.message, /policy\.json:4:39: revocation\.timeouts\.ocsp must be a duration/);
  });

  test('missing policy file', () => {
    const path = join(f.dir, 'nope.yaml');
    assert.throws(
      () => loadPolicy(path),
      (e: unknown) => isCertwardenError(e) && e.code === ErrorCode.POLICY && e.message.includes('nope.yaml: cannot read the policy file (no such file)') && e.details.file === path,
    );
  });

  test('a policy that trusts nothing', () => {
    rejects('version: 1\ntrust: {}\n', 2, 8, /trust names no anchor, so nothing would be trusted/);
    rejects('version: 1\ntrust:\n  cas: []\n  pins: []\n', 3, 3, /trust names no anchor/);
  });

  test('a destination that trusts nothing when the top level is empty', () => {
    rejects('version: 1\ntrust: {}\ndestinations:\n  - match: a.example\n    revocation: { mode: soft-fail }\n', 4, 5, /destinations\[0\] \("a\.example"\) trusts nothing/);
    // With a trusting rule, an empty top level is allowed: unmatched hosts trust nothing.
    const p = f.load('version: 1\ntrust: {}\ndestinations:\n  - match: a.example\n    trust: { cas: [root.pem] }\n');
    assert.equal(p.trust.anchors.length, 0);
  });

  test('object input errors have no line but name the path', () => {
    assert.throws(
      () => loadPolicy({ version: 1, trust: { cas: ['root.pem'] }, revocation: { mode: 'soft' } }, { baseDir: f.dir, sourceName: 'inline-policy' }),
      (e: unknown) =>
        isCertwardenError(e) &&
        e.message === 'inline-policy: revocation.mode must be "hard-fail" or "soft-fail" (got "soft"); did you mean "soft-fail"?' &&
        e.details.path === 'revocation.mode' &&
        e.details.line === undefined,
    );
    assert.throws(() => loadPolicy(null as unknown as object), /loadPolicy needs a file path or a policy object/);
  });
});
