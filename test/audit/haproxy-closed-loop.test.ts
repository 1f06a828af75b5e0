/**
 * The closed loop for HAProxy 2.6, which has no `ocsp-update`: a weak
 * configuration (clients not required to present a certificate, a backend
 * not verified, nothing stapled) is audited, started on loopback and scanned
 * (both requirements fail); the audit's line edits are applied, `haproxy -c`
 * accepts the result, the stapling step the audit names
 * (`certwarden ocsp check --out CERT.ocsp`) produces the staple from
 * certwarden's CA (`ca serve` answering OCSP), and the fixed configuration,
 * started and scanned with runScan, passes V9.2.1 and V9.2.4. Loopback only:
 * the CA's URLs are 127.0.0.1 and HAProxy's resolvers point at 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CA_FILES } from '../../src/ca/ca.ts';
import { CrlPublisher } from '../../src/ca/crl-publisher.ts';
import { toPem } from '../../src/util/pem.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { runScan } from '../../src/scan/runner.ts';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits, writeFixes } from '../../src/audit/fix.ts';
import { freshCa, PASSPHRASE } from '../ca/fixtures.ts';
import { runCli } from '../helpers/cli.ts';
import { freePort, waitForPort } from '../helpers/openssl-ocsp.ts';
import { projectRoot } from '../helpers/shared.ts';

const HAPROXY = '/usr/sbin/haproxy';
/** haproxy -c takes well under a second; this only stops a hung binary. */
const CHECK_TIMEOUT_MS = 30_000;
/** Validity of the client-certificate CRL the bind names: it only has to outlive the test. */
const CRL_VALIDITY_MS = 86_400_000;

type Status = 'pass' | 'fail' | 'warn' | 'na' | 'error';
interface Requirements { requirements: Record<'V9.2.1' | 'V9.2.4', { status: Status; findings: { id: string; fix?: string }[] }> }

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Every finding id over all of a report's results (frontend and backend). */
function findingIds(results: readonly Requirements[]): string[] {
  return results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
}

/** A requirement passes for the configuration when no result fails, warns or errs on it, and at least one passes. */
function overall(results: readonly Requirements[], req: 'V9.2.1' | 'V9.2.4'): string {
  const statuses = results.map((r) => r.requirements[req].status);
  if (statuses.some((s) => s === 'fail' || s === 'error')) return 'fail';
  if (statuses.some((s) => s === 'warn')) return 'warn';
  return statuses.includes('pass') ? 'pass' : 'na';
}

