/**
 * The closed loop: a weak nginx configuration is audited, fixed by the audit's
 * own line edits, checked by `nginx -t`, started on loopback with a
 * certificate from certwarden's CA (`ca serve` answering OCSP), and scanned
 * with runScan: both requirements must pass. No real name is resolved: the
 * scan connects to 127.0.0.1 and the CA's URLs are loopback addresses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES } from '../../src/ca/ca.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { runScan } from '../../src/scan/runner.ts';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits, writeFixes } from '../../src/audit/fix.ts';
import { freshCa, PASSPHRASE } from '../ca/fixtures.ts';
import { freePort, waitForPort } from '../helpers/openssl-ocsp.ts';
import { projectRoot } from '../helpers/shared.ts';

/** nginx -t takes well under a second; this only stops a hung binary. */
const CHECK_TIMEOUT_MS = 30_000;

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('audit closed loop: fix, check, start, scan', () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let serve: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  let apache: ChildProcess | undefined;
  let caPort: number;
  let chainPath: string;
  let keyPath: string;
  let rootPath: string;

  before(async () => {
    caPort = await freePort();
    const base = `http://127.0.0.1:${caPort}`;
    f = await freshCa({ ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl`] });
    const site = await f.ca.issue({ profile: 'server', sans: ['DNS:api.audit.test'] });
    chainPath = f.write('site.chain.pem', [site.certificate, f.ca.issuing.certificate].map((c) => c.toPem()).join(''));
    keyPath = f.write('site.key', site.privateKey!.export({ format: 'pem', type: 'pkcs8' }) as string);
    rootPath = join(f.dir, CA_FILES.rootCert);
    await f.ca.close();
    serve = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', f.dir, '--listen', `127.0.0.1:${caPort}`, '--poll-ms', '50'], { env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForPort(caPort, 15_000, serve);
  });
  after(async () => {
    await stop(nginx);
    await stop(apache);
    await stop(serve);
    f?.cleanup();
  });

  test('nginx: the fixed configuration passes nginx -t and a scan of the running server passes V9.2.1 and V9.2.4', { skip: !existsSync('/usr/sbin/nginx') && 'nginx not installed' }, async () => {
    const ndir = join(f.dir, '..', 'nginx');
    mkdirSync(join(ndir, 'tmp'), { recursive: true });
    const port = await freePort();
    const policyPath = f.write('policy.yaml', `version: 1\ntrust:\n  cas: [${rootPath}]\nrevocation:\n  mode: hard-fail\n`);
    const policy = loadPolicy(policyPath);
    const conf = f.write(
      'nginx.conf',
      [
        '# the API front end (weak: no stapling, unverified upstream)',
        'worker_processes 1;',
        `pid ${ndir}/nginx.pid;`,
        'events { worker_connections 64; }',
        'http {',
        '    access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${ndir}/tmp;`),
        '    upstream backend_up { server 127.0.0.1:9; }',
        '    server {',
        `        listen 127.0.0.1:${port} ssl;`,
        '        server_name api.audit.test;',
        '        ssl_protocols TLSv1.2 TLSv1.3;',
        `        ssl_certificate ${chainPath};`,
        `        ssl_certificate_key ${keyPath};`,
        '        location / { return 200 "ok\\n"; }',
        '        location /backend {',
        '            proxy_ssl_name backend.audit.test;',
        '            proxy_pass https://backend_up;',
        '        }',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const before = runAudit({ paths: [conf], policy });
    assert.equal(before.report.results[0]!.requirements['V9.2.4'].status, 'fail');
    assert.equal(before.report.results[0]!.requirements['V9.2.1'].status, 'fail');
    const fixedDir = join(f.dir, '..', 'fixed');
    const [fixed] = writeFixes(applyEdits(before.edits, before.load.texts, before.load.diskPaths), fixedDir, [{ path: conf, isDir: false }]);
    assert.equal(fixed, join(fixedDir, 'nginx.conf'));
    const check = spawnSync('/usr/sbin/nginx', ['-t', '-p', ndir, '-c', fixed!, '-g', `error_log ${ndir}/error.log;`], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
    assert.equal(check.status, 0, check.stderr);
    const reaudit = runAudit({ paths: [fixed!], policy }).report.results[0]!;
    assert.equal(reaudit.requirements['V9.2.1'].status, 'pass', JSON.stringify(reaudit.requirements['V9.2.1']));
    assert.equal(reaudit.requirements['V9.2.4'].status, 'pass', JSON.stringify(reaudit.requirements['V9.2.4']));

    nginx = spawn('/usr/sbin/nginx', ['-p', ndir, '-c', fixed!, '-g', 'daemon off; error_log stderr;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let nginxErr = '';
    nginx.stderr!.on('data', (d: Buffer) => (nginxErr += d.toString()));
    await waitForPort(port, 10_000, nginx);
    const report = await runScan({ policy, targets: [{ input: `api.audit.test:${port}`, host: 'api.audit.test', port, address: '127.0.0.1' }], targetTimeoutMs: 20_000 });
    const r = report.results[0]!;
    assert.equal(r.requirements['V9.2.1'].status, 'pass', `${JSON.stringify(r.requirements['V9.2.1'])}\n${nginxErr}`);
    assert.equal(r.requirements['V9.2.4'].status, 'pass', `${JSON.stringify(r.requirements['V9.2.4'])}\n${nginxErr}`);
    assert.ok(readFileSync(fixed!, 'utf8').startsWith('# the API front end'));
  });
  test('Apache: the fixed virtual host passes apache2 -t and a scan of the running server passes V9.2.1 and V9.2.4', { skip: !existsSync('/usr/sbin/apache2') && 'apache2 not installed' }, async () => {
    const adir = join(f.dir, '..', 'apache');
    mkdirSync(join(adir, 'logs'), { recursive: true });
    const port = await freePort();
    const policy = loadPolicy(f.write('policy-apache.yaml', `version: 1\ntrust:\n  cas: [${rootPath}]\nrevocation:\n  mode: hard-fail\n`));
    const modules = '/usr/lib/apache2/modules';
    const conf = f.write(
      'httpd.conf',
      [
        '# the API front end on Apache (weak: no stapling)',
        `ServerRoot ${adir}`,
        `DefaultRuntimeDir ${adir}`,
        `PidFile ${adir}/httpd.pid`,
        `ErrorLog ${adir}/error.log`,
        `Mutex file:${adir} default`,
        'ServerName localhost',
        `DocumentRoot ${adir}`,
        ...['mpm_event', 'authz_core', 'socache_shmcb', 'ssl'].map((m) => `LoadModule ${m}_module ${modules}/mod_${m}.so`),
        'StartServers 1',
        'ServerLimit 1',
        'ThreadsPerChild 16',
        'MaxRequestWorkers 16',
        `Listen 127.0.0.1:${port}`,
        'SSLSessionCache none',
        `<VirtualHost 127.0.0.1:${port}>`,
        '    ServerName api.audit.test',
        '    SSLEngine on',
        `    SSLCertificateFile ${chainPath}`,
        `    SSLCertificateKeyFile ${keyPath}`,
        '</VirtualHost>',
        '',
      ].join('\n'),
    );
    const before = runAudit({ paths: [conf], policy });
    assert.equal(before.report.results[0]!.requirements['V9.2.4'].status, 'fail');
    const [fixed] = writeFixes(applyEdits(before.edits, before.load.texts, before.load.diskPaths), join(f.dir, '..', 'fixed-apache'), [{ path: conf, isDir: false }]);
    const check = spawnSync('/usr/sbin/apache2', ['-t', '-f', fixed!], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    const reaudit = runAudit({ paths: [fixed!], policy }).report.results[0]!;
    assert.equal(reaudit.requirements['V9.2.4'].status, 'pass', JSON.stringify(reaudit.requirements['V9.2.4']));
    apache = spawn('/usr/sbin/apache2', ['-f', fixed!, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    await waitForPort(port, 10_000, apache);
    try {
      const report = await runScan({ policy, targets: [{ input: `api.audit.test:${port}`, host: 'api.audit.test', port, address: '127.0.0.1' }], targetTimeoutMs: 20_000 });
      const r = report.results[0]!;
      const log = (): string => (existsSync(join(adir, 'error.log')) ? readFileSync(join(adir, 'error.log'), 'utf8') : '');
      assert.equal(r.requirements['V9.2.1'].status, 'pass', `${JSON.stringify(r.requirements['V9.2.1'])}\n${log()}`);
      assert.equal(r.requirements['V9.2.4'].status, 'pass', `${JSON.stringify(r.requirements['V9.2.4'])}\n${log()}`);
    } finally {
      // Apache forks workers: end the whole process group.
      try {
        process.kill(-apache.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await stop(apache);
    }
  });
});
