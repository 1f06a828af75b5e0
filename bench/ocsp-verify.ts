/**
 * OCSP verification throughput: certwarden in-process vs the OpenSSL CLI.
 *
 *   node bench/ocsp-verify.ts [--seconds=2] [--runs=40]
 *
 * Two responses are measured: issuer-signed with ECDSA P-256 (one signature
 * to verify) and delegated with RSA-2048 (the responder certificate's
 * signature plus the response's). For each:
 *  - certwarden: verifyOcspResponse() in a loop for --seconds;
 *  - openssl, process per verification: `openssl ocsp -respin ... -issuer ...
 *    -cert ... -CAfile root -verify_other ca` (a full, correct verification,
 *    chain to the root included) run --runs times;
 *  - openssl, startup-corrected: the same minus the cost of starting an
 *    `openssl version` process, i.e. roughly what one invocation spends on work;
 *  - openssl speed (one invocation): raw signature verifications per second,
 *    the ceiling for any verifier built on the same crypto.
 * Honest caveats: openssl also builds and checks the chain to the root on
 * every run, which certwarden's verifier does not do (the issuer is given);
 * and for the delegated case certwarden memoises the responder certificate's
 * signature check, so repeated verifications cost one signature each.
 * Prints human-readable lines on stderr and one JSON line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOcspResponse } from '../src/ocsp/builder.ts';
import { verifyOcspResponse } from '../src/ocsp/verify.ts';
import { createCertificate } from '../src/x509/builder.ts';
import type { Certificate } from '../src/x509/certificate.ts';
import { OID } from '../src/x509/oids.ts';
import { generateKeyPair, type KeySpec } from '../src/x509/sign.ts';
import { median } from './stats.ts';

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};
const SECONDS = arg('seconds', 2);
const RUNS = arg('runs', 40);

interface Id {
  certificate: Certificate;
  privateKey: import('node:crypto').KeyObject;
}

function mint(key: KeySpec) {
  const now = Date.now();
  const rk = generateKeyPair(key);
  const root: Id = { certificate: createCertificate({ subject: 'CN=Bench Root', ca: true, keyUsage: ['keyCertSign', 'cRLSign'], publicKey: rk.publicKey, selfSignKey: rk.privateKey, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 365 * 86_400_000) }), privateKey: rk.privateKey };
  const ck = generateKeyPair(key);
  const ca: Id = { certificate: createCertificate({ subject: 'CN=Bench CA', ca: true, keyUsage: ['keyCertSign', 'cRLSign'], publicKey: ck.publicKey, issuer: root, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 365 * 86_400_000) }), privateKey: ck.privateKey };
  const lk = generateKeyPair(key);
  const leaf = createCertificate({ subject: 'CN=bench.example', ca: false, publicKey: lk.publicKey, issuer: ca, san: ['DNS:bench.example'], extKeyUsage: [OID.serverAuth], notBefore: new Date(now - 86_400_000) });
  const rsk = generateKeyPair(key);
  const responder: Id = { certificate: createCertificate({ subject: 'CN=Bench OCSP Responder', ca: false, publicKey: rsk.publicKey, issuer: ca, keyUsage: ['digitalSignature'], extKeyUsage: [OID.ocspSigning], ocspNoCheck: true, notBefore: new Date(now - 86_400_000) }), privateKey: rsk.privateKey };
  return { root, ca, leaf, responder };
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function once(cmd: string, args: string[], check?: (out: string) => boolean): number {
  const t0 = process.hrtime.bigint();
  const r = run(cmd, args);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!r.ok || (check && !check(r.out))) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.out}`);
  return ms;
}

/**
 * Time `runs` openssl verifications interleaved with `runs` bare `openssl version`
 * starts, so both see the same machine load; medians resist noisy neighbours.
 */
function timeInterleaved(runs: number, args: string[], check: (out: string) => boolean): { verifyMs: number; startupMs: number } {
  const v: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    v.push(once('openssl', args, check));
    b.push(once('openssl', ['version']));
  }
  return { verifyMs: median(v), startupMs: median(b) };
}

/** In-process verifications per second: median of five windows of `seconds / 5`. */
function inProcessRate(fn: () => void, seconds: number): { perSec: number; total: number } {
  const rates: number[] = [];
  let total = 0;
  for (let w = 0; w < 5; w++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const until = t0 + BigInt(Math.round((seconds / 5) * 1e9));
    let now = t0;
    while (now < until) {
      for (let i = 0; i < 20; i++) fn();
      n += 20;
      now = process.hrtime.bigint();
    }
    total += n;
    rates.push(n / (Number(now - t0) / 1e9));
  }
  return { perSec: median(rates), total };
}

