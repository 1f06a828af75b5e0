/**
 * Evidence: what a verdict was based on, written per target (--evidence DIR)
 * so that `certwarden scan --replay DIR --policy FILE` reproduces the
 * verdicts offline, at the recorded time:
 *   DIR/manifest.json                 scan time, policy hash, targets
 *   DIR/<n>-<target>/manifest.json    observations (every connection's outcome), OCSP and CRL records
 *   DIR/<n>-<target>/chain.pem        the chain as served
 *   DIR/<n>-<target>/staple-TLSv1.x.der, ocsp-<i>.der, crl-<i>.crl   raw DER
 * Replay answers network facts from the observations, OCSP queries from the
 * recorded responses (or their recorded failure) and CRL downloads from the
 * recorded CRLs; nothing is fetched.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { OcspCache, type OcspCacheEntry } from '../ocsp/cache.ts';
import { verifyOcspResponse, type OcspVerification } from '../ocsp/verify.ts';
import { fetchCrl, type FetchCrlOptions, type FetchedCrl } from '../crl/fetch.ts';
import { parseCrl } from '../crl/parse.ts';
import type { Certificate } from '../x509/certificate.ts';
import type { StatusReason } from '../core/revocation-vocabulary.ts';
import { b64, unb64, type HandshakeObservation, type FlightObservation, type ObservationLog } from './observations.ts';
import type { ScanTarget } from './target.ts';
import type { ScanSettings } from './context.ts';

export const EVIDENCE_VERSION = 1;

export interface OcspRecord {
  /** Index of the certificate in the revocation path (0: leaf). */
  index: number;
  url?: string;
  /** The response (base64 DER) when one was received. */
  der?: string;
  /** Why no response was received (codes such as ocsp-fetch-timeout, ocsp-no-responder-url). */
  reasons?: StatusReason[];
}

export interface CrlRecord {
  url: string;
  der?: string;
  error?: { code: string; message: string };
}

/** Per target, filled while scanning. */
export class EvidenceRecorder {
  readonly ocsp: OcspRecord[] = [];
  readonly crls: CrlRecord[] = [];

  /** A CRL fetch that records what it got (or why it failed). */
  recordingFetch(): (url: string, options: FetchCrlOptions) => Promise<FetchedCrl> {
    return async (url, options) => {
      try {
        const got = await fetchCrl(url, options);
        this.crls.push({ url, der: b64(got.crl.der) });
        return got;
      } catch (err) {
        const e = err as CertwardenError;
        this.crls.push({ url, error: { code: e.code ?? ErrorCode.FETCH, message: e.message } });
        throw err;
      }
    };
  }
}

export interface TargetManifest {
  version: typeof EVIDENCE_VERSION;
  target: ScanTarget;
  address: string | null;
  at: string;
  policyHash: string;
  observations: ObservationLog;
  ocsp: OcspRecord[];
  crls: CrlRecord[];
  files: string[];
}

export interface RunManifest {
  version: typeof EVIDENCE_VERSION;
  tool: string;
  at: string;
  policyHash: string;
  /** The scan's tunables (replay asks for exactly the handshakes the live scan made). */
  settings: ScanSettings;
  targets: Array<{ target: string; dir: string }>;
}

function slug(text: string): string {
  return text.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}

export function targetDirName(index: number, target: string): string {
  return `${String(index + 1).padStart(3, '0')}-${slug(target)}`;
}

function ioError(path: string, cause: unknown): CertwardenError {
  return new CertwardenError(ErrorCode.IO, `cannot write evidence ${path}: ${(cause as Error).message}`, { cause });
}

/** Write one target's evidence folder; returns the file names written. */
export async function writeTargetEvidence(dir: string, m: Omit<TargetManifest, 'files' | 'version'>): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    const put = async (name: string, data: string | Uint8Array): Promise<void> => {
      await writeFile(join(dir, name), data);
      files.push(name);
    };
    const flight = m.observations.flight;
    const handshakes = Object.entries(m.observations).filter(([k, o]) => k.startsWith('handshake:') && o.ok) as Array<[string, { ok: true; value: HandshakeObservation }]>;
    const chain = flight?.ok && (flight.value as FlightObservation).certificates.length > 0 ? (flight.value as FlightObservation).certificates : handshakes.find(([, o]) => o.value.chain.length > 0)?.[1].value.chain;
    if (chain) await put('chain.pem', chain.map((d) => `-----BEGIN CERTIFICATE-----\n${d.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`).join(''));
    for (const [k, o] of handshakes) if (o.value.staple) await put(`staple-${k.split(':')[1]}-${k.split(':')[2]}.der`, unb64(o.value.staple));
    // TLS 1.2 staples usually come from first flights (`flight`, then `flight:N` for the retries).
    for (const [k, o] of Object.entries(m.observations)) {
      if ((k === 'flight' || k.startsWith('flight:')) && o.ok && (o.value as FlightObservation).staple) await put(`staple-TLSv1.2-${k.split(':')[1] ?? '0'}.der`, unb64((o.value as FlightObservation).staple!));
    }
    for (const [i, r] of m.ocsp.entries()) if (r.der) await put(`ocsp-${i}-cert${r.index}.der`, unb64(r.der));
    for (const [i, r] of m.crls.entries()) if (r.der) await put(`crl-${i}.crl`, unb64(r.der));
    await put('manifest.json', `${JSON.stringify({ version: EVIDENCE_VERSION, ...m, files: [...files, 'manifest.json'] }, null, 2)}\n`);
  } catch (cause) {
    throw ioError(dir, cause);
  }
}

