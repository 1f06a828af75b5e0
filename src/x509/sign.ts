/**
 * Signing with Node's crypto, and the AlgorithmIdentifier that goes with it.
 * Used by the certificate, CRL and OCSP builders.
 */
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { nullValue, oid, sequence, type Der } from '../util/der-write.ts';
import { OID } from './oids.ts';
import type { HashName } from './signature.ts';

export type KeySpec =
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'rsa'; bits: 2048 | 3072 | 4096 | number }
  | { type: 'ed25519' };

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateKeyPair(spec: KeySpec = { type: 'ec', curve: 'P-256' }): KeyPair {
  switch (spec.type) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: spec.curve });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: spec.bits });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
  }
}

/** DER SubjectPublicKeyInfo of a key. */
export function spkiOf(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/** The hash that fits a key by default (RFC 5480 §4: match curve strength). */
export function defaultHash(key: KeyObject): HashName {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  return 'sha256';
}

const RSA_OIDS: Record<HashName, string> = {
  sha1: OID.sha1WithRSA,
  sha224: OID.sha224WithRSA,
  sha256: OID.sha256WithRSA,
  sha384: OID.sha384WithRSA,
  sha512: OID.sha512WithRSA,
};
const ECDSA_OIDS: Record<HashName, string> = {
  sha1: OID.ecdsaWithSha1,
  sha224: OID.ecdsaWithSha224,
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};

/** The DER AlgorithmIdentifier for signing with `key` and `hash`. */
export function signatureAlgorithmFor(key: KeyObject, hash: HashName = defaultHash(key)): Der {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      // RFC 4055 §5: the parameters of sha*WithRSAEncryption MUST be NULL.
      return sequence(oid(RSA_OIDS[hash]), nullValue());
    case 'ec':
      // RFC 5758 §3.2: ecdsa-with-SHA* carry no parameters.
      return sequence(oid(ECDSA_OIDS[hash]));
    case 'ed25519':
      return sequence(oid(OID.ed25519));
    default:
      throw new CertwardenError(ErrorCode.UNSUPPORTED_ALGORITHM, `cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}

/** Sign `data` with `key`; the signature matches {@link signatureAlgorithmFor}. */
export function signData(key: KeyObject, data: Uint8Array, hash: HashName = defaultHash(key)): Buffer {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return cryptoSign(hash, data, key);
    case 'ec':
      return cryptoSign(hash, data, { key, dsaEncoding: 'der' });
    case 'ed25519':
      return cryptoSign(null, data, key);
    default:
      throw new CertwardenError(ErrorCode.UNSUPPORTED_ALGORITHM, `cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}
