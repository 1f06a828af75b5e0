/**
 * A minimal, strict DER TLV walker.
 *
 * The schema parsers (@peculiar/asn1-schema) decode structures; this walker
 * exists for two things they do not give us:
 *  - the exact bytes of a signed part (tbsCertificate, tbsCertList,
 *    tbsResponseData), because a signature covers the bytes as received, not a
 *    re-encoding of them;
 *  - a fast path over the revokedCertificates of very large CRLs, where
 *    building one object per node costs too much (see crl/parse.ts).
 *
 * It accepts DER only: definite, minimally encoded lengths, single-byte tags
 * for the universal and context classes we meet in PKIX.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';

export interface Tlv {
  /** The full identifier octet (class, constructed bit, tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  valueStart: number;
  /** Offset one past the last content octet. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function derError(message: string, offset: number): CertwardenError {
  return new CertwardenError(ErrorCode.DER, `malformed DER at byte ${offset}: ${message}`, { details: { offset } });
}

/** Read one TLV at `offset`, bounded by `limit` (defaults to the buffer's end). */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  if (offset >= limit) throw derError('unexpected end of data (expected a tag)', offset);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw derError('multi-byte tags are not used in PKIX', offset);
  let pos = offset + 1;
  if (pos >= limit) throw derError('unexpected end of data (expected a length)', pos);
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw derError('indefinite length is not DER', pos - 1);
  } else {
    const count = first & 0x7f;
    // 4 length octets address 4 GiB, far beyond anything we accept.
    if (count > 4) throw derError(`length of ${count} octets is too large`, pos - 1);
    if (pos + count > limit) throw derError('truncated length', pos);
    if (buf[pos] === 0) throw derError('length is not minimally encoded', pos);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    if (length < 0x80) throw derError('length is not minimally encoded', pos - count);
  }
  const end = pos + length;
  if (end > limit) throw derError(`content of ${length} bytes runs past the end of its container`, pos);
  return { tag, start: offset, valueStart: pos, end };
}

/** Read the single TLV that must make up all of `buf`; trailing bytes are an error. */
export function readSingle(buf: Uint8Array, what = 'structure'): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.end !== buf.length) {
    throw derError(`${buf.length - tlv.end} trailing byte(s) after the ${what}`, tlv.end);
  }
  return tlv;
}

/** The children of a constructed TLV, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw derError('expected a constructed value', parent.start);
  const out: Tlv[] = [];
  let pos = parent.valueStart;
  while (pos < parent.end) {
    const child = readTlv(buf, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Expect `tlv` to carry `tag`. */
export function expectTag(tlv: Tlv, tag: number, what: string): void {
  if (tlv.tag !== tag) {
    throw derError(`expected ${what} (tag 0x${tag.toString(16)}), found tag 0x${tlv.tag.toString(16)}`, tlv.start);
  }
}

/** Slice helpers (views, no copy). */
export function whole(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}
export function value(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.valueStart, tlv.end);
}

/**
 * The signed part of a SIGNED{} structure (Certificate, CertificateList,
 * BasicOCSPResponse): SEQUENCE { tbs, signatureAlgorithm, signature }.
 * Returns the raw bytes of tbs, of the algorithm and the signature BIT STRING content.
 */
export function splitSigned(buf: Uint8Array, what: string): { tbs: Uint8Array; algorithm: Uint8Array; signature: Uint8Array } {
  const outer = readSingle(buf, what);
  expectTag(outer, TAG.SEQUENCE, what);
  const parts = children(buf, outer);
  if (parts.length < 3) throw derError(`${what} must have tbs, algorithm and signature`, outer.start);
  const [tbs, alg, sig] = parts as [Tlv, Tlv, Tlv];
  expectTag(tbs, TAG.SEQUENCE, `${what} signed data`);
  expectTag(alg, TAG.SEQUENCE, `${what} signature algorithm`);
  expectTag(sig, TAG.BIT_STRING, `${what} signature`);
  const bits = value(buf, sig);
  if (bits.length < 1 || bits[0] !== 0) throw derError('signature BIT STRING must have 0 unused bits', sig.start);
  return { tbs: whole(buf, tbs), algorithm: whole(buf, alg), signature: bits.subarray(1) };
}

/**
 * Canonical form of a DER INTEGER's content octets as lowercase hex, for
 * comparing serial numbers as integers (RFC 5280 §4.1.2.2: serials are
 * integers; a leading 0x00 that only marks a positive sign is not significant).
 */
export function integerHex(content: Uint8Array): string {
  // A negative INTEGER (high bit set) keeps a "-" marker so that 0x0080 (128) and 0x80 (-128) differ.
  if (content.length > 0 && (content[0]! & 0x80) !== 0) return `-${Buffer.from(content).toString('hex')}`;
  let i = 0;
  while (i < content.length - 1 && content[i] === 0) i++;
  return Buffer.from(content.buffer, content.byteOffset + i, content.length - i).toString('hex');
}
