/**
 * Certificate generation (RFC 5280 profile), for the internal CA and for
 * test PKIs minted at test time. Defaults follow the CA/Browser Forum
 * profile where it is stricter than RFC 5280 (positive random serials of
 * 128 bits, SKI/AKI always present, critical basicConstraints on CAs).
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import * as w from '../util/der-write.ts';
import { Certificate, spkiPublicKeyBits } from './certificate.ts';
import { OID } from './oids.ts';
import { defaultHash, signatureAlgorithmFor, signData, spkiOf } from './sign.ts';
import type { Signer } from './signer.ts';
import type { HashName } from './signature.ts';
import { KEY_USAGE_BITS, type KeyUsageName } from './certificate.ts';

export interface IssuerRef {
  certificate: Certificate;
  privateKey: KeyObject;
}

export interface ExtensionSpec {
  oid: string;
  critical?: boolean;
  /** DER of the extension's value (the content of extnValue). */
  value: Uint8Array;
}

export interface CertificateTemplate {
  /** "CN=name, O=org" (RDNs in the order written) or a DER Name. */
  subject: string | Uint8Array;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** Signs the certificate. Absent: self-signed, and `selfSignKey` must be given. */
  issuer?: IssuerRef;
  /** For self-signed certificates: the private key matching `publicKey`. */
  selfSignKey?: KeyObject;
  /** Serial as bytes or bigint; default 16 random bytes, positive. */
  serial?: Uint8Array | bigint;
  notBefore?: Date;
  notAfter?: Date;
  hash?: HashName;
  /** basicConstraints: `true` for a CA, `{ pathLength }` to constrain, `false` to write cA=FALSE, undefined to omit. */
  ca?: boolean | { pathLength: number };
  keyUsage?: KeyUsageName[];
  extKeyUsage?: string[];
  /** "DNS:name", "IP:addr", "URI:...", "email:..." */
  san?: string[];
  ocspUrls?: string[];
  caIssuersUrls?: string[];
  crlUrls?: string[];
  /** RFC 7633 TLS Feature with status_request. */
  mustStaple?: boolean;
  /** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck. */
  ocspNoCheck?: boolean;
  nameConstraints?: { permitted?: string[]; excluded?: string[] };
  /** Policy OIDs for certificatePolicies. */
  policies?: string[];
  /** Extra extensions, written after the standard ones. */
  extensions?: ExtensionSpec[];
  /** Skip the automatic subjectKeyIdentifier/authorityKeyIdentifier. */
  omitKeyIdentifiers?: boolean;
  /** Write a v1 certificate (no extensions). */
  version1?: boolean;
}

/** Encode "CN=a, O=b" as a DER Name; values are UTF8String (PrintableString for C). */
export function encodeName(spec: string | Uint8Array): Buffer {
  if (typeof spec !== 'string') return Buffer.from(spec);
  const types: Record<string, string> = {
    CN: OID.commonName,
    C: OID.countryName,
    O: OID.organizationName,
    OU: OID.organizationalUnitName,
    L: '2.5.4.7',
    ST: '2.5.4.8',
    DC: '0.9.2342.19200300.100.1.25',
    emailAddress: OID.emailAddress,
    serialNumber: '2.5.4.5',
  };
  const rdns = spec
    .split(/,(?=\s*[A-Za-z]+=)/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const key = part.slice(0, eq).trim();
      const val = part.slice(eq + 1).trim();
      const type = types[key] ?? (/^\d+(\.\d+)+$/.test(key) ? key : undefined);
      if (!type) throw new CertwardenError(ErrorCode.USAGE, `unknown attribute "${key}" in name "${spec}"`);
      const encoded = type === OID.countryName || type === '2.5.4.5' ? w.printableString(val) : type === OID.emailAddress || type === '0.9.2342.19200300.100.1.25' ? w.ia5String(val) : w.utf8String(val);
      return w.setOf(w.sequence(w.oid(type), encoded));
    });
  return w.sequence(...rdns);
}

