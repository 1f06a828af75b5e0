/**
 * OCSP CertID (RFC 6960 §4.1.1): which certificate a request or a
 * SingleResponse is about.
 *
 *   CertID ::= SEQUENCE {
 *     hashAlgorithm   AlgorithmIdentifier,
 *     issuerNameHash  OCTET STRING, -- hash of the issuer's DN (DER)
 *     issuerKeyHash   OCTET STRING, -- hash of the issuer's public key BIT STRING content
 *     serialNumber    CertificateSerialNumber }
 *
 * SHA-1 is the default (RFC 5019 §2.1.1: clients MUST use SHA-1, and many
 * responders only index SHA-1 CertIDs); SHA-256 is available. Serials are
 * compared as integers (canonical hex), never as encodings.
 */
import { createHash } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { integerHex } from '../util/der.ts';
import * as w from '../util/der-write.ts';
import { Certificate } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import type { HashName } from '../x509/signature.ts';

export type CertIdHash = HashName;

export const CERTID_HASH_OIDS: Readonly<Record<CertIdHash, string>> = {
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};

const HASH_BY_OID: Readonly<Record<string, CertIdHash>> = Object.fromEntries(Object.entries(CERTID_HASH_OIDS).map(([name, oid]) => [oid, name as CertIdHash]));

/** The CertID hash named by an OID, or undefined when we do not support it. */
export function certIdHashByOid(oid: string): CertIdHash | undefined {
  return HASH_BY_OID[oid];
}

export interface CertId {
  hashAlgorithm: CertIdHash;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** Serial, canonical lowercase hex (as Certificate.serialHex). */
  serialHex: string;
  /** Serial INTEGER content octets as they will be written. */
  serialBytes: Uint8Array;
}

export type SerialInput = Certificate | Uint8Array | bigint | string;

/** Serial content octets from a certificate (verbatim), bytes, a bigint or a hex string. */
export function serialContent(serial: SerialInput): Uint8Array {
  if (serial instanceof Certificate) return serial.serialBytes;
  if (typeof serial === 'bigint') return w.integer(serial).subarray(2);
  if (typeof serial === 'string') {
    const hex = serial.replace(/[:\s]/g, '').toLowerCase();
    if (!/^[0-9a-f]+$/.test(hex)) throw new CertwardenError(ErrorCode.USAGE, `not a hex serial number: ${serial}`);
    return w.integer(BigInt(`0x${hex}`)).subarray(2);
  }
  return serial;
}

function digest(hash: CertIdHash, data: Uint8Array): Buffer {
  return createHash(hash).update(data).digest();
}

/** Hash of the issuer's public key BIT STRING content, memoised per certificate and hash. */
const keyHashCache = new WeakMap<Certificate, Map<CertIdHash, Buffer>>();
export function issuerKeyHash(issuer: Certificate, hash: CertIdHash = 'sha1'): Buffer {
  let m = keyHashCache.get(issuer);
  if (!m) keyHashCache.set(issuer, (m = new Map()));
  let h = m.get(hash);
  if (!h) m.set(hash, (h = digest(hash, issuer.publicKeyBits)));
  return h;
}

const nameHashCache = new WeakMap<Certificate, Map<CertIdHash, Buffer>>();
export function issuerNameHash(issuer: Certificate, hash: CertIdHash = 'sha1'): Buffer {
  let m = nameHashCache.get(issuer);
  if (!m) nameHashCache.set(issuer, (m = new Map()));
  let h = m.get(hash);
  if (!h) m.set(hash, (h = digest(hash, issuer.subjectDer)));
  return h;
}

/** The CertID of `serial` (usually the certificate itself) issued by `issuer`. */
export function computeCertId(issuer: Certificate, serial: SerialInput, hash: CertIdHash = 'sha1'): CertId {
  if (!CERTID_HASH_OIDS[hash]) throw new CertwardenError(ErrorCode.UNSUPPORTED_ALGORITHM, `unsupported CertID hash ${String(hash)}`);
  const serialBytes = serialContent(serial);
  return {
    hashAlgorithm: hash,
    issuerNameHash: issuerNameHash(issuer, hash),
    issuerKeyHash: issuerKeyHash(issuer, hash),
    serialHex: integerHex(serialBytes),
    serialBytes,
  };
}

/** DER of a CertID. The hash AlgorithmIdentifier carries NULL parameters, as OpenSSL and most responders write it. */
export function encodeCertId(id: CertId): Buffer {
  return w.sequence(
    w.sequence(w.oid(CERTID_HASH_OIDS[id.hashAlgorithm]), w.nullValue()),
    w.octetString(id.issuerNameHash),
    w.octetString(id.issuerKeyHash),
    w.rawInteger(id.serialBytes),
  );
}

/** A string key identifying a CertID (for caches and maps). */
export function certIdKey(id: CertId): string {
  return `${id.hashAlgorithm}:${id.issuerNameHash.toString('hex')}:${id.issuerKeyHash.toString('hex')}:${id.serialHex}`;
}
