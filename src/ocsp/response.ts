/**
 * OCSP response parsing (RFC 6960 §4.2.1), with the strict DER walker so the
 * signature can later be checked over the exact received bytes of
 * tbsResponseData.
 *
 *   OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 *                                    signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
 *                               producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
 *                               responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
 *   SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 *                                 nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL,
 *                                 singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT UnknownInfo }
 *   RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 *
 * The parser decodes structure only; it trusts nothing. verify.ts decides.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { REVOCATION_REASONS, type RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { children, expectTag, integerHex, readSingle, readTlv, splitSigned, TAG, value, whole, type Tlv } from '../util/der.ts';
import { decodeDerObjects } from '../util/pem.ts';
import { Certificate, parseDerTime } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { decodeOid } from '../x509/signature.ts';
import { RESPONSE_STATUS_NAMES } from './reasons.ts';

export interface OcspExtension {
  oid: string;
  critical: boolean;
  /** Content of extnValue. */
  value: Uint8Array;
}

export interface ParsedCertId {
  /** OID of the hash algorithm. */
  hashAlgorithmOid: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  /** Canonical lowercase hex of the serial INTEGER. */
  serialHex: string;
}

export type CertStatusName = 'good' | 'revoked' | 'unknown';

export interface SingleResponse {
  certId: ParsedCertId;
  status: CertStatusName;
  revocationTime?: Date;
  revocationReason?: RevocationReasonName;
  thisUpdate: Date;
  nextUpdate?: Date;
  extensions: OcspExtension[];
}

export type ResponderId = { type: 'name'; name: Uint8Array } | { type: 'key'; keyHash: Uint8Array };

export interface BasicOcspResponse {
  /** The exact bytes of tbsResponseData, as signed. */
  tbs: Uint8Array;
  signatureAlgorithmDer: Uint8Array;
  signature: Uint8Array;
  /** 1 for v1. */
  version: number;
  responderId: ResponderId;
  producedAt: Date;
  responses: SingleResponse[];
  extensions: OcspExtension[];
  /** Certificates carried in `certs` (DER), parsed lazily by the verifier. */
  certificates: Uint8Array[];
}

export interface ParsedOcspResponse {
  der: Uint8Array;
  responseStatus: number;
  /** RFC 6960 name of the status, or "status-<n>" for an undefined value. */
  responseStatusName: string;
  responseType?: string;
  /** Present when the response is successful and of type id-pkix-ocsp-basic. */
  basic?: BasicOcspResponse;
}

function fail(message: string): never {
  throw new CertwardenError(ErrorCode.OCSP_PARSE, `malformed OCSP response: ${message}`);
}

function generalizedTime(buf: Uint8Array, tlv: Tlv | undefined, what: string): Date {
  if (!tlv) fail(`missing ${what}`);
  // RFC 6960 §4.2.2.1: all OCSP times are GeneralizedTime.
  if (tlv.tag !== TAG.GENERALIZED_TIME) fail(`${what} is not a GeneralizedTime`);
  return parseDerTime(buf, tlv);
}

/** Parse Extensions (SEQUENCE OF Extension) inside an explicit tag. */
export function parseExtensions(buf: Uint8Array, wrapper: Tlv): OcspExtension[] {
  const list = children(buf, wrapper);
  if (list.length !== 1 || list[0]!.tag !== TAG.SEQUENCE) fail('malformed Extensions');
  const out: OcspExtension[] = [];
  const seen = new Set<string>();
  for (const ext of children(buf, list[0]!)) {
    expectTag(ext, TAG.SEQUENCE, 'Extension');
    const parts = children(buf, ext);
    const oidTlv = parts[0];
    if (!oidTlv || oidTlv.tag !== TAG.OID) fail('Extension without an OID');
    const oid = decodeOid(value(buf, oidTlv));
    let critical = false;
    let i = 1;
    if (parts[i]?.tag === TAG.BOOLEAN) {
      const b = value(buf, parts[i]!);
      if (b.length !== 1) fail('malformed critical flag');
      // Responders in the wild write an explicit FALSE (BER); any non-zero is TRUE.
      critical = b[0] !== 0;
      i++;
    }
    const v = parts[i];
    if (!v || v.tag !== TAG.OCTET_STRING || parts.length !== i + 1) fail(`extension ${oid} is malformed`);
    if (seen.has(oid)) fail(`extension ${oid} appears more than once`);
    seen.add(oid);
    out.push({ oid, critical, value: value(buf, v) });
  }
  return out;
}