describe('audit closed loop for HAProxy 2.6: fix, haproxy -c, ocsp check --out, start, scan', { skip: !existsSync(HAPROXY) && 'haproxy not installed' }, () => {
  let f: Awaited<ReturnType<typeof freshCa>>;
  let serve: ChildProcess | undefined;
  let haproxy: ChildProcess | undefined;
  let caPort: number;
  let sitePem: string;
  let leafPath: string;
  let issuingPath: string;
  let rootPath: string;
  let crlPath: string;
  let policy: Policy;

  before(async () => {
    caPort = await freePort();
    const base = `http://127.0.0.1:${caPort}`;
    f = await freshCa({ ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl`] });
    const site = await f.ca.issue({ profile: 'server', sans: ['DNS:api.audit.test'] });
    const key = site.privateKey!.export({ format: 'pem', type: 'pkcs8' }) as string;
    // HAProxy's crt: leaf, chain and key in one file; the chain's issuer lets it match CERT.ocsp at start-up.
    sitePem = f.write('site.pem', [site.certificate, f.ca.issuing.certificate].map((c) => c.toPem()).join('') + key);
    leafPath = f.write('leaf.pem', site.certificate.toPem());
    issuingPath = join(f.dir, CA_FILES.issuingCert);
    rootPath = join(f.dir, CA_FILES.rootCert);
    crlPath = f.write('clients.crl.pem', toPem((await new CrlPublisher(f.ca, CRL_VALIDITY_MS).publish()).der, 'X509 CRL'));
    await f.ca.close();
    policy = loadPolicy(f.write('policy.yaml', `version: 1\ntrust:\n  cas: [${rootPath}]\nrevocation:\n  mode: hard-fail\n  require-staple: true\n`));
    serve = spawn(process.execPath, [join(projectRoot, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', f.dir, '--listen', `127.0.0.1:${caPort}`, '--poll-ms', '50'], { env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForPort(caPort, 15_000, serve);
  });
  after(async () => {
    await stop(haproxy);
    await stop(serve);
    await f?.cleanup();
  });

  /** Start HAProxy on `cfg`, scan api.audit.test on `port`, stop it. */
  async function startAndScan(cfg: string, port: number): Promise<{ results: Requirements[]; log: string }> {
    haproxy = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    haproxy.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    haproxy.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await waitForPort(port, 10_000, haproxy);
      const report = await runScan({ policy, targets: [{ input: `api.audit.test:${port}`, host: 'api.audit.test', port, address: '127.0.0.1' }], targetTimeoutMs: 20_000 });
      return { results: report.results as unknown as Requirements[], log };
    } finally {
      await stop(haproxy);
    }
  }

  test('the weak configuration fails audit and scan; the audit\'s fixes plus ocsp check --out pass haproxy -c, the re-audit and the scan of the running server', async () => {
    const hdir = join(f.dir, '..', 'haproxy');
    mkdirSync(hdir, { recursive: true });
    const port = await freePort();
    const conf = f.write(
      'haproxy.cfg',
      [
        '# the API front end on HAProxy 2.6 (weak: client certificate optional, backend unverified, nothing stapled)',
        'global',
        '    maxconn 64',
        '    nbthread 1',
        'defaults',
        '    mode http',
        '    timeout connect 5s',
        '    timeout client 10s',
        '    timeout server 10s',
        'frontend api',
        `    bind 127.0.0.1:${port} ssl crt ${sitePem} verify optional ca-file ${rootPath} crl-file ${crlPath}`,
        '    http-request return status 200 content-type text/plain string ok',
        '    default_backend app',
        'backend app',
        '    server s1 127.0.0.1:9 ssl verify none sni str(backend.audit.test)   # the internal API',
        // Otherwise HAProxy builds a `default` resolvers section from /etc/resolv.conf: keep it on loopback.
        'resolvers default',
        '    nameserver loopback 127.0.0.1:53',
        '',
      ].join('\n'),
    );
    assert.equal(spawnSync(HAPROXY, ['-c', '-f', conf], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS }).status, 0, 'haproxy -c accepts the weak configuration');

    // 1. The audit finds what is weak, and names the stapling step.
    const weak = runAudit({ paths: [conf], policy });
    const weakResults = weak.report.results as unknown as Requirements[];
    const ids = findingIds(weakResults);
    for (const id of ['haproxy-bind-verify-optional', 'haproxy-server-verify-none', 'haproxy-stapling-missing']) assert.ok(ids.includes(id), `${id} fires: ${ids.join(', ')}`);
    assert.equal(overall(weakResults, 'V9.2.1'), 'fail');
    assert.equal(overall(weakResults, 'V9.2.4'), 'fail');
    const stapling = weakResults.flatMap((r) => r.requirements['V9.2.4'].findings).find((x) => x.id === 'haproxy-stapling-missing')!;
    assert.match(stapling.fix ?? '', /certwarden ocsp check --cert CERT --issuer ISSUER --out CERT\.ocsp/);
    assert.match(stapling.fix ?? '', /ocsp-update on/);

    // 2. The weak configuration running: the scan fails both requirements too.
    const weakScan = await startAndScan(conf, port);
    assert.equal(overall(weakScan.results, 'V9.2.1'), 'fail', `${JSON.stringify(weakScan.results[0]?.requirements['V9.2.1'])}\n${weakScan.log}`);
    assert.equal(overall(weakScan.results, 'V9.2.4'), 'fail', `${JSON.stringify(weakScan.results[0]?.requirements['V9.2.4'])}\n${weakScan.log}`);

    assert.ok(findingIds(weakScan.results).includes('client-auth-accepts-untrusted'), 'verify optional: a client without a certificate is let in');
    assert.ok(findingIds(weakScan.results).includes('staple-missing'), 'nothing stapled');
    // 3. The audit's line edits, checked by the binary.
    const [fixed] = writeFixes(applyEdits(weak.edits, weak.load.texts, weak.load.diskPaths), join(f.dir, '..', 'fixed-haproxy'), [{ path: conf, isDir: false }]);
    const check = spawnSync(HAPROXY, ['-c', '-f', fixed!], { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);

    // The line edits alone leave stapling to the step below: on 2.6 it is not a configuration line.
    const edited = runAudit({ paths: [fixed!], policy }).report.results as unknown as Requirements[];
    assert.equal(overall(edited, 'V9.2.1'), 'pass', JSON.stringify(edited.map((r) => r.requirements['V9.2.1'])));
    assert.deepEqual(findingIds(edited), ['haproxy-stapling-missing']);

    // 4. The stapling step: a verified good response beside the certificate.
    const ocsp = await runCli(['ocsp', 'check', '--cert', leafPath, '--issuer', issuingPath, '--out', `${sitePem}.ocsp`]);
    assert.equal(ocsp.code, 0, ocsp.stderr + ocsp.stdout);
    assert.ok(existsSync(`${sitePem}.ocsp`));

    // 5. The re-audit and the scan of the running fixed server pass both requirements.
    const reaudit = runAudit({ paths: [fixed!], policy }).report.results as unknown as Requirements[];
    assert.equal(overall(reaudit, 'V9.2.1'), 'pass', JSON.stringify(reaudit.map((r) => r.requirements['V9.2.1'])));
    assert.equal(overall(reaudit, 'V9.2.4'), 'pass', JSON.stringify(reaudit.map((r) => r.requirements['V9.2.4'])));
    const fixedScan = await startAndScan(fixed!, port);
    assert.equal(overall(fixedScan.results, 'V9.2.1'), 'pass', `${JSON.stringify(fixedScan.results[0]?.requirements['V9.2.1'])}\n${fixedScan.log}`);
    assert.equal(overall(fixedScan.results, 'V9.2.4'), 'pass', `${JSON.stringify(fixedScan.results[0]?.requirements['V9.2.4'])}\n${fixedScan.log}`);
    assert.ok(findingIds(fixedScan.results).includes('client-auth-enforced'), 'verify required: untrusted clients refused');
    assert.ok(!findingIds(fixedScan.results).includes('staple-missing'), 'the staple from ocsp check --out is served');
  });
});
