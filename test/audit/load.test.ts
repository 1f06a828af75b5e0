/** Includes and units per dialect: roots, crt-lists, inheritance, and where --fix writes. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import { MAX_INCLUDE_DEPTH } from '../../src/audit/load.ts';
import { applyEdits, fixTarget } from '../../src/audit/fix.ts';
import { tempDir } from '../helpers/pki.ts';

const tmp = tempDir('certwarden-audit-load-');
after(() => tmp.cleanup());
const idsOf = (paths: string[], dialect?: 'nginx' | 'apache' | 'haproxy'): string[] =>
  runAudit({ paths, ...(dialect ? { dialect } : {}) }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => `${f.id}@${f.file.split('/').pop()}:${f.line}`)));

test('nginx: a location that turns proxy_ssl_verify off overrides the server\'s on (innermost wins)', () => {
  const p = tmp.write('inherit.conf', 'server {\n    proxy_ssl_verify on;\n    proxy_ssl_trusted_certificate ca.pem;\n    location / {\n        proxy_ssl_verify off;\n        proxy_pass https://a.internal;\n    }\n}\n');
  assert.ok(idsOf([p], 'nginx').includes('nginx-upstream-verify-off@inherit.conf:6'));
});

test('nginx stream: proxy_pass with proxy_ssl on is a TLS upstream and must verify', () => {
  const p = tmp.write('stream.conf', 'stream {\n    server {\n        listen 5432;\n        proxy_ssl on;\n        proxy_pass db.internal:5433;\n    }\n}\n');
  const ids = idsOf([p], 'nginx');
  assert.ok(ids.includes('nginx-upstream-verify-off@stream.conf:5'), ids.join());
  const q = tmp.write('stream-plain.conf', 'stream {\n    server {\n        listen 5432;\n        proxy_pass db.internal:5433;\n    }\n}\n');
  assert.ok(!idsOf([q], 'nginx').some((x) => x.startsWith('nginx-upstream-')));
});

test('nginx: includes resolve from the folder of nginx.conf (the conf prefix), and findings point into the included file', () => {
  const root = join(tmp.dir, 'etc-nginx');
  mkdirSync(join(root, 'sites'), { recursive: true });
  mkdirSync(join(root, 'snippets'), { recursive: true });
  tmp.write('etc-nginx/nginx.conf', 'http {\n    include sites/*.conf;\n}\n');
  tmp.write('etc-nginx/sites/api.conf', 'server {\n    listen 443 ssl;\n    include snippets/tls.conf;\n}\n');
  tmp.write('etc-nginx/snippets/tls.conf', 'ssl_stapling off;\n');
  const { report } = runAudit({ paths: [root] });
  assert.equal(report.results.length, 1, 'the included site is audited through nginx.conf only');
  const f = report.results[0]!.requirements['V9.2.4'].findings.find((x) => x.id === 'nginx-stapling-off')!;
  assert.equal(f.file, join(root, 'snippets', 'tls.conf'));
  assert.equal(f.line, 1);
  assert.equal(report.results[0]!.file, join(root, 'sites', 'api.conf'));
});

test('Apache: Include resolves from ServerRoot; IncludeOptional that matches nothing is silent; a missing Include is a finding', () => {
  const root = join(tmp.dir, 'apache');
  mkdirSync(join(root, 'conf.d'), { recursive: true });
  tmp.write('apache/conf.d/ssl.conf', '<VirtualHost *:443>\n    SSLEngine on\n    SSLUseStapling on\n</VirtualHost>\n');
  const main = tmp.write('apache/main.conf', `ServerRoot ${root}\nSSLStaplingCache shmcb:logs/s(32768)\nInclude conf.d/*.conf\nIncludeOptional optional/*.conf\nInclude nothere.conf\n`);
  const ids = idsOf([main], 'apache');
  assert.ok(!ids.some((x) => x.startsWith('apache-stapling-off')), ids.join());
  assert.ok(ids.includes('include-missing@main.conf:5'), ids.join());
  assert.ok(!ids.some((x) => x.startsWith('include-missing@main.conf:4')));
});

test('include depth is bounded: a chain deeper than MAX_INCLUDE_DEPTH is reported, not followed', () => {
  const dir = join(tmp.dir, 'deep');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < MAX_INCLUDE_DEPTH + 5; i++) tmp.write(`deep/${i}.conf`, `include ${i + 1}.conf;\n`);
  tmp.write(`deep/${MAX_INCLUDE_DEPTH + 5}.conf`, 'server { listen 443 ssl; }\n');
  const ids = idsOf([join(dir, '0.conf')], 'nginx');
  assert.ok(ids.some((x) => x.startsWith('include-missing@')), ids.join());
  const { report } = runAudit({ paths: [join(dir, '0.conf')], dialect: 'nginx' });
  assert.match(JSON.stringify(report), /nested deeper than 32/);
});

test('Apache: two TLS virtual hosts in one file get one SSLStaplingCache line, before the first', () => {
  const p = tmp.write('two-vhosts.conf', '<VirtualHost *:443>\n    SSLEngine on\n</VirtualHost>\n<VirtualHost *:8443>\n    SSLEngine on\n</VirtualHost>\n');
  const run = runAudit({ paths: [p], dialect: 'apache' });
  const [fixed] = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
  assert.equal(fixed!.after.match(/SSLStaplingCache/g)?.length, 1, fixed!.after);
  assert.ok(fixed!.after.startsWith('SSLStaplingCache'), fixed!.after);
});

test('HAProxy: crt-list lines are followed; a certificate with a .ocsp file next to it staples, one without does not', () => {
  const dir = join(tmp.dir, 'haproxy');
  mkdirSync(dir, { recursive: true });
  tmp.write('haproxy/a.pem', 'x');
  tmp.write('haproxy/a.pem.ocsp', 'x');
  tmp.write('haproxy/b.pem', 'x');
  tmp.write('haproxy/list-good.txt', `${dir}/a.pem\n`);
  tmp.write('haproxy/list-bad.txt', `${dir}/a.pem [alpn h2]\n${dir}/b.pem\n`);
  const good = tmp.write('haproxy/good.cfg', 'frontend f\n    bind :443 ssl crt-list list-good.txt\n');
  const bad = tmp.write('haproxy/bad.cfg', 'frontend f\n    bind :443 ssl crt-list list-bad.txt\n');
  assert.ok(!idsOf([good]).some((x) => x.startsWith('haproxy-stapling-missing')));
  assert.ok(idsOf([bad]).includes('haproxy-stapling-missing@bad.cfg:2'));
});

test('--fix DIR keeps each file\'s path relative to the folder given; a single file lands at DIR/its-name', () => {
  const root = join(tmp.dir, 'tree');
  mkdirSync(join(root, 'conf.d'), { recursive: true });
  const file = tmp.write('tree/conf.d/x.conf', 'server {\n    listen 443 ssl;\n}\n');
  const run = runAudit({ paths: [root], dialect: 'nginx' });
  const [fixed] = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
  assert.equal(fixTarget('/out', fixed!, [{ path: root, isDir: true }]), '/out/conf.d/x.conf');
  assert.equal(fixTarget('/out', fixed!, [{ path: file, isDir: false }]), '/out/x.conf');
});
