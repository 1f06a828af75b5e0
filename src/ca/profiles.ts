/**
 * Certificate profiles the CA issues, and the key algorithms it accepts.
 * One table so that what a "server" certificate is lives in one place.
 */
import { isIP } from 'node:net';
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
  if (name !== 'server' && name !== 'client') throw new CertwardenError(ErrorCode.USAGE, `the certificate profile must be server or client (got "${name}")`);
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
      throw new CertwardenError(ErrorCode.USAGE, `the key algorithm must be one of ${KEY_ALGORITHMS.join(', ')} (got "${name}")`);
  }
}

/** RFC 1035 §2.3.4: a domain name is at most 255 octets on the wire, 253 characters as text. */
export const MAX_DNS_NAME_LENGTH = 253;
/** RFC 1035 §2.3.4: a label is at most 63 octets. */
export const MAX_DNS_LABEL_LENGTH = 63;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i;

function sanError(s: string, why: string): CertwardenError {
  return new CertwardenError(ErrorCode.USAGE, `subject alternative name ${s}: ${why}`);
}

/** A DNS SAN: LDH labels (RFC 1035 §2.3.1), an optional leading "*." wildcard, RFC 1035 length limits. */
function normaliseDnsName(val: string): string {
  if (val.length > MAX_DNS_NAME_LENGTH) throw sanError(`DNS:${val.slice(0, 64)}...`, `a DNS name is at most ${MAX_DNS_NAME_LENGTH} characters (RFC 1035 §2.3.4; this one has ${val.length})`);
  const labels = (val.startsWith('*.') ? val.slice(2) : val).split('.');
  for (const label of labels) {
    if (label.length > MAX_DNS_LABEL_LENGTH) throw sanError(`DNS:${val}`, `a DNS label is at most ${MAX_DNS_LABEL_LENGTH} characters (RFC 1035 §2.3.4)`);
    if (!DNS_LABEL.test(label)) throw sanError(`DNS:${val}`, 'not a valid DNS name (letters, digits and hyphens in dot-separated labels; "*." only as the first label)');
  }
  return val.toLowerCase();
}

/**
 * An IP SAN in canonical text: dotted quad for IPv4 (node:net isIP: no leading
 * zeros, each octet 0-255), RFC 5952 compressed form for IPv6. Zone ids
 * ("fe80::1%eth0") are refused: an iPAddress is exactly 4 or 16 octets (RFC 5280 §4.2.1.6).
 */
function normaliseIpAddress(val: string): string {
  if (val.includes('%')) throw sanError(`IP:${val}`, 'an IP SAN cannot carry a zone id (%...): a certificate holds 4 or 16 octets');
  const family = isIP(val);
  if (family === 4) return val;
  if (family === 6) return new URL(`http://[${val}]`).hostname.slice(1, -1);
  throw sanError(`IP:${val}`, 'not an IPv4 or IPv6 address');
}

/** The 8 hexadecimal groups of a canonical IPv6 address (no "::", no dotted quad): what the certificate builder encodes. */
function expandIpv6(canonical: string): string {
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/**
 * Validate "DNS:name" / "IP:addr" subject alternative names (the only kinds TLS
 * peers match) and return them in canonical form. Anything else is CW_ERR_USAGE.
 */
export function normaliseSans(sans: readonly string[]): string[] {
  if (sans.length === 0) throw new CertwardenError(ErrorCode.USAGE, 'at least one subject alternative name (DNS:NAME or IP:ADDR) is required');
  return sans.map((s) => {
    const m = /^(DNS|IP):(.+)$/is.exec(s.trim());
    if (!m) throw new CertwardenError(ErrorCode.USAGE, `a subject alternative name must look like DNS:name or IP:address (got "${s}")`);
    const kind = m[1]!.toUpperCase();
    const val = m[2]!;
    return kind === 'DNS' ? `DNS:${normaliseDnsName(val)}` : `IP:${normaliseIpAddress(val)}`;
  });
}

/** A canonical SAN as the certificate builder takes it (IPv6 fully expanded, so its encoder needs no shorthand). */
export function sanForBuilder(san: string): string {
  return san.startsWith('IP:') && san.includes(':', 3) ? `IP:${expandIpv6(san.slice(3))}` : san;
}

/** Validity in days: default per profile, capped. */
export function validityDays(profile: CertificateProfile, days: number | undefined): number {
  const d = days ?? profile.defaultDays;
  if (!Number.isInteger(d) || d < 1 || d > profile.maxDays) throw new CertwardenError(ErrorCode.USAGE, `the validity in days must be a whole number from 1 to ${profile.maxDays} (got ${String(days)})`);
  return d;
}
