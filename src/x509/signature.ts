/**
 * Signature verification with Node's crypto (OpenSSL underneath).
 *
 * Signatures are checked over the exact bytes received (see util/der.ts
 * splitSigned). The AlgorithmIdentifier is mapped to Node's verify parameters
 * here, in one place, so every signed object (certificate, CRL, OCSP
 * response) gets the same algorithm policy.
 */
import { createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { children, readSingle, TAG, value, type Tlv } from '../util/der.ts';
import { OID } from './oids.ts';

export type HashName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithm {
  oid: string;
  /** Human name, e.g. "ecdsa-with-SHA256". */
  name: string;
  keyType: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'dsa';
  hash: HashName | null;
  pssSaltLength?: number;
}

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const SIMPLE_ALGORITHMS: Readonly<Record<string, Omit<SignatureAlgorithm, 'oid'>>> = {
  [OID.sha1WithRSA]: { name: 'sha1WithRSAEncryption', keyType: 'rsa', hash: 'sha1' },
  [OID.sha224WithRSA]: { name: 'sha224WithRSAEncryption', keyType: 'rsa', hash: 'sha224' },
  [OID.sha256WithRSA]: { name: 'sha256WithRSAEncryption', keyType: 'rsa', hash: 'sha256' },
  [OID.sha384WithRSA]: { name: 'sha384WithRSAEncryption', keyType: 'rsa', hash: 'sha384' },
  [OID.sha512WithRSA]: { name: 'sha512WithRSAEncryption', keyType: 'rsa', hash: 'sha512' },
  [OID.ecdsaWithSha1]: { name: 'ecdsa-with-SHA1', keyType: 'ec', hash: 'sha1' },
  [OID.ecdsaWithSha224]: { name: 'ecdsa-with-SHA224', keyType: 'ec', hash: 'sha224' },
  [OID.ecdsaWithSha256]: { name: 'ecdsa-with-SHA256', keyType: 'ec', hash: 'sha256' },
  [OID.ecdsaWithSha384]: { name: 'ecdsa-with-SHA384', keyType: 'ec', hash: 'sha384' },
  [OID.ecdsaWithSha512]: { name: 'ecdsa-with-SHA512', keyType: 'ec', hash: 'sha512' },
  [OID.dsaWithSha1]: { name: 'dsa-with-SHA1', keyType: 'dsa', hash: 'sha1' },
  [OID.dsaWithSha256]: { name: 'dsa-with-SHA256', keyType: 'dsa', hash: 'sha256' },
  [OID.ed25519]: { name: 'Ed25519', keyType: 'ed25519', hash: null },
  [OID.ed448]: { name: 'Ed448', keyType: 'ed448', hash: null },
};

function unsupported(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.UNSUPPORTED_ALGORITHM, message);
}

/** Decode a DER OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new CertwardenError(ErrorCode.DER, 'empty OBJECT IDENTIFIER');
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = acc < 80 ? Math.floor(acc / 40) : 2;
        parts.push(first, acc - first * 40);
      } else {
        parts.push(acc);
      }
      acc = 0;
    } else if (i === content.length - 1) {
      throw new CertwardenError(ErrorCode.DER, 'truncated OBJECT IDENTIFIER');
    }
  }
  return parts.join('.');
}

function readInteger(buf: Uint8Array, tlv: Tlv): number {
  const v = value(buf, tlv);
  if (v.length === 0 || v.length > 4) throw new CertwardenError(ErrorCode.DER, 'INTEGER out of range');
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1). Only MGF1 with the same hash as the
 * message digest is accepted, as in the CA/Browser Forum profile; anything else
 * is rare enough that refusing it is safer than guessing.
 */
