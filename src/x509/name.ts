/**
 * Distinguished names: comparison (RFC 5280 §7.1) and display.
 *
 * Names are compared on their DER, attribute by attribute. Byte equality is
 * the common case; otherwise string values are compared after the RFC 4518
 * essentials (case folding, insignificant space), which is what path
 * building across re-encoded names needs. Non-string values compare as bytes.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { children, readSingle, TAG, value } from '../util/der.ts';
import { ATTRIBUTE_SHORT_NAMES } from './oids.ts';
import { decodeOid } from './signature.ts';

export interface NameAttribute {
  type: string;
  /** DER tag of the value (PrintableString, UTF8String...). */
  tag: number;
  raw: Uint8Array;
}

export type ParsedName = NameAttribute[][];

const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1e]);

/** Largest Unicode scalar value; UTF-16 surrogates are not scalar values (Unicode §3.9). */
const MAX_CODE_POINT = 0x10ffff;

/**
 * A directory string's text, or undefined when its bytes are not valid for
 * its type (a BMPString of odd length, a UniversalString with a length not a
 * multiple of 4 or a value that is no Unicode scalar): hostile certificates
 * carry those, and String.fromCodePoint / swap16 would throw a RangeError.
 */
function decodeString(tag: number, raw: Uint8Array): string | undefined {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (tag === 0x1e) {
    // BMPString is UTF-16BE.
    if (buf.length % 2 !== 0) return undefined;
    const swapped = Buffer.from(buf);
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  if (tag === 0x1c) {
    // UniversalString is UTF-32BE.
    if (buf.length % 4 !== 0) return undefined;
    let s = '';
    for (let i = 0; i < buf.length; i += 4) {
      const cp = buf.readUInt32BE(i);
      if (cp > MAX_CODE_POINT || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  return tag === 0x14 ? buf.toString('latin1') : buf.toString('utf8');
}

/** Parse a DER Name (RDNSequence). */
export function parseName(der: Uint8Array): ParsedName {
  try {
    const seq = readSingle(der, 'Name');
    if (seq.tag !== TAG.SEQUENCE) throw new Error('Name is not a SEQUENCE');
    return children(der, seq).map((set) => {
      if (set.tag !== TAG.SET) throw new Error('RelativeDistinguishedName is not a SET');
      const attrs = children(der, set).map((atv) => {
        const [typeTlv, valueTlv] = children(der, atv);
        if (!typeTlv || typeTlv.tag !== TAG.OID || !valueTlv) throw new Error('malformed AttributeTypeAndValue');
        return { type: decodeOid(value(der, typeTlv)), tag: valueTlv.tag, raw: value(der, valueTlv) };
      });
      if (attrs.length === 0) throw new Error('empty RelativeDistinguishedName');
      return attrs;
    });
  } catch (cause) {
    throw new CertwardenError(ErrorCode.CERTIFICATE_PARSE, `malformed distinguished name: ${(cause as Error).message}`, { cause });
  }
}

function normalizeValue(attr: NameAttribute): string {
  const text = STRING_TAGS.has(attr.tag) ? decodeString(attr.tag, attr.raw) : undefined;
  // No string form (or an invalid one): compared as exact bytes, which only matches itself.
  if (text === undefined) return `#${attr.tag}:${Buffer.from(attr.raw).toString('hex')}`;
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function rdnKey(rdn: NameAttribute[]): string {
  return rdn
    .map((a) => `${a.type}=${normalizeValue(a)}`)
    .sort()
    .join('+');
}

/** RFC 5280 §7.1 name comparison. */
export function namesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (Buffer.compare(a, b) === 0) return true;
  let pa: ParsedName;
  let pb: ParsedName;
  try {
    pa = parseName(a);
    pb = parseName(b);
  } catch {
    return false;
  }
  if (pa.length !== pb.length) return false;
  for (let i = 0; i < pa.length; i++) {
    if (rdnKey(pa[i]!) !== rdnKey(pb[i]!)) return false;
  }
  return true;
}

/** The RFC 5280 §7.1 comparison key of each RDN, most significant first (for directoryName constraints). Throws on a malformed name. */
export function rdnKeys(der: Uint8Array): string[] {
  return parseName(der).map(rdnKey);
}

/** A stable key for indexing certificates by name (used by path building). */
export function nameKey(der: Uint8Array): string {
  try {
    return parseName(der).map(rdnKey).join(',');
  } catch {
    return `raw:${Buffer.from(der).toString('hex')}`;
  }
}

function escapeValue(s: string): string {
  return s.replace(/([,+"\\<>;])/g, '\\$1');
}

/** Human-readable form, most significant RDN first as OpenSSL prints it ("CN=a, O=b" reversed is RFC 4514). */
export function formatName(der: Uint8Array): string {
  let parsed: ParsedName;
  try {
    parsed = parseName(der);
  } catch {
    return '<malformed name>';
  }
  return parsed
    .map((rdn) =>
      rdn
        .map((a) => {
          const key = ATTRIBUTE_SHORT_NAMES[a.type] ?? a.type;
          const text = STRING_TAGS.has(a.tag) ? decodeString(a.tag, a.raw) : undefined;
          // RFC 4514 §2.4: a value without a string form is written as # and its hex.
          const v = text !== undefined ? escapeValue(text) : `#${Buffer.from(a.raw).toString('hex')}`;
          return `${key}=${v}`;
        })
        .join('+'),
    )
    .join(', ');
}

/** The values of one attribute type (e.g. commonName), decoded. */
export function nameValues(der: Uint8Array, type: string): string[] {
  const out: string[] = [];
  for (const rdn of parseName(der)) {
    for (const a of rdn) {
      if (a.type !== type || !STRING_TAGS.has(a.tag)) continue;
      const text = decodeString(a.tag, a.raw);
      // Never skip a value that cannot be read (a CN that escapes name constraints would pass): refuse the name.
      if (text === undefined) throw new CertwardenError(ErrorCode.CERTIFICATE_PARSE, `a ${ATTRIBUTE_SHORT_NAMES[type] ?? type} value is not valid for its string type (tag ${a.tag})`);
      out.push(text);
    }
  }
  return out;
}
