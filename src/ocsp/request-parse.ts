/**
 * Parsing OCSP requests (RFC 6960 §4.1), for responders.
 *
 * A responder answers strangers, so this parser is strict and bounded: DER
 * only, a size cap, a cap on the number of CertIDs, and a typed error for
 * anything else (which the responder turns into `malformedRequest`,
 * RFC 6960 §2.3, without echoing details to the client).
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { children, integerHex, readSingle, TAG, value, type Tlv } from '../util/der.ts';
import { decodeOid } from '../x509/signature.ts';
import { OID } from '../x509/oids.ts';
import type { ParsedCertId } from './response.ts';

/** Requests larger than this are refused before parsing (RFC 5019 requests are ~100 bytes). */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;
/** CertIDs per request we answer; RFC 5019 §2.1.1 clients send exactly one. */
export const MAX_CERT_IDS_PER_REQUEST = 32;

export interface ParsedOcspRequest {
  certIds: (ParsedCertId & { serialBytes: Uint8Array })[];
  /** The nonce octets (RFC 8954), when the request carried one. */
  nonce?: Uint8Array;
  /** Whether the request carried a signature (optionalSignature, RFC 6960 §4.1.2). */
  signed: boolean;
}

function bad(message: string): CertwardenError {
  return new CertwardenError(ErrorCode.OCSP_PARSE, `malformed OCSP request: ${message}`);
}

function parseCertId(buf: Uint8Array, seq: Tlv): ParsedCertId & { serialBytes: Uint8Array } {
  const [alg, nameHash, keyHash, serial] = children(buf, seq);
  if (!alg || alg.tag !== TAG.SEQUENCE || !nameHash || nameHash.tag !== TAG.OCTET_STRING || !keyHash || keyHash.tag !== TAG.OCTET_STRING || !serial || serial.tag !== TAG.INTEGER) {
    throw bad('CertID must be SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }');
  }
  const oidTlv = children(buf, alg)[0];
  if (!oidTlv || oidTlv.tag !== TAG.OID) throw bad('CertID hash algorithm has no OID');
  const serialBytes = value(buf, serial);
  if (serialBytes.length === 0) throw bad('empty serial number');
  return {
    hashAlgorithmOid: decodeOid(value(buf, oidTlv)),
    issuerNameHash: value(buf, nameHash),
    issuerKeyHash: value(buf, keyHash),
    serialHex: integerHex(serialBytes),
    serialBytes,
  };
}

/** Parse a DER OCSPRequest. Throws CW_ERR_OCSP_PARSE (or CW_ERR_DER) on anything malformed. */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  if (der.length > MAX_OCSP_REQUEST_BYTES) throw bad(`request of ${der.length} bytes exceeds the ${MAX_OCSP_REQUEST_BYTES}-byte cap`);
  const outer = readSingle(der, 'OCSP request');
  if (outer.tag !== TAG.SEQUENCE) throw bad('not a SEQUENCE');
  const [tbs, sig, ...extra] = children(der, outer);
  if (!tbs || tbs.tag !== TAG.SEQUENCE || extra.length > 0 || (sig && sig.tag !== 0xa0)) throw bad('OCSPRequest must be SEQUENCE { tbsRequest, [0] optionalSignature }');
  const fields = children(der, tbs);
  let i = 0;
  if (fields[i]?.tag === 0xa0) i++; // version, v1 only in practice
  if (fields[i]?.tag === 0xa1) i++; // requestorName
  const list = fields[i++];
  if (!list || list.tag !== TAG.SEQUENCE) throw bad('missing requestList');
  const requests = children(der, list);
  if (requests.length === 0) throw bad('empty requestList');
  if (requests.length > MAX_CERT_IDS_PER_REQUEST) throw bad(`more than ${MAX_CERT_IDS_PER_REQUEST} CertIDs`);
  const certIds = requests.map((r) => {
    if (r.tag !== TAG.SEQUENCE) throw bad('Request is not a SEQUENCE');
    const certId = children(der, r)[0];
    if (!certId || certId.tag !== TAG.SEQUENCE) throw bad('Request has no CertID');
    return parseCertId(der, certId);
  });
  const out: ParsedOcspRequest = { certIds, signed: sig !== undefined };
  const extsWrapper = fields[i];
  if (extsWrapper) {
    if (extsWrapper.tag !== 0xa2) throw bad('unexpected field after requestList');
    const seq = children(der, extsWrapper)[0];
    if (!seq || seq.tag !== TAG.SEQUENCE) throw bad('malformed requestExtensions');
    for (const ext of children(der, seq)) {
      const parts = children(der, ext);
      const oidTlv = parts[0];
      const valueTlv = parts[parts.length - 1];
      if (!oidTlv || oidTlv.tag !== TAG.OID || !valueTlv || valueTlv.tag !== TAG.OCTET_STRING) throw bad('malformed extension');
      if (decodeOid(value(der, oidTlv)) === OID.ocspNonce) {
        const inner = value(der, valueTlv);
        // RFC 8954 §2.1: the nonce is an OCTET STRING inside extnValue; some clients (old OpenSSL) omit the wrapper.
        try {
          const t = readSingle(inner, 'nonce');
          out.nonce = t.tag === TAG.OCTET_STRING ? value(inner, t) : inner;
        } catch {
          out.nonce = inner;
        }
      }
    }
  }
  return out;
}
