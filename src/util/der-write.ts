/**
 * A small DER writer for the structures certwarden signs (certificates, CRLs,
 * OCSP responses). Writing them directly, rather than through a schema
 * serializer, keeps every byte under our control: the CA needs exact profiles
 * and the adversarial tests need to produce precisely-broken encodings.
 */
import { TAG } from './der.ts';

export type Der = Buffer;

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with the given identifier octet and content. */
export function tlv(tag: number, content: Uint8Array): Der {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Array<Uint8Array | undefined | null | false>): Der {
  return tlv(TAG.SEQUENCE, Buffer.concat(items.filter((x): x is Uint8Array => !!x)));
}

/** DER SET OF: elements sorted by their encodings (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Der {
  const sorted = [...items].sort((a, b) => Buffer.compare(a, b));
  return tlv(TAG.SET, Buffer.concat(sorted));
}

/** Explicitly tagged [n] (constructed context-specific). */
export function explicit(n: number, inner: Uint8Array): Der {
  return tlv(0xa0 | n, inner);
}

/** Implicitly tagged [n]: replace the tag of a primitive or constructed value. */
export function implicit(n: number, content: Uint8Array, constructed = false): Der {
  return tlv((constructed ? 0xa0 : 0x80) | n, content);
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new RangeError(`invalid OID ${dotted}`);
  const bytes: number[] = [];
  const push = (v: bigint): void => {
    const chunk: number[] = [Number(v & 0x7fn)];
    v >>= 7n;
    while (v > 0n) {
      chunk.unshift(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(...chunk);
  };
  push(parts[0]! * 40n + parts[1]!);
  for (const p of parts.slice(2)) push(p);
  return tlv(TAG.OID, Buffer.from(bytes));
}

/** INTEGER from a non-negative bigint or from unsigned big-endian bytes. */
export function integer(v: bigint | number | Uint8Array): Der {
  let bytes: Buffer;
  if (typeof v === 'number' || typeof v === 'bigint') {
    let n = BigInt(v);
    if (n < 0n) throw new RangeError('negative INTEGER not supported');
    const hex = n.toString(16);
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    bytes = Buffer.from(v.subarray(i));
  }
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INTEGER, bytes);
}

/** INTEGER with its content octets written verbatim (for tests of non-canonical encodings). */
export function rawInteger(content: Uint8Array): Der {
  return tlv(TAG.INTEGER, content);
}

export function enumerated(n: number): Der {
  return tlv(TAG.ENUMERATED, Buffer.from([n]));
}

export function boolean(v: boolean): Der {
  return tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0x00]));
}

export function nullValue(): Der {
  return Buffer.from([TAG.NULL, 0]);
}

export function octetString(content: Uint8Array): Der {
  return tlv(TAG.OCTET_STRING, content);
}

export function bitString(content: Uint8Array, unusedBits = 0): Der {
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), content]));
}

/** A named-bit BIT STRING (keyUsage, reasonFlags) with trailing zero bits trimmed (X.690 §11.2.2). */
export function namedBits(bits: number[]): Der {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const max = Math.max(...bits);
  const bytes = Buffer.alloc((max >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return bitString(bytes, 7 - (max & 7));
}

export function utf8String(s: string): Der {
  return tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
}

export function printableString(s: string): Der {
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(s, 'latin1'));
}

export function ia5String(s: string): Der {
  return tlv(TAG.IA5_STRING, Buffer.from(s, 'latin1'));
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(d: Date): Der {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(`${pad(y % 100)}${rest}`, 'latin1'));
  return generalizedTime(d);
}

/** GeneralizedTime without fractional seconds (RFC 5280 §4.1.2.5.2, RFC 6960 §4.2.2.1). */
export function generalizedTime(d: Date): Der {
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(s, 'latin1'));
}
