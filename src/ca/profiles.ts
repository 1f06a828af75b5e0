/**
 * Certificate profiles the CA issues, and the key algorithms it accepts.
 * One table so that what a "server" certificate is lives in one place.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { KeyUsageName } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import type { KeySpec } from '../x509/sign.ts';
import type { CertificateProfileName } from './store.ts';

export interface CertificateProfile {
  extKeyUsage: string[];
  /** keyUsage for EC keys; RSA keys add keyEncipherment (RFC 5246 RSA key exchange). */
  keyUsage: KeyUsageName[];
  defaultDays: number;
  /** CA/Browser Forum BR §6.3.2 caps TLS certificates at 398 days; we apply it to internal ones too. */
  maxDays: number;
}

export const PROFILES: Readonly<Record<CertificateProfileName, CertificateProfile>> = {
  server: { extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'], defaultDays: 90, maxDays: 398 },
  client: { extKeyUsage: [OID.clientAuth], keyUsage: ['digitalSignature'], defaultDays: 90, maxDays: 398 },
  // RFC 6960 §4.2.2.2: a delegated responder carries id-kp-OCSPSigning.
  'ocsp-responder': { extKeyUsage: [OID.ocspSigning], keyUsage: ['digitalSignature'], defaultDays: 7, maxDays: 30 },
};

export function profileByName(name: string): CertificateProfile {
  if (name !== 'server' && name !== 'client') throw new CertwardenError(ErrorCode.USAGE, `--profile must be server or client (got "${name}")`);
  return PROFILES[name];
}

export const KEY_ALGORITHMS = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyAlgorithmName = (typeof KEY_ALGORITHMS)[number];

export function keySpecOf(name: string): KeySpec {
  switch (name) {
    case 'ec-p256':
      return { type: 'ec', curve: 'P-256' };
    case 'ec-p384':
      return { type: 'ec', curve: 'P-384' };
    case 'rsa-2048':
      return { type: 'rsa', bits: 2048 };
    case 'rsa-3072':
      return { type: 'rsa', bits: 3072 };
    case 'rsa-4096':
      return { type: 'rsa', bits: 4096 };
    default:
      throw new CertwardenError(ErrorCode.USAGE, `--key must be one of ${KEY_ALGORITHMS.join(', ')} (got "${name}")`);
  }
}

/** Validate "DNS:name" / "IP:addr" subject alternative names (the only kinds TLS peers match). */
export function normaliseSans(sans: readonly string[]): string[] {
  if (sans.length === 0) throw new CertwardenError(ErrorCode.USAGE, 'at least one --san DNS:NAME or IP:ADDR is required');
  return sans.map((s) => {
    const m = /^(DNS|IP):(.+)$/i.exec(s.trim());
    if (!m) throw new CertwardenError(ErrorCode.USAGE, `--san must look like DNS:name or IP:address (got "${s}")`);
    const kind = m[1]!.toUpperCase();
    const val = m[2]!;
    if (kind === 'DNS' && !/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(val)) {
      throw new CertwardenError(ErrorCode.USAGE, `--san DNS:${val} is not a valid DNS name`);
    }
    return `${kind}:${kind === 'DNS' ? val.toLowerCase() : val}`;
  });
}

/** Validity in days: default per profile, capped. */
export function validityDays(profile: CertificateProfile, days: number | undefined): number {
  const d = days ?? profile.defaultDays;
  if (!Number.isInteger(d) || d < 1 || d > profile.maxDays) throw new CertwardenError(ErrorCode.USAGE, `--days must be a whole number from 1 to ${profile.maxDays} (got ${String(days)})`);
  return d;
}
