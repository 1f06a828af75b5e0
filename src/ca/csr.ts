/**
 * PKCS#10 certification requests (RFC 2986), parsed with the strict DER
 * walker. The CA takes only the public key from a CSR, after checking the
 * self-signature (proof of possession, RFC 2986 §3); names come from the
 * operator's --san flags, never from the request.
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo SEQUENCE { version INTEGER (0), subject Name,
 *                                         subjectPKInfo SubjectPublicKeyInfo,
 *                                         attributes [0] IMPLICIT SET OF Attribute },
 *     signatureAlgorithm AlgorithmIdentifier,
 *     signature BIT STRING }
 */
import type { KeyObject } from 'node:crypto';
import { asParseError, CertwardenError, ErrorCode } from '../errors.ts';
import { children, readTlv, splitSigned, TAG, value, whole } from '../util/der.ts';
import { decodeDerObjects } from '../util/pem.ts';
import { importSpki, parseSignatureAlgorithm, verifySignature } from '../x509/signature.ts';

export interface ParsedCsr {
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  publicKey: KeyObject;
}

function bad(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.CSR_PARSE, `malformed certificate request: ${message}`);
}

/** Parse a PEM or DER CSR and verify its self-signature; throws CW_ERR_CSR_PARSE otherwise. */
export function parseCsr(input: Uint8Array | string): ParsedCsr {
  let parsed: ParsedCsr;
  let signatureOk: boolean;
  try {
    const [der] = decodeDerObjects(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'certificate request');
    const { tbs, algorithm, signature } = splitSigned(der!, 'certificate request');
    const info = readTlv(tbs, 0);
    const [version, subject, spki, attributes] = children(tbs, info);
    if (!version || version.tag !== TAG.INTEGER || value(tbs, version).length !== 1 || value(tbs, version)[0] !== 0) throw bad('version must be v1 (0)');
    if (!subject || subject.tag !== TAG.SEQUENCE) throw bad('missing subject');
    if (!spki || spki.tag !== TAG.SEQUENCE) throw bad('missing subjectPublicKeyInfo');
    if (attributes && attributes.tag !== 0xa0) throw bad('attributes must be [0]');
    const spkiDer = whole(tbs, spki);
    const publicKey = importSpki(spkiDer);
    parsed = { subjectDer: whole(tbs, subject), spkiDer, publicKey };
    signatureOk = verifySignature(parseSignatureAlgorithm(algorithm), tbs, signature, publicKey);
  } catch (cause) {
    throw asParseError(ErrorCode.CSR_PARSE, 'malformed certificate request', cause);
  }
  if (!signatureOk) throw new CertwardenError(ErrorCode.CSR_PARSE, 'the certificate request signature does not verify with its own public key (no proof of possession); refusing it');
  return parsed;
}
