/**
 * CRL benchmark: build, parse+index and look up 100k- and 1M-entry CRLs, side
 * by side with the OpenSSL CLI on the same files. Prints one JSON line.
 *
 *   node bench/crl.ts            (about 30-60 s)
 *   node bench/crl.ts --quick    (100k only)
 *
 * Our numbers are in-process (no process start); OpenSSL's include starting
 * the `openssl` process (~5-10 ms, measured separately as openssl_startup_ms).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCertificate } from '../src/x509/builder.ts';
import { generateKeyPair } from '../src/x509/sign.ts';
import { toPem } from '../src/util/pem.ts';
import { buildCrl, type CrlEntrySpec } from '../src/crl/builder.ts';
import { Crl } from '../src/crl/parse.ts';
import { verifyCrlForCertificate } from '../src/crl/verify.ts';

const quick = process.argv.includes('--quick');
const sizes = quick ? [100_000] : [100_000, 1_000_000];
const dir = mkdtempSync(join(tmpdir(), 'certwarden-bench-crl-'));
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;

const rootKeys = generateKeyPair({ type: 'ec', curve: 'P-256' });
const root = createCertificate({ subject: 'CN=Bench Root', publicKey: rootKeys.publicKey, selfSignKey: rootKeys.privateKey, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 365 * DAY) });
const leafKeys = generateKeyPair({ type: 'ec', curve: 'P-256' });
const issuer = { certificate: root, privateKey: rootKeys.privateKey };
const leaf = createCertificate({ subject: 'CN=bench.example', publicKey: leafKeys.publicKey, issuer, ca: false, keyUsage: ['digitalSignature'], notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 30 * DAY) });
writeFileSync(join(dir, 'root.pem'), root.toPem());
writeFileSync(join(dir, 'leaf.pem'), leaf.toPem());

/** 16-byte serials like a public CA's, deterministic; the leaf's serial sits in the middle. */
function serialFor(i: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0x3a5f0000 + (i >>> 16), 0);
  b.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 4);
  b.writeUInt32BE(i, 8);
  b.writeUInt32BE(0xc0ffee, 12);
  return b;
}

function* entries(n: number): Generator<CrlEntrySpec> {
  const date = new Date(now.getTime() - DAY);
  for (let i = 0; i < n; i++) {
    if (i === n >> 1) yield { serial: leaf.serialBytes, revocationDate: date, reason: 'keyCompromise' };
    else yield i % 10 === 0 ? { serial: serialFor(i), revocationDate: date, reason: 'superseded' } : { serial: serialFor(i), revocationDate: date };
  }
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

function opensslMs(args: string[], runs = 1): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
    const ms = performance.now() - t0;
    if (r.status !== 0 && !(args[0] === 'verify')) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
    best = Math.min(best, ms);
  }
  return best;
}

const round = (x: number): number => Math.round(x * 10) / 10;
const result: Record<string, unknown> = { bench: 'crl', node: process.version, openssl: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim() };
result.openssl_startup_ms = round(opensslMs(['version'], 3));

for (const n of sizes) {
  const label = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
  const [der, buildMs] = time(() => buildCrl({ issuer, thisUpdate: new Date(now.getTime() - 3_600_000), nextUpdate: new Date(now.getTime() + DAY), crlNumber: 1n, entries: entries(n) }));
  const derPath = join(dir, `big-${label}.crl`);
  const pemPath = join(dir, `big-${label}.pem`);
  writeFileSync(derPath, der);
  writeFileSync(pemPath, toPem(der, 'X509 CRL'));

  const [crl, parseMs] = time(() => Crl.parse(der));
  const [, parseMapMs] = time(() => Crl.parse(der, { index: 'map' }));
  const heapBefore = process.memoryUsage().heapUsed;

  // Lookups: half hits, half misses, serials prepared beforehand.
  const probes: Buffer[] = [];
  for (let i = 0; i < 200_000; i++) {
    const s = serialFor((i * 7919) % n);
    if (i % 2) s[15]! ^= 0xff;
    probes.push(s);
  }
  let hits = 0;
  const [, lookupMs] = time(() => {
    for (const s of probes) if (crl.has(s)) hits++;
  });
  // End to end for one certificate: parse, verify the signature, look up (what `certwarden crl verify` does).
  const [verdict, e2eMs] = time(() => verifyCrlForCertificate(der, leaf, [root], { at: now }));
  if (verdict.status !== 'revoked') throw new Error(`expected revoked, got ${verdict.status} ${JSON.stringify(verdict.reasons)}`);

  const osslParseMs = opensslMs(['crl', '-inform', 'DER', '-in', derPath, '-noout']);
  const osslVerifyMs = opensslMs(['verify', '-crl_check', '-CAfile', 'root.pem', '-CRLfile', pemPath, 'leaf.pem']);
  const grepTarget = leaf.serialHex.toUpperCase();
  const t0 = performance.now();
  const text = spawnSync('sh', ['-c', `openssl crl -inform DER -in ${derPath} -noout -text | grep -c ${grepTarget}`], { cwd: dir, encoding: 'utf8' });
  const osslTextGrepMs = performance.now() - t0;
  if (text.stdout.trim() !== '1') throw new Error(`openssl text+grep did not find the serial: ${text.stdout} ${text.stderr}`);

  result[label] = {
    entries: n,
    crl_bytes: der.length,
    build_ms: round(buildMs),
    parse_index_ms: round(parseMs),
    parse_index_map_ms: round(parseMapMs),
    revoked_count: crl.revokedCount,
    lookups_per_s: Math.round(probes.length / (lookupMs / 1000)),
    lookup_hits: hits,
    verify_one_cert_ms: round(e2eMs),
    openssl_crl_parse_ms: round(osslParseMs),
    openssl_verify_crl_check_ms: round(osslVerifyMs),
    openssl_text_grep_ms: round(osslTextGrepMs),
    ratio_parse_openssl_over_ours: round(osslParseMs / parseMs),
    ratio_verify_openssl_over_ours: round(osslVerifyMs / e2eMs),
    ratio_lookup_openssl_text_grep_over_ours_verify: round(osslTextGrepMs / e2eMs),
    heap_mb: Math.round(heapBefore / 1048576),
  };
}

rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