function parseCertId(buf: Uint8Array, tlv: Tlv): ParsedCertId {
  expectTag(tlv, TAG.SEQUENCE, 'CertID');
  const [alg, nameHash, keyHash, serial, ...rest] = children(buf, tlv);
  if (!alg || !nameHash || !keyHash || !serial || rest.length > 0) fail('CertID must have four fields');
  expectTag(alg, TAG.SEQUENCE, 'CertID hashAlgorithm');
  const algOid = children(buf, alg)[0];
  if (!algOid || algOid.tag !== TAG.OID) fail('CertID hashAlgorithm without an OID');
  expectTag(nameHash, TAG.OCTET_STRING, 'issuerNameHash');
  expectTag(keyHash, TAG.OCTET_STRING, 'issuerKeyHash');
  expectTag(serial, TAG.INTEGER, 'serialNumber');
  const serialContent = value(buf, serial);
  if (serialContent.length === 0) fail('empty serialNumber');
  return {
    hashAlgorithmOid: decodeOid(value(buf, algOid)),
    issuerNameHash: value(buf, nameHash),
    issuerKeyHash: value(buf, keyHash),
    serialHex: integerHex(serialContent),
  };
}

function parseSingleResponse(buf: Uint8Array, tlv: Tlv): SingleResponse {
  expectTag(tlv, TAG.SEQUENCE, 'SingleResponse');
  const fields = children(buf, tlv);
  const certId = parseCertId(buf, fields[0] ?? fail('empty SingleResponse'));
  const statusTlv = fields[1] ?? fail('SingleResponse without certStatus');
  const single: SingleResponse = { certId, status: 'unknown', thisUpdate: new Date(0), extensions: [] };
  switch (statusTlv.tag) {
    case 0x80:
      if (statusTlv.end !== statusTlv.valueStart) fail('good status must be NULL');
      single.status = 'good';
      break;
    case 0xa1: {
      single.status = 'revoked';
      const [timeTlv, reasonTlv, ...rest] = children(buf, statusTlv);
      if (rest.length > 0) fail('RevokedInfo has extra fields');
      single.revocationTime = generalizedTime(buf, timeTlv, 'revocationTime');
      if (reasonTlv) {
        if (reasonTlv.tag !== 0xa0) fail('malformed revocationReason');
        const inner = children(buf, reasonTlv);
        if (inner.length !== 1 || inner[0]!.tag !== TAG.ENUMERATED) fail('revocationReason is not an ENUMERATED');
        const v = value(buf, inner[0]!);
        if (v.length !== 1) fail('revocationReason out of range');
        const name = REVOCATION_REASONS[v[0]!];
        if (!name || v[0] === 7) fail(`revocationReason ${v[0]} is not defined (RFC 5280 §5.3.1)`);
        single.revocationReason = name;
      }
      break;
    }
    case 0x82:
      if (statusTlv.end !== statusTlv.valueStart) fail('unknown status must be NULL');
      single.status = 'unknown';
      break;
    default:
      fail(`unknown certStatus tag 0x${statusTlv.tag.toString(16)}`);
  }
  single.thisUpdate = generalizedTime(buf, fields[2], 'thisUpdate');
  let i = 3;
  if (fields[i]?.tag === 0xa0) {
    const inner = children(buf, fields[i]!);
    if (inner.length !== 1) fail('malformed nextUpdate');
    single.nextUpdate = generalizedTime(buf, inner[0], 'nextUpdate');
    i++;
  }
  if (fields[i]?.tag === 0xa1) {
    single.extensions = parseExtensions(buf, fields[i]!);
    i++;
  }
  if (i !== fields.length) fail('unexpected field in SingleResponse');
  return single;
}