function ipBytes(text: string): Buffer {
  if (text.includes(':')) {
    // Expand IPv6 "::" shorthand.
    const [head, tail] = text.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    if (groups.length !== 8) throw new CertwardenError(ErrorCode.USAGE, `invalid IPv6 address "${text}"`);
    return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
  }
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new CertwardenError(ErrorCode.USAGE, `invalid IPv4 address "${text}"`);
  }
  return Buffer.from(parts);
}

/** Encode one "TYPE:value" GeneralName. IP constraints take "IP:addr/prefix". */
export function encodeGeneralName(spec: string, forConstraint = false): Buffer {
  const idx = spec.indexOf(':');
  const kind = spec.slice(0, idx).toUpperCase();
  const val = spec.slice(idx + 1);
  switch (kind) {
    case 'DNS':
      return w.implicit(2, Buffer.from(val, 'latin1'));
    case 'URI':
      return w.implicit(6, Buffer.from(val, 'latin1'));
    case 'EMAIL':
      return w.implicit(1, Buffer.from(val, 'latin1'));
    case 'IP': {
      if (forConstraint) {
        const [addr, prefix] = val.split('/') as [string, string];
        const bytes = ipBytes(addr);
        const bits = Number(prefix ?? bytes.length * 8);
        const mask = Buffer.alloc(bytes.length);
        for (let i = 0; i < bits; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
        return w.implicit(7, Buffer.concat([bytes, mask]));
      }
      return w.implicit(7, ipBytes(val));
    }
    case 'DIRNAME':
      return w.implicit(4, encodeName(val), true);
    default:
      throw new CertwardenError(ErrorCode.USAGE, `unknown name type "${kind}" in "${spec}" (use DNS:, IP:, URI:, email: or dirName:)`);
  }
}

function extension(oidStr: string, critical: boolean, value: Uint8Array): Buffer {
  return w.sequence(w.oid(oidStr), critical ? w.boolean(true) : undefined, w.octetString(value));
}

function keyId(key: KeyObject): Buffer {
  // RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 of the subjectPublicKey BIT STRING value.
  return createHash('sha256').update(spkiPublicKeyBits(spkiOf(key))).digest().subarray(0, 20);
}

function randomSerial(): Buffer {
  const s = randomBytes(16);
  s[0]! &= 0x7f; // positive
  if (s[0] === 0) s[0] = 0x01; // minimal encoding keeps 16 octets
  return s;
}

/** Build and sign a certificate with an in-process key (the issuer's, or `selfSignKey`). */
export function createCertificate(t: CertificateTemplate): Certificate {
  const signingKey = t.issuer?.privateKey ?? t.selfSignKey;
  if (!signingKey) throw new CertwardenError(ErrorCode.USAGE, 'a certificate needs an issuer or a selfSignKey');
  const { tbs, alg } = certificateTbs(t, t.issuer?.certificate, signingKey);
  return new Certificate(w.sequence(tbs, alg, w.bitString(signData(signingKey, tbs, t.hash))));
}

/** A certificate template signed through a {@link Signer}: the issuer is its certificate (absent: self-signed by `signer`). */
export type SignerCertificateTemplate = Omit<CertificateTemplate, 'issuer' | 'selfSignKey'> & { issuerCertificate?: Certificate };

/** Build a certificate and sign it through `signer` (a CA key wherever it lives: a file, an HSM, a KMS). */
export async function signCertificate(t: SignerCertificateTemplate, signer: Signer): Promise<Certificate> {
  const { tbs, alg } = certificateTbs(t, t.issuerCertificate, signer.publicKey);
  const signature = await signer.sign(tbs, t.hash ?? defaultHash(signer.publicKey));
  return new Certificate(w.sequence(tbs, alg, w.bitString(Buffer.from(signature))));
}

/** The DER TBSCertificate and its AlgorithmIdentifier, for a signature by `signingKey` (private or public half). */
function certificateTbs(t: Omit<CertificateTemplate, 'issuer' | 'selfSignKey'>, issuerCertificate: Certificate | undefined, signingKey: KeyObject): { tbs: Buffer; alg: Buffer } {
  const issuer = issuerCertificate ? { certificate: issuerCertificate } : undefined;
  const subject = encodeName(t.subject);
  const issuerName = issuer ? Buffer.from(issuer.certificate.subjectDer) : subject;
  const now = Date.now();
  const notBefore = t.notBefore ?? new Date(Math.floor(now / 1000) * 1000 - 60_000);
  const notAfter = t.notAfter ?? new Date(notBefore.getTime() + 90 * 86_400_000);
  const alg = signatureAlgorithmFor(signingKey, t.hash);
  const serial = typeof t.serial === 'bigint' ? w.integer(t.serial) : w.integer(t.serial ?? randomSerial());

  const exts: Buffer[] = [];
  if (!t.version1) {
    if (t.ca !== undefined) {
      const pathLen = typeof t.ca === 'object' ? w.integer(t.ca.pathLength) : undefined;
      const isCa = t.ca !== false;
      exts.push(extension(OID.basicConstraints, isCa, w.sequence(isCa ? w.boolean(true) : undefined, pathLen)));
    }
    if (t.keyUsage) {
      exts.push(extension(OID.keyUsage, true, w.namedBits(t.keyUsage.map((k) => KEY_USAGE_BITS.indexOf(k)))));
    }
    if (t.extKeyUsage) exts.push(extension(OID.extKeyUsage, false, w.sequence(...t.extKeyUsage.map((o) => w.oid(o)))));
    if (!t.omitKeyIdentifiers) {
      exts.push(extension(OID.subjectKeyIdentifier, false, w.octetString(keyId(t.publicKey))));
      const issuerKeyId = issuer?.certificate.subjectKeyIdentifier ?? (issuer ? keyId(issuer.certificate.publicKey) : keyId(t.publicKey));
      exts.push(extension(OID.authorityKeyIdentifier, false, w.sequence(w.implicit(0, issuerKeyId))));
    }
    if (t.san && t.san.length > 0) {
      // RFC 5280 §4.2.1.6: critical when the subject name is empty.
      exts.push(extension(OID.subjectAltName, subject.length <= 2, w.sequence(...t.san.map((s) => encodeGeneralName(s)))));
    }
    if (t.nameConstraints) {
      const subtrees = (tag: number, names?: string[]): Buffer | undefined =>
        names && names.length > 0 ? w.implicit(tag, Buffer.concat(names.map((n) => w.sequence(encodeGeneralName(n, true)))), true) : undefined;
      exts.push(extension(OID.nameConstraints, true, w.sequence(subtrees(0, t.nameConstraints.permitted), subtrees(1, t.nameConstraints.excluded))));
    }
    if (t.policies && t.policies.length > 0) {
      exts.push(extension(OID.certificatePolicies, false, w.sequence(...t.policies.map((p) => w.sequence(w.oid(p))))));
    }
    const access = [
      ...(t.ocspUrls ?? []).map((u) => w.sequence(w.oid(OID.accessOcsp), w.implicit(6, Buffer.from(u, 'latin1')))),
      ...(t.caIssuersUrls ?? []).map((u) => w.sequence(w.oid(OID.accessCaIssuers), w.implicit(6, Buffer.from(u, 'latin1')))),
    ];
    if (access.length > 0) exts.push(extension(OID.authorityInfoAccess, false, w.sequence(...access)));
    if (t.crlUrls && t.crlUrls.length > 0) {
      const fullNames = w.implicit(0, Buffer.concat(t.crlUrls.map((u) => w.implicit(6, Buffer.from(u, 'latin1')))), true);
      exts.push(extension(OID.cRLDistributionPoints, false, w.sequence(w.sequence(w.explicit(0, fullNames)))));
    }
    if (t.mustStaple) exts.push(extension(OID.tlsFeature, false, w.sequence(w.integer(5))));
    if (t.ocspNoCheck) exts.push(extension(OID.ocspNoCheck, false, w.nullValue()));
    for (const e of t.extensions ?? []) exts.push(extension(e.oid, e.critical ?? false, e.value));
  }

  const tbs = w.sequence(
    t.version1 ? undefined : w.explicit(0, w.integer(2)),
    serial,
    alg,
    issuerName,
    w.sequence(w.time(notBefore), w.time(notAfter)),
    subject,
    spkiOf(t.publicKey),
    exts.length > 0 ? w.explicit(3, w.sequence(...exts)) : undefined,
  );
  return { tbs, alg };
}
