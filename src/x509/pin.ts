/**
 * Pins (RFC 7469 style) for certificates certwarden is told to trust.
 *
 * Two kinds:
 *  - "sha256/<base64 of SHA-256 of the DER SubjectPublicKeyInfo>": an SPKI pin,
 *    survives re-issuance with the same key (the format of HPKP and of
 *    `certwarden pin`);
 *  - "sha256-cert/<hex of SHA-256 of the DER certificate>": a certificate pin,
 *    pins exactly one certificate (64 hex digits, case-insensitive; colons allowed).
 */
import { createHash } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Certificate } from './certificate.ts';

export interface ParsedPin {
  kind: 'spki' | 'cert';
  hash: Buffer;
}

export function spkiPin(cert: Certificate): string {
  return `sha256/${cert.spkiSha256}`;
}

/** The SPKI pin of a DER SubjectPublicKeyInfo (a public key, a key's public half, a CSR's key). */
export function spkiPinOfDer(spkiDer: Uint8Array): string {
  return `sha256/${createHash('sha256').update(spkiDer).digest('base64')}`;
}

export function certificatePin(cert: Certificate): string {
  return `sha256-cert/${cert.fingerprint256}`;
}

function malformed(text: string, why: string): CertwardenError {
  return new CertwardenError(ErrorCode.POLICY, `malformed pin "${text}": ${why}`, { details: { pin: text } });
}

export function parsePin(text: string): ParsedPin {
  if (typeof text !== 'string') throw malformed(String(text), 'not a string');
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) throw malformed(text, 'expected "sha256/<base64>" or "sha256-cert/<hex>"');
  const prefix = s.slice(0, slash).toLowerCase();
  const body = s.slice(slash + 1);
  if (prefix === 'sha256') {
    if (!/^[A-Za-z0-9+/]{43}=$/.test(body)) throw malformed(text, 'an SPKI pin is 44 characters of base64 (32 bytes)');
    const hash = Buffer.from(body, 'base64');
    if (hash.length !== 32 || hash.toString('base64') !== body) throw malformed(text, 'not canonical base64 of 32 bytes');
    return { kind: 'spki', hash };
  }
  if (prefix === 'sha256-cert') {
    const hex = body.replace(/:/g, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw malformed(text, 'a certificate pin is 64 hex digits (32 bytes)');
    return { kind: 'cert', hash: Buffer.from(hex, 'hex') };
  }
  throw malformed(text, `unknown pin type "${prefix}" (expected sha256 or sha256-cert)`);
}

/** Whether any certificate of `chain` matches any of `pins`. Malformed pins throw (CW_ERR_POLICY). */
export function chainMatchesPins(chain: readonly Certificate[], pins: readonly string[]): boolean {
  const parsed = pins.map(parsePin);
  for (const cert of chain) {
    const spki = Buffer.from(cert.spkiSha256, 'base64');
    const fp = Buffer.from(cert.fingerprint256, 'hex');
    for (const p of parsed) {
      if (p.kind === 'spki' ? p.hash.equals(spki) : p.hash.equals(fp)) return true;
    }
  }
  return false;
}