/** Parse a DER BasicOCSPResponse. */
export function parseBasicResponse(der: Uint8Array): BasicOcspResponse {
  const { tbs, algorithm, signature } = splitSigned(der, 'BasicOCSPResponse');
  const outer = children(der, readTlv(der, 0));
  if (outer.length > 4) fail('BasicOCSPResponse has extra fields');
  const certificates: Uint8Array[] = [];
  if (outer[3]) {
    if (outer[3].tag !== 0xa0) fail('certs must be tagged [0]');
    const seq = children(der, outer[3]);
    if (seq.length !== 1 || seq[0]!.tag !== TAG.SEQUENCE) fail('certs must be a SEQUENCE OF Certificate');
    for (const c of children(der, seq[0]!)) certificates.push(whole(der, c));
  }
  const fields = children(tbs, readTlv(tbs, 0));
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const v = children(tbs, fields[0]);
    if (v.length !== 1 || v[0]!.tag !== TAG.INTEGER) fail('malformed version');
    const n = value(tbs, v[0]!);
    version = n.length === 1 ? n[0]! + 1 : 0;
    i++;
  }
  const ridTlv = fields[i++] ?? fail('missing responderID');
  let responderId: ResponderId;
  if (ridTlv.tag === 0xa1) {
    const name = children(tbs, ridTlv);
    if (name.length !== 1 || name[0]!.tag !== TAG.SEQUENCE) fail('responderID byName is not a Name');
    responderId = { type: 'name', name: whole(tbs, name[0]!) };
  } else if (ridTlv.tag === 0xa2) {
    const key = children(tbs, ridTlv);
    if (key.length !== 1 || key[0]!.tag !== TAG.OCTET_STRING) fail('responderID byKey is not an OCTET STRING');
    responderId = { type: 'key', keyHash: value(tbs, key[0]!) };
  } else {
    fail(`responderID has tag 0x${ridTlv.tag.toString(16)}`);
  }
  const producedAt = generalizedTime(tbs, fields[i++], 'producedAt');
  const list = fields[i++] ?? fail('missing responses');
  expectTag(list, TAG.SEQUENCE, 'responses');
  const responses = children(tbs, list).map((s) => parseSingleResponse(tbs, s));
  let extensions: OcspExtension[] = [];
  if (fields[i]?.tag === 0xa1) {
    extensions = parseExtensions(tbs, fields[i]!);
    i++;
  }
  if (i !== fields.length) fail('unexpected field in ResponseData');
  return { tbs, signatureAlgorithmDer: algorithm, signature, version, responderId, producedAt, responses, extensions, certificates };
}

/**
 * Parse an OCSPResponse (DER, PEM or base64). Throws CW_ERR_OCSP_PARSE for
 * anything malformed, including trailing bytes. A non-successful status is not
 * an error here: the result has no `basic`.
 */
export function parseOcspResponse(input: Uint8Array | string): ParsedOcspResponse {
  try {
    const der = typeof input === 'string' || input[0] !== 0x30 ? decodeDerObjects(input, ['OCSP RESPONSE'], 'OCSP response')[0]! : input;
    const outer = readSingle(der, 'OCSPResponse');
    expectTag(outer, TAG.SEQUENCE, 'OCSPResponse');
    const [statusTlv, bytesTlv, ...rest] = children(der, outer);
    if (!statusTlv || rest.length > 0) fail('OCSPResponse must hold responseStatus and optional responseBytes');
    expectTag(statusTlv, TAG.ENUMERATED, 'responseStatus');
    const sv = value(der, statusTlv);
    if (sv.length !== 1 || sv[0]! > 0x7f) fail('responseStatus out of range');
    const responseStatus = sv[0]!;
    const parsed: ParsedOcspResponse = { der, responseStatus, responseStatusName: RESPONSE_STATUS_NAMES[responseStatus] ?? `status-${responseStatus}` };
    if (!bytesTlv) return parsed;
    if (bytesTlv.tag !== 0xa0) fail('responseBytes must be tagged [0]');
    const rb = children(der, bytesTlv);
    if (rb.length !== 1) fail('malformed responseBytes');
    expectTag(rb[0]!, TAG.SEQUENCE, 'ResponseBytes');
    const [typeTlv, respTlv, ...more] = children(der, rb[0]!);
    if (!typeTlv || !respTlv || more.length > 0) fail('ResponseBytes must hold responseType and response');
    expectTag(typeTlv, TAG.OID, 'responseType');
    expectTag(respTlv, TAG.OCTET_STRING, 'response');
    parsed.responseType = decodeOid(value(der, typeTlv));
    if (responseStatus === 0 && parsed.responseType === OID.ocspBasic) parsed.basic = parseBasicResponse(value(der, respTlv));
    return parsed;
  } catch (cause) {
    if (cause instanceof CertwardenError && cause.code === ErrorCode.OCSP_PARSE) throw cause;
    // DER and certificate-parser errors become OCSP parse errors, with the original as cause.
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new CertwardenError(ErrorCode.OCSP_PARSE, `malformed OCSP response: ${message}`, { cause });
  }
}