const dir = mkdtempSync(join(tmpdir(), 'certwarden-bench-ocsp-'));
const results: Record<string, unknown> = {};
try {
  const configs = [
    { name: 'issuer-signed ECDSA P-256', id: 'issuerEcdsaP256', key: { type: 'ec', curve: 'P-256' } as KeySpec, delegated: false },
    { name: 'delegated RSA-2048', id: 'delegatedRsa2048', key: { type: 'rsa', bits: 2048 } as KeySpec, delegated: true },
  ];
  for (const c of configs) {
    const pki = mint(c.key);
    const signer = c.delegated ? pki.responder : pki.ca;
    const der = buildOcspResponse({ issuer: pki.ca.certificate, signer, responses: [{ certificate: pki.leaf, status: 'good' }] });
    const opts = { certificate: pki.leaf, issuer: pki.ca.certificate };
    const check = verifyOcspResponse(der, opts);
    if (check.status !== 'good') throw new Error(`bench response does not verify: ${JSON.stringify(check.reasons)}`);

    // In-process loop (warm-up first).
    for (let i = 0; i < 200; i++) verifyOcspResponse(der, opts);
    const inProc = inProcessRate(() => {
      if (verifyOcspResponse(der, opts).status !== 'good') throw new Error('verification changed');
    }, SECONDS);
    const n = inProc.total;
    const inProcessPerSec = inProc.perSec;

    const f = (name: string, data: string | Uint8Array) => {
      const p = join(dir, `${c.id}-${name}`);
      writeFileSync(p, data);
      return p;
    };
    const args = [
      'ocsp', '-respin', f('resp.der', der), '-issuer', f('ca.pem', pki.ca.certificate.toPem()), '-cert', f('leaf.pem', pki.leaf.toPem()),
      '-CAfile', f('root.pem', pki.root.certificate.toPem()), '-verify_other', join(dir, `${c.id}-ca.pem`), '-no-CApath', '-no-CAstore',
    ];
    const { verifyMs: perRunMs, startupMs } = timeInterleaved(RUNS, args, (out) => /Response verify OK/.test(out) && /: good/.test(out));
    const processPerSec = 1000 / perRunMs;
    // What one invocation spends beyond starting up; null when it drowns in the noise.
    const workMs = perRunMs - startupMs;
    const correctedPerSec = workMs > 0.05 ? 1000 / workMs : null;

    const speedAlg = c.key.type === 'rsa' ? 'rsa2048' : 'ecdsap256';
    const speed = run('openssl', ['speed', '-seconds', '1', '-mr', speedAlg]);
    // -mr lines: "+F2:<n>:<bits>:<sign/s>:<verify/s>" (RSA) or "+F4:<n>:<bits>:<sign/s>:<verify/s>" (ECDSA).
    const m = /\+F\d+:\d+:\d+:([\d.]+):([\d.]+)/.exec(speed.out);
    const rawVerifyPerSec = m ? Number(m[2]) : undefined;
    // Verifications per response: 1 for the response itself. A delegated responder's certificate
    // signature is checked once and memoised per (issuer, certificate), so in a loop over the same
    // response it costs nothing after the first; openssl checks it (and the chain to the root) every run.
    const sigsPerResponse = 1;

    const r = {
      verifications: n,
      inProcessPerSec: round(inProcessPerSec),
      opensslProcessPerRunMs: round(perRunMs),
      opensslStartupMs: round(startupMs),
      opensslProcessPerSec: round(processPerSec),
      opensslStartupCorrectedPerSec: correctedPerSec === null ? null : round(correctedPerSec),
      opensslSpeedRawVerifyPerSec: rawVerifyPerSec === undefined ? null : round(rawVerifyPerSec),
      signaturesPerResponse: sigsPerResponse,
      responderCertCheckMemoised: c.delegated,
      ratioVsProcess: round(inProcessPerSec / processPerSec),
      ratioVsStartupCorrected: correctedPerSec === null ? null : round(inProcessPerSec / correctedPerSec),
      fractionOfCryptoCeiling: rawVerifyPerSec ? round(inProcessPerSec / (rawVerifyPerSec / sigsPerResponse)) : null,
    };
    results[c.id] = r;
    console.error(
      `${c.name}: certwarden ${r.inProcessPerSec}/s in-process; openssl ocsp ${r.opensslProcessPerSec}/s as processes (${r.opensslProcessPerRunMs} ms each, of which ~${r.opensslStartupMs} ms is process start), ` +
        `${r.opensslStartupCorrectedPerSec}/s startup-corrected; openssl speed ${r.opensslSpeedRawVerifyPerSec} raw verify/s ` +
        `(x${r.ratioVsProcess} vs processes, x${r.ratioVsStartupCorrected} vs startup-corrected, ${r.fractionOfCryptoCeiling} of the crypto ceiling)`,
    );
  }
  results.node = process.version;
  results.openssl = run('openssl', ['version']).out.trim();
  results.seconds = SECONDS;
  results.runs = RUNS;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'ocsp-verify', ...results }));

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