export async function writeRunManifest(dir: string, m: Omit<RunManifest, 'version'>): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify({ version: EVIDENCE_VERSION, ...m }, null, 2)}\n`);
  } catch (cause) {
    throw ioError(dir, cause);
  }
}

async function readJson<T>(path: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot read evidence ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const v = JSON.parse(text) as { version?: number };
    if (v.version !== EVIDENCE_VERSION) throw new Error(`unsupported evidence version ${String(v.version)}`);
    return v as T;
  } catch (cause) {
    throw new CertwardenError(ErrorCode.USAGE, `${path} is not a certwarden evidence manifest: ${(cause as Error).message}`, { cause });
  }
}

export function readRunManifest(dir: string): Promise<RunManifest> {
  return readJson<RunManifest>(join(dir, 'manifest.json'));
}

export function readTargetManifest(dir: string): Promise<TargetManifest> {
  return readJson<TargetManifest>(join(dir, 'manifest.json'));
}

/** Replay: the recorded CRLs by URL; anything else failed when recorded (or was never fetched) and fails again, offline. */
export function replayCrlFetch(records: readonly CrlRecord[]): (url: string) => Promise<FetchedCrl> {
  return async (url) => {
    const r = records.find((x) => x.url === url);
    if (r?.der) {
      const der = unb64(r.der);
      return { url, crl: parseCrl(der), fetchedAt: new Date(), bytes: der.length };
    }
    throw new CertwardenError(ErrorCode.FETCH, r?.error ? `${r.error.message} (recorded)` : `${url} was not fetched when the evidence was recorded (replay is offline)`);
  };
}

export interface ReplayVerifyOptions {
  at: Date;
  clockSkewMs: number;
  maxAgeMs: number;
}

/**
 * Replay OCSP cache: answers every query from the evidence, so queryOcsp never
 * reaches the network. A recorded response is verified again, at the
 * recorded time; a recorded failure comes back with its recorded reason codes
 * (so soft-fail treats it exactly as it did live); a query that was never
 * made is "unreachable", which is never `good`.
 */
export class ReplayOcspCache extends OcspCache {
  readonly #records: readonly OcspRecord[];
  #entries = new Map<string, OcspCacheEntry>();
  #primed = false;

  constructor(records: readonly OcspRecord[]) {
    super();
    this.#records = records;
  }

  /** Bind the records to the revocation path once it is known. */
  prime(path: readonly Certificate[], o: ReplayVerifyOptions): void {
    this.#primed = true;
    for (const r of this.#records) {
      const cert = path[r.index];
      const issuer = path[r.index + 1];
      if (!cert || !issuer) continue;
      const key = OcspCache.key(cert, issuer);
      const verification: OcspVerification = r.der
        ? verifyOcspResponse(unb64(r.der), { certificate: cert, issuer, at: o.at, clockSkewMs: o.clockSkewMs, maxAgeMs: o.maxAgeMs })
        : { status: 'invalid', reasons: (r.reasons ?? []).map((x) => ({ code: x.code, message: `${x.message} (recorded)` })) as OcspVerification['reasons'] };
      this.#entries.set(key, { verification, ...(r.der ? { der: unb64(r.der) } : {}), ...(r.url ? { url: r.url } : {}), storedAt: o.at, expiresAt: new Date(8.64e15) });
    }
  }

  override get(key: string): OcspCacheEntry | undefined {
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const reason = this.#primed ? 'this OCSP query was not made when the evidence was recorded (replay is offline)' : 'replay cache not primed';
    return { verification: { status: 'invalid', reasons: [{ code: 'ocsp-fetch-failed', message: reason }] }, storedAt: new Date(0), expiresAt: new Date(8.64e15) };
  }

  override set(): boolean {
    return false;
  }
}
