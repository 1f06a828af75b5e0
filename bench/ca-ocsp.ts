/**
 * `certwarden ca serve` vs `openssl ocsp -port`, same CA, same machine, same
 * load: OCSP requests per second (autocannon, POST with a fixed DER request
 * for a known serial, 10 connections, ~5 s each). Also: CRL generation time
 * for 100,000 revoked entries. Prints one JSON line, then a human summary.
 *
 *   node bench/ca-ocsp.ts [--duration SECONDS] [--connections N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { CA_FILES, CertificateAuthority } from '../src/ca/ca.ts';
import { CrlPublisher } from '../src/ca/crl-publisher.ts';
import { opensslIndex } from '../src/ca/openssl-index.ts';
import { SqliteStore } from '../src/ca/sqlite-store.ts';
import { buildOcspRequest } from '../src/ocsp/request.ts';
import { verifyOcspResponse } from '../src/ocsp/verify.ts';
import { freePort, waitForPort } from '../test/helpers/openssl-ocsp.ts';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
// autocannon ships no type declarations; this is the part of its API we use.
const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Promise<CannonResult>;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' } } });
const duration = Number(values.duration);
const connections = Number(values.connections);
const PASS = 'bench passphrase';
const ISSUED = 1000;
const CRL_ENTRIES = 100_000;

const tmp = mkdtempSync(join(tmpdir(), 'certwarden-bench-ca-'));
const children: ChildProcess[] = [];
const stopAll = (): void => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
};
process.on('exit', () => {
  stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function load(url: string, body: Buffer): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' }, connections, duration });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function check(url: string, body: Buffer, ca: CertificateAuthority, cert: Parameters<typeof verifyOcspResponse>[1]['certificate']): Promise<string> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request' } });
  return verifyOcspResponse(Buffer.from(await res.arrayBuffer()), { certificate: cert, issuer: ca.issuing.certificate }).status;
}

const dir = join(tmp, 'ca');
const ca = CertificateAuthority.init(dir, PASS, { name: 'Bench' });
const certs = Array.from({ length: ISSUED }, (_, i) => ca.issue({ profile: 'server', sans: [`DNS:host-${i}.bench`] }).certificate);
for (let i = 0; i < ISSUED; i += 10) ca.revoke(certs[i]!, 'keyCompromise');
const target = certs[1]!;
const request = buildOcspRequest({ issuer: ca.issuing.certificate, certificate: target }).der;

// OpenSSL's responder: same CA, same index (exported from the store), its own delegated signer.
const signer = ca.issueResponderCertificate(7 * 86_400_000);
writeFileSync(join(tmp, 'index.txt'), opensslIndex(ca.store));
writeFileSync(join(tmp, 'index.txt.attr'), 'unique_subject = no\n');
writeFileSync(join(tmp, 'rsigner.pem'), signer.certificate.toPem());
writeFileSync(join(tmp, 'rkey.pem'), signer.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
ca.close();

const cwPort = await freePort();
const cw = spawn(process.execPath, [join(root, 'src', 'cli', 'main.ts'), 'ca', 'serve', '--dir', dir, '--listen', `127.0.0.1:${cwPort}`], {
  env: { ...process.env, CERTWARDEN_CA_PASSPHRASE: PASS },
  stdio: ['ignore', 'ignore', 'ignore'],
});
children.push(cw);
await waitForPort(cwPort, 15_000, cw);
const caForCheck = CertificateAuthority.open(dir, PASS);
const cwUrl = `http://127.0.0.1:${cwPort}/ocsp`;
if ((await check(cwUrl, request, caForCheck, target)) !== 'good') throw new Error('certwarden did not answer good');
const certwarden = await load(cwUrl, request);
cw.kill('SIGTERM');

const osPort = await freePort();
let osLog = '';
const os = spawn('openssl', ['ocsp', '-index', join(tmp, 'index.txt'), '-port', String(osPort), '-rsigner', join(tmp, 'rsigner.pem'), '-rkey', join(tmp, 'rkey.pem'), '-CA', join(dir, CA_FILES.issuingCert), '-ndays', '1'], {
  cwd: tmp,
  stdio: ['ignore', 'pipe', 'pipe'],
});
os.stderr!.on('data', (d: Buffer) => (osLog += d.toString()));
os.stdout!.on('data', () => {});
children.push(os);
await waitForPort(osPort, 15_000, os, () => /waiting for OCSP client connections/.test(osLog));
const osUrl = `http://127.0.0.1:${osPort}/`;
if ((await check(osUrl, request, caForCheck, target)) !== 'good') throw new Error('openssl did not answer good');
const openssl = await load(osUrl, request);
os.kill('SIGKILL');
caForCheck.close();

// CRL generation for 100k revoked entries.
const crlDir = join(tmp, 'crl');
const crlCa = CertificateAuthority.init(crlDir, PASS, { name: 'CRL Bench' });
const now = Date.now();
(crlCa.store as SqliteStore).importRevoked(
  Array.from({ length: CRL_ENTRIES }, (_, i) => ({ serial: (0x10000000n + BigInt(i) * 7919n).toString(16) + 'abcdef0123456789', revokedAt: new Date(now - i * 1000), reason: 'keyCompromise' as const, notAfter: new Date(now + 86_400_000) })),
);
const pub = new CrlPublisher(crlCa);
pub.publish(); // warm-up
const t0 = performance.now();
const crl = pub.publish();
const crlMs = performance.now() - t0;
crlCa.close();

const result = {
  bench: 'ca-ocsp',
  connections,
  durationSeconds: duration,
  certwarden: certwarden,
  openssl: openssl,
  ratio: Number((certwarden.rps / openssl.rps).toFixed(1)),
  crl: { entries: crl.entries, bytes: crl.der.length, ms: Number(crlMs.toFixed(1)) },
  cpus: (await import('node:os')).cpus().length,
  node: process.version,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.stdout.write(
  `OCSP req/s: certwarden ca serve ${certwarden.rps.toFixed(0)} (p99 ${certwarden.p99} ms) vs openssl ocsp -port ${openssl.rps.toFixed(0)} (p99 ${openssl.p99} ms): ${result.ratio}x\n` +
    `CRL with ${crl.entries} revoked entries: ${crlMs.toFixed(0)} ms (${(crl.der.length / 1e6).toFixed(1)} MB)\n`,
);
stopAll();
