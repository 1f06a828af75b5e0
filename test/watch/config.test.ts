import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaAjv } from '../helpers/ajv.ts';
import { parse as parseYaml } from 'yaml';
import { parseWatchConfig, loadWatchConfig, DEFAULT_EVERY_MS, type WebhookChannel } from '../../src/watch/config.ts';
import { WATCH_CONFIG_SCHEMA } from '../../src/watch/config-schema.ts';
import { isCertwardenError } from '../../src/errors.ts';
import { tempDir } from '../helpers/pki.ts';

const root = join(import.meta.dirname, '..', '..');

function problem(text: string): string {
  try {
    parseWatchConfig(text, '/cfg/watch.yaml');
  } catch (err) {
    assert.ok(isCertwardenError(err));
    assert.equal(err.code, 'CW_ERR_WATCH_CONFIG');
    return err.message;
  }
  assert.fail('expected an error');
}

test('schema/watch-config.schema.json is the loader\'s schema (regenerate: see docs/watch.md)', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'schema', 'watch-config.schema.json'), 'utf8')), JSON.parse(JSON.stringify(WATCH_CONFIG_SCHEMA)));
});

test('examples/watch.yaml is valid against the published schema, and its fleet file and paths resolve relative to it', () => {
  const t = tempDir('certwarden-watch-cfg-');
  try {
    t.write('fleet.txt', '# fleet\nweb1.internal:443\nweb2.internal\n');
    const example = readFileSync(join(root, 'examples', 'watch.yaml'), 'utf8');
    const file = t.write('watch.yaml', example);
    const c = loadWatchConfig(file);
    assert.equal(c.policyFile, join(t.dir, 'policy.yaml'));
    assert.deepEqual(c.targets.map((x) => x.label), ['good.internal:443', 'api.internal:8443', 'mx.internal:25', 'web1.internal:443', 'web2.internal']);
    const api = c.targets[1]!;
    assert.equal(api.scan.address, '10.0.0.5');
    assert.equal(api.scan.host, 'api.internal');
    assert.equal(api.everyMs, 60_000);
    assert.equal(api.zone, 'dc2');
    assert.equal(c.targets[2]!.scan.starttls, 'smtp');
    assert.equal(c.targets[0]!.everyMs, DEFAULT_EVERY_MS);
    assert.deepEqual(c.caHomes, ['/srv/ca']);
    assert.equal((c.alerts[0] as WebhookChannel).secretFile, join(t.dir, 'hook.secret'));
    assert.equal((c.alerts[1] as WebhookChannel).format, 'slack');
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9464 });
    const ajv = schemaAjv();
    assert.ok(ajv.validate(WATCH_CONFIG_SCHEMA, parseYaml(example)));
  } finally {
    t.cleanup();
  }
});


test('an unknown key is an error with its line and column', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets: [a:443]\neverry: 5m\n'), /^\/cfg\/watch\.yaml:4:\d+: unknown key "everry"/);
});

test('a bad duration names the line of the value', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets:\n  - { target: a:443, every: soon }\n'), /watch\.yaml:4:\d+: targets\[0\]\.every must be a duration/);
});

test('an interval under the minimum is refused', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\nevery: 1s\ntargets: [a:443]\n'), /:3:\d+: every must be at least 10s/);
});

test('a target entry needs exactly one of target, file, ca', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets:\n  - { target: a:443, ca: /srv/ca }\n'), /:4:\d+: targets\[0\] needs exactly one of target, file or ca \(got target and ca\)/);
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets:\n  - { zone: x }\n'), /needs exactly one of target, file or ca \(got none\)/);
});

test('an unparseable target is an error at its line', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets:\n  - good:443\n  - "bad host:1"\n'), /:5:\d+: invalid host/);
});

test('resolve must be an address', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets:\n  - { target: a:443, resolve: other.host }\n'), /resolve must be an IP address/);
});

test('a non-loopback listen without token-file is refused; with one it loads', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\nlisten: 0.0.0.0:9464\ntargets: [a:443]\n'), /:3:\d+: listen 0\.0\.0\.0:9464 is not a loopback address: set token-file/);
  const c = parseWatchConfig('version: 1\npolicy: p.yaml\nlisten: 0.0.0.0:9464\ntoken-file: tok\ntargets: [a:443]\n', '/cfg/watch.yaml');
  assert.equal(c.tokenFile, '/cfg/tok');
});

test('a target listed twice is refused (a label names one target)', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets: [a:443, a:443]\n'), /listed twice/);
});

test('YAML syntax errors carry the line', () => {
  assert.match(problem('version: 1\npolicy: p.yaml\ntargets: [a:443\n'), /^\/cfg\/watch\.yaml:\d+:\d+: YAML syntax/);
});

test('a missing file is CW_ERR_WATCH_CONFIG naming it', () => {
  assert.throws(() => loadWatchConfig('/nonexistent/watch.yaml'), (e: unknown) => isCertwardenError(e) && e.code === 'CW_ERR_WATCH_CONFIG' && /\/nonexistent\/watch\.yaml/.test(e.message));
});