function parsePssParams(buf: Uint8Array, params: Tlv | undefined): { hash: HashName; saltLength: number } {
  let hash: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  if (params && params.tag === TAG.SEQUENCE) {
    for (const field of children(buf, params)) {
      const inner = children(buf, field)[0];
      if (!inner) continue;
      if (field.tag === 0xa0) {
        const algOid = decodeOid(value(buf, children(buf, inner)[0]!));
        const h = HASH_BY_OID[algOid];
        if (!h) throw unsupported(`RSA-PSS with hash ${algOid} is not supported`);
        hash = h;
      } else if (field.tag === 0xa1) {
        const [mgfOid, mgfParams] = children(buf, inner);
        if (!mgfOid || decodeOid(value(buf, mgfOid)) !== OID.mgf1 || !mgfParams) {
          throw unsupported('RSA-PSS with a mask generation function other than MGF1 is not supported');
        }
        const h = HASH_BY_OID[decodeOid(value(buf, children(buf, mgfParams)[0]!))];
        if (!h) throw unsupported('RSA-PSS MGF1 hash is not supported');
        mgfHash = h;
      } else if (field.tag === 0xa2) {
        saltLength = readInteger(buf, inner);
      } else if (field.tag === 0xa3) {
        if (readInteger(buf, inner) !== 1) throw unsupported('RSA-PSS trailer field must be 1');
      }
    }
  } else if (params && params.tag !== TAG.NULL) {
    throw unsupported('RSA-PSS parameters are malformed');
  }
  if (mgfHash !== hash) throw unsupported('RSA-PSS with an MGF1 hash different from the message hash is not supported');
  return { hash, saltLength };
}

/** Parse a DER AlgorithmIdentifier into the parameters we verify with. */
export function parseSignatureAlgorithm(der: Uint8Array): SignatureAlgorithm {
  const outer = readSingle(der, 'AlgorithmIdentifier');
  const [oidTlv, params] = children(der, outer);
  if (!oidTlv || oidTlv.tag !== TAG.OID) throw new CertwardenError(ErrorCode.DER, 'AlgorithmIdentifier without an OID');
  const oid = decodeOid(value(der, oidTlv));
  if (oid === OID.rsaPss) {
    const { hash, saltLength } = parsePssParams(der, params);
    return { oid, name: `RSASSA-PSS(${hash})`, keyType: 'rsa-pss', hash, pssSaltLength: saltLength };
  }
  const known = SIMPLE_ALGORITHMS[oid];
  if (!known) throw unsupported(`signature algorithm ${oid} is not supported`);
  // RFC 5758 §3.2 / RFC 8410 §3: ECDSA and EdDSA identifiers carry no parameters.
  if ((known.keyType === 'ec' || known.keyType === 'ed25519' || known.keyType === 'ed448') && params !== undefined) {
    throw unsupported(`${known.name} must not carry parameters`);
  }
  return { oid, ...known };
}

/** Import a DER SubjectPublicKeyInfo. */
export function importSpki(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CertwardenError(ErrorCode.UNSUPPORTED_ALGORITHM, 'public key could not be imported (unsupported or malformed key)', { cause });
  }
}

function keyMatches(alg: SignatureAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  switch (alg.keyType) {
    case 'rsa':
      return type === 'rsa';
    case 'rsa-pss':
      return type === 'rsa' || type === 'rsa-pss';
    default:
      return type === alg.keyType;
  }
}

/**
 * Verify `signature` over `data` with `key`. Returns false for a wrong
 * signature or a key that does not fit the algorithm; throws only for an
 * algorithm we do not implement.
 */
export function verifySignature(alg: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  if (!keyMatches(alg, key)) return false;
  try {
    switch (alg.keyType) {
      case 'rsa':
      case 'dsa':
        return cryptoVerify(alg.hash, data, key, signature);
      case 'rsa-pss':
        return cryptoVerify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSaltLength ?? 20 }, signature);
      case 'ec':
        return cryptoVerify(alg.hash, data, { key, dsaEncoding: 'der' }, signature);
      case 'ed25519':
      case 'ed448':
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    // OpenSSL throws on malformed signatures (bad DER in an ECDSA signature,
    // wrong length for RSA): that is a bad signature, not an operational error.
    return false;
  }
}

/** Whether a signature algorithm relies on SHA-1 (broken for collision resistance). */
export function usesSha1(alg: SignatureAlgorithm): boolean {
  return alg.hash === 'sha1';
}
