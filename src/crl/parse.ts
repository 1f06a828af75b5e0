/**
 * CRL parsing (RFC 5280 §5), with a fast path for very large CRLs.
 *
 * The outer structure and the CRL extensions are decoded with the strict DER
 * walker (util/der.ts). The revokedCertificates list is walked inline, without
 * building one object per entry: every entry's TLV framing, serial, time tag
 * and entry extensions are checked, and the serial is put into a compact hash
 * index that points back into the DER (serial-index.ts). A revoked entry is
 * decoded into an object only when a lookup hits it.
 *
 * Everything about *using* a CRL (signature, issuer, freshness, scope) is in
 * verify.ts; parsing only records what it saw (unknown critical extensions,
 * indirect entries, delta indicator) so that the verifier can refuse the CRL
 * with a precise reason instead of a parse error.
 */
import { CertwardenError, ErrorCode } from '../errors.ts';
import { children, expectTag, readTlv, splitSigned, TAG, value, whole, type Tlv } from '../util/der.ts';
import { decodeDerObjects } from '../util/pem.ts';
import { decodeReasonFlags, parseDerTime, parseGeneralName, type GeneralNameValue } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { decodeOid } from '../x509/signature.ts';
import { REVOCATION_REASONS, type RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { canonicalSerialHex, HashSerialIndex, MapSerialIndex, type SerialIndex } from './serial-index.ts';

/** PEM labels a CRL may carry (RFC 7468 §5 uses "X509 CRL"). */
export const CRL_PEM_LABELS = ['X509 CRL', 'CRL'] as const;

/** ReasonFlags bits (RFC 5280 §4.2.1.13), as a mask with bit i = named bit i. */
export const REASON_FLAG_BITS = {
  unused: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 7,
  aACompromise: 8,
} as const;
/** Every reason (bits 1..8): what a set of CRLs must cover to give a complete answer (RFC 5280 §6.3.3). */
export const ALL_REASONS_MASK = 0x1fe;

export interface CrlExtension {
  oid: string;
  critical: boolean;
  /** Content of extnValue. */
  value: Uint8Array;
}

export interface IssuingDistributionPoint {
  /** distributionPoint fullName entries, when given that way. */
  fullNames?: GeneralNameValue[];
  /** DER of the RelativeDistinguishedName (a SET), when given as nameRelativeToCRLIssuer. */
  relativeName?: Uint8Array;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  /** ReasonFlags mask (bit i = named bit i), when the CRL is partitioned by reason. */
  onlySomeReasons?: number;
  indirectCrl: boolean;
  onlyContainsAttributeCerts: boolean;
}

export interface RevokedEntry {
  /** Canonical serial (see serial-index.ts canonicalSerialHex). */
  serialHex: string;
  revocationDate: Date;
  reason?: RevocationReasonName;
  invalidityDate?: Date;
  /** The entry carries certificateIssuer (indirect CRL): its meaning depends on issuer tracking we do not do. */
  hasCertificateIssuer: boolean;
  extensions: CrlExtension[];
}

export interface ParseCrlOptions {
  /** Serial index flavour: 'hash' (default, compact) or 'map' (for comparison). */
  index?: 'hash' | 'map';
}

function crlError(message: string, cause?: unknown): CertwardenError {
  return new CertwardenError(ErrorCode.CRL_PARSE, `malformed CRL: ${message}`, cause === undefined ? {} : { cause });
}

function wrap(cause: unknown): CertwardenError {
  if (cause instanceof CertwardenError && cause.code === ErrorCode.CRL_PARSE) return cause;
  return crlError(cause instanceof Error ? cause.message : String(cause), cause);
}

// Content octets of the OIDs met in entry extensions: 2.5.29.x = 55 1d x.
const ENTRY_REASON = 0x15;
const ENTRY_INVALIDITY_DATE = 0x18;
const ENTRY_CERTIFICATE_ISSUER = 0x1d;

const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.cRLNumber,
  OID.authorityKeyIdentifier,
  OID.issuingDistributionPoint,
  OID.deltaCRLIndicator,
  OID.freshestCRL,
  OID.issuerAltName,
  OID.authorityInfoAccess,
]);

/** Header decoding for the inline walk: returns the TLV's end, sets `valueStartOut`. */
let valueStartOut = 0;
function tlvEnd(buf: Uint8Array, pos: number, limit: number): number {
  if (pos + 2 > limit) throw crlError(`truncated entry at byte ${pos}`);
  const first = buf[pos + 1]!;
  let p = pos + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw crlError(`bad length at byte ${pos + 1}`);
    if (p + count > limit || buf[p] === 0) throw crlError(`bad length at byte ${pos + 1}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[p++]!;
    if (length < 0x80) throw crlError(`length not minimally encoded at byte ${pos + 1}`);
  }
  const end = p + length;
  if (end > limit) throw crlError(`value at byte ${pos} runs past its container`);
  valueStartOut = p;
  return end;
}

function readBooleanTrue(buf: Uint8Array, tlv: Tlv, what: string): boolean {
  const v = value(buf, tlv);
  if (v.length !== 1) throw crlError(`${what} is not a BOOLEAN`);
  // DER: DEFAULT FALSE must be omitted, TRUE is 0xff.
  if (v[0] !== 0xff) throw crlError(`${what} is not DER (only TRUE may be encoded)`);
  return true;
}

/** ReasonFlags BIT STRING content (unused-bits octet first) to a mask. */
export function reasonFlagsMask(content: Uint8Array): number {
  const mask = decodeReasonFlags(content);
  if (mask === undefined) throw crlError('malformed ReasonFlags');
  return mask;
}

/** Decode an IssuingDistributionPoint extension value (RFC 5280 §5.2.5). */
export function parseIssuingDistributionPoint(der: Uint8Array): IssuingDistributionPoint {
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG.SEQUENCE || seq.end !== der.length) throw crlError('malformed issuingDistributionPoint');
  const idp: IssuingDistributionPoint = {
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    indirectCrl: false,
    onlyContainsAttributeCerts: false,
  };
  let last = -1;
  for (const f of children(der, seq)) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 5) throw crlError('issuingDistributionPoint has an unexpected or misordered field');
    last = n;
    switch (f.tag) {
      case 0xa0: {
        const name = children(der, f)[0];
        if (!name) throw crlError('empty distributionPoint in issuingDistributionPoint');
        if (name.tag === 0xa0) {
          idp.fullNames = children(der, name).map((gn) => parseGeneralName(der, gn));
          if (idp.fullNames.length === 0) throw crlError('empty fullName in issuingDistributionPoint');
        } else if (name.tag === 0xa1) {
          idp.relativeName = Buffer.concat([Buffer.from([0x31]), der.subarray(name.start + 1, name.end)]);
        } else {
          throw crlError('unknown DistributionPointName form');
        }
        break;
      }
      case 0x81:
        idp.onlyContainsUserCerts = readBooleanTrue(der, f, 'onlyContainsUserCerts');
        break;
      case 0x82:
        idp.onlyContainsCACerts = readBooleanTrue(der, f, 'onlyContainsCACerts');
        break;
      case 0x83:
        idp.onlySomeReasons = reasonFlagsMask(value(der, f));
        break;
      case 0x84:
        idp.indirectCrl = readBooleanTrue(der, f, 'indirectCRL');
        break;
      case 0x85:
        idp.onlyContainsAttributeCerts = readBooleanTrue(der, f, 'onlyContainsAttributeCerts');
        break;
      default:
        throw crlError(`unexpected field tag 0x${f.tag.toString(16)} in issuingDistributionPoint`);
    }
  }
  // RFC 5280 §5.2.5: at most one of the three "only contains" flags.
  if (Number(idp.onlyContainsUserCerts) + Number(idp.onlyContainsCACerts) + Number(idp.onlyContainsAttributeCerts) > 1) {
    throw crlError('issuingDistributionPoint asserts more than one onlyContains* flag');
  }
  return idp;
}

function readExtensions(buf: Uint8Array, list: Tlv, what: string): CrlExtension[] {
  expectTag(list, TAG.SEQUENCE, `${what} extensions`);
  const out: CrlExtension[] = [];
  const seen = new Set<string>();
  for (const ext of children(buf, list)) {
    expectTag(ext, TAG.SEQUENCE, 'extension');
    const parts = children(buf, ext);
    const oidTlv = parts[0];
    if (!oidTlv || oidTlv.tag !== TAG.OID) throw crlError(`${what} extension without an OID`);
    const oid = decodeOid(value(buf, oidTlv));
    let critical = false;
    let valueTlv = parts[1];
    if (valueTlv?.tag === TAG.BOOLEAN) {
      critical = readBooleanTrue(buf, valueTlv, `critical flag of ${oid}`);
      valueTlv = parts[2];
    }
    if (!valueTlv || valueTlv.tag !== TAG.OCTET_STRING || parts.length !== (critical ? 3 : 2)) throw crlError(`${what} extension ${oid} is malformed`);
    if (seen.has(oid)) throw crlError(`${what} extension ${oid} appears more than once`);
    seen.add(oid);
    out.push({ oid, critical, value: value(buf, valueTlv) });
  }
  if (out.length === 0) throw crlError(`${what} extensions field present but empty`);
  return out;
}

function parseNonNegativeInteger(der: Uint8Array, what: string): bigint {
  const t = readTlv(der, 0);
  if (t.tag !== TAG.INTEGER || t.end !== der.length) throw crlError(`malformed ${what}`);
  const v = value(der, t);
  if (v.length === 0 || (v[0]! & 0x80) !== 0) throw crlError(`${what} must be a non-negative INTEGER`);
  // RFC 5280 §5.2.3: at most 20 octets.
  if (v.length > 21 || (v.length === 21 && v[0] !== 0)) throw crlError(`${what} is longer than 20 octets`);
  return BigInt(`0x${Buffer.from(v).toString('hex')}`);
}

export class Crl {
  /** The CRL's DER, as received. */
  readonly der: Buffer;
  /** The exact signed bytes (tbsCertList). */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithmDer: Uint8Array;
  readonly innerSignatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  /** 1 or 2. */
  readonly version: number;
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly extensions: readonly CrlExtension[];
  readonly crlNumber: bigint | undefined;
  readonly deltaCrlIndicator: bigint | undefined;
  readonly authorityKeyIdentifier: Uint8Array | undefined;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /** OIDs of critical CRL extensions we do not understand: the CRL must not be used. */
  readonly unknownCriticalExtensions: readonly string[];
  /** OIDs of critical entry extensions we do not understand: the CRL must not be used (RFC 5280 §5.3). */
  readonly unknownCriticalEntryExtensions: readonly string[];
  /** Some entry carries certificateIssuer (indirect CRL). */
  readonly hasIndirectEntries: boolean;
  /** Number of distinct revoked serials. */
  readonly revokedCount: number;

  readonly #index: SerialIndex;
  #revokedRange: [number, number] | undefined;
  /** Signers whose signature over this CRL verified (by certificate DER fingerprint), memoized by verify.ts. */
  readonly verifiedSigners = new Set<string>();

  constructor(der: Uint8Array, options: ParseCrlOptions = {}) {
    this.der = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    try {
      // The serial index stores offsets in 31 bits; no CRL we accept comes near 2 GiB.
      if (this.der.length >= 0x80000000) throw crlError('CRL larger than 2 GiB');
      const outer = readTlv(this.der, 0);
      if (outer.end !== this.der.length) throw crlError(`${this.der.length - outer.end} trailing byte(s) after the CRL`);
      if (children(this.der, outer).length !== 3) throw crlError('a CertificateList has exactly tbsCertList, signatureAlgorithm and signatureValue');
      const { tbs, algorithm, signature } = splitSigned(this.der, 'CRL');
      this.tbs = tbs;
      this.signatureAlgorithmDer = algorithm;
      this.signatureValue = signature;
      // Offsets below are relative to the whole DER so the serial index can point into it.
      const tbsOffset = tbs.byteOffset - this.der.byteOffset;
      const buf = this.der;
      const fields = children(buf, readTlv(buf, tbsOffset));
      let i = 0;
      let version = 1;
      if (fields[0]?.tag === TAG.INTEGER) {
        const v = value(buf, fields[0]);
        if (v.length !== 1 || v[0] !== 1) throw crlError('version must be v2 (1) when present');
        version = 2;
        i++;
      }
      this.version = version;
      const need = (what: string, tag: number): Tlv => {
        const f = fields[i++];
        if (!f) throw crlError(`missing ${what}`);
        expectTag(f, tag, what);
        return f;
      };
      this.innerSignatureAlgorithmDer = whole(buf, need('signature algorithm', TAG.SEQUENCE));
      this.issuerDer = whole(buf, need('issuer', TAG.SEQUENCE));
      const tu = fields[i++];
      if (!tu) throw crlError('missing thisUpdate');
      this.thisUpdate = parseDerTime(buf, tu);
      let nextUpdate: Date | undefined;
      if (fields[i] && (fields[i]!.tag === TAG.UTC_TIME || fields[i]!.tag === TAG.GENERALIZED_TIME)) {
        nextUpdate = parseDerTime(buf, fields[i++]!);
      }
      this.nextUpdate = nextUpdate;
      let revoked: Tlv | undefined;
      if (fields[i]?.tag === TAG.SEQUENCE) revoked = fields[i++];
      let extensions: CrlExtension[] = [];
      if (fields[i]?.tag === 0xa0) {
        const list = children(buf, fields[i]!);
        if (list.length !== 1) throw crlError('crlExtensions must hold one SEQUENCE');
        extensions = readExtensions(buf, list[0]!, 'CRL');
        i++;
      }
      if (i !== fields.length) throw crlError(`unexpected field (tag 0x${fields[i]!.tag.toString(16)}) in tbsCertList`);
      if (extensions.length > 0 && version !== 2) throw crlError('extensions present in a v1 CRL');
      this.extensions = extensions;

      const unknownCritical: string[] = [];
      let crlNumber: bigint | undefined;
      let delta: bigint | undefined;
      let aki: Uint8Array | undefined;
      let idp: IssuingDistributionPoint | undefined;
      for (const ext of extensions) {
        if (!KNOWN_CRL_EXTENSIONS.has(ext.oid)) {
          if (ext.critical) unknownCritical.push(ext.oid);
          continue;
        }
        if (ext.oid === OID.cRLNumber) crlNumber = parseNonNegativeInteger(ext.value, 'cRLNumber');
        else if (ext.oid === OID.deltaCRLIndicator) delta = parseNonNegativeInteger(ext.value, 'deltaCRLIndicator');
        else if (ext.oid === OID.issuingDistributionPoint) idp = parseIssuingDistributionPoint(ext.value);
        else if (ext.oid === OID.authorityKeyIdentifier) {
          const seq = readTlv(ext.value, 0);
          if (seq.tag !== TAG.SEQUENCE) throw crlError('malformed authorityKeyIdentifier');
          const keyId = children(ext.value, seq).find((c) => c.tag === 0x80);
          aki = keyId ? value(ext.value, keyId) : undefined;
        }
      }
      this.crlNumber = crlNumber;
      this.deltaCrlIndicator = delta;
      this.authorityKeyIdentifier = aki;
      this.issuingDistributionPoint = idp;
      this.unknownCriticalExtensions = unknownCritical;

      // Fast path over revokedCertificates.
      // Entries are rarely under 40 bytes (16-byte serial, time, some extensions); the table grows if needed.
      const expected = revoked ? Math.max(16, Math.floor((revoked.end - revoked.valueStart) / 40)) : 16;
      const index: SerialIndex = options.index === 'map' ? new MapSerialIndex() : new HashSerialIndex(buf, expected);
      const unknownEntry = new Set<string>();
      let indirect = false;
      if (revoked) {
        const limit = revoked.end;
        let pos = revoked.valueStart;
        while (pos < limit) {
          if (buf[pos] !== TAG.SEQUENCE) throw crlError(`revoked entry at byte ${pos} is not a SEQUENCE`);
          const entryEnd = tlvEnd(buf, pos, limit);
          let p = valueStartOut;
          if (buf[p] !== TAG.INTEGER) throw crlError(`revoked entry at byte ${pos} has no serial`);
          const serialEnd = tlvEnd(buf, p, entryEnd);
          const serialStart = valueStartOut;
          if (serialEnd === serialStart) throw crlError(`revoked entry at byte ${pos} has an empty serial`);
          p = serialEnd;
          if (p >= entryEnd || (buf[p] !== TAG.UTC_TIME && buf[p] !== TAG.GENERALIZED_TIME)) throw crlError(`revoked entry at byte ${pos} has no revocationDate`);
          p = tlvEnd(buf, p, entryEnd);
          if (p < entryEnd) {
            if (version !== 2) throw crlError('entry extensions present in a v1 CRL');
            if (buf[p] !== TAG.SEQUENCE) throw crlError(`revoked entry at byte ${pos} has an unexpected field`);
            const extsEnd = tlvEnd(buf, p, entryEnd);
            if (extsEnd !== entryEnd) throw crlError(`revoked entry at byte ${pos} has trailing fields`);
            let q = valueStartOut;
            if (q === extsEnd) throw crlError(`revoked entry at byte ${pos} has an empty extension list`);
            let seenKnown = 0;
            while (q < extsEnd) {
              if (buf[q] !== TAG.SEQUENCE) throw crlError(`entry extension at byte ${q} is not a SEQUENCE`);
              const extEnd = tlvEnd(buf, q, extsEnd);
              let r = valueStartOut;
              if (buf[r] !== TAG.OID) throw crlError(`entry extension at byte ${q} has no OID`);
              const oidEnd = tlvEnd(buf, r, extEnd);
              const oidStart = valueStartOut;
              r = oidEnd;
              let critical = false;
              if (buf[r] === TAG.BOOLEAN) {
                const bEnd = tlvEnd(buf, r, extEnd);
                if (bEnd - valueStartOut !== 1 || buf[valueStartOut] !== 0xff) throw crlError(`entry extension at byte ${q} has a non-DER critical flag`);
                critical = true;
                r = bEnd;
              }
              if (buf[r] !== TAG.OCTET_STRING) throw crlError(`entry extension at byte ${q} has no value`);
              if (tlvEnd(buf, r, extEnd) !== extEnd) throw crlError(`entry extension at byte ${q} has trailing fields`);
              const vStart = valueStartOut;
              const known = oidEnd - oidStart === 3 && buf[oidStart] === 0x55 && buf[oidStart + 1] === 0x1d ? buf[oidStart + 2]! : -1;
              if (known === ENTRY_REASON || known === ENTRY_INVALIDITY_DATE || known === ENTRY_CERTIFICATE_ISSUER) {
                const bit = 1 << (known - ENTRY_REASON);
                if (seenKnown & bit) throw crlError(`revoked entry at byte ${pos} repeats an extension`);
                seenKnown |= bit;
                if (known === ENTRY_REASON) {
                  // CRLReason ::= ENUMERATED, one of 0..10 except 7.
                  const code = buf[vStart + 2]!;
                  if (extEnd - vStart !== 3 || buf[vStart] !== TAG.ENUMERATED || buf[vStart + 1] !== 1 || code > 10 || code === 7) {
                    throw crlError(`revoked entry at byte ${pos} has an invalid reasonCode`);
                  }
                } else if (known === ENTRY_INVALIDITY_DATE) {
                  if (buf[vStart] !== TAG.GENERALIZED_TIME) throw crlError(`revoked entry at byte ${pos} has an invalidityDate that is not a GeneralizedTime`);
                } else {
                  indirect = true;
                }
              } else if (critical) {
                unknownEntry.add(decodeOid(buf.subarray(oidStart, oidEnd)));
              }
              q = extEnd;
            }
          }
          index.add(buf, serialStart, serialEnd, pos);
          pos = entryEnd;
        }
      }
      this.#index = index;
      this.#revokedRange = revoked ? [revoked.valueStart, revoked.end] : undefined;
      this.revokedCount = index.size;
      this.unknownCriticalEntryExtensions = [...unknownEntry];
      this.hasIndirectEntries = indirect;
    } catch (cause) {
      throw wrap(cause);
    }
  }

  /** Parse one CRL from PEM ("X509 CRL") or DER. Throws CW_ERR_CRL_PARSE (or CW_ERR_PEM for unreadable input). */
  static parse(input: Uint8Array | string, options: ParseCrlOptions = {}): Crl {
    const all = Crl.parseAll(input, options);
    if (all.length !== 1) throw new CertwardenError(ErrorCode.CRL_PARSE, `expected one CRL, found ${all.length}`);
    return all[0]!;
  }

  /** Parse every CRL in a PEM bundle, or a single DER CRL. */
  static parseAll(input: Uint8Array | string, options: ParseCrlOptions = {}): Crl[] {
    let ders: Buffer[];
    try {
      ders = decodeDerObjects(input, CRL_PEM_LABELS, 'CRL');
    } catch (cause) {
      throw new CertwardenError(ErrorCode.CRL_PARSE, `not a CRL: ${(cause as Error).message}`, { cause });
    }
    return ders.map((der) => new Crl(der, options));
  }

  /** Whether this is a delta CRL (RFC 5280 §5.2.4). */
  get isDelta(): boolean {
    return this.deltaCrlIndicator !== undefined;
  }

  /** The revoked entry for a serial (content octets of the INTEGER), or undefined. Throws CW_ERR_CRL_PARSE if that entry is malformed. */
  lookup(serialContent: Uint8Array): RevokedEntry | undefined {
    const offset = this.#index.get(serialContent);
    return offset < 0 ? undefined : this.#decodeEntry(offset);
  }

  /** Whether the serial is listed (no entry decoding). */
  has(serialContent: Uint8Array): boolean {
    return this.#index.get(serialContent) >= 0;
  }

  /** Decode every entry (slow path: one object per entry; for tools and tests). */
  *entries(): Generator<RevokedEntry> {
    if (!this.#revokedRange) return;
    const [from, to] = this.#revokedRange;
    for (let pos = from; pos < to; pos = readTlv(this.der, pos, to).end) yield this.#decodeEntry(pos);
  }

  #decodeEntry(offset: number): RevokedEntry {
    try {
      const buf = this.der;
      const entry = readTlv(buf, offset);
      const [serial, date, exts] = children(buf, entry) as [Tlv, Tlv, Tlv | undefined];
      const out: RevokedEntry = {
        serialHex: canonicalSerialHex(value(buf, serial)),
        revocationDate: parseDerTime(buf, date),
        hasCertificateIssuer: false,
        extensions: exts ? readExtensions(buf, exts, 'entry') : [],
      };
      for (const ext of out.extensions) {
        if (ext.oid === OID.cRLReason) {
          const code = ext.value[2]!;
          out.reason = REVOCATION_REASONS[code];
        } else if (ext.oid === OID.invalidityDate) {
          out.invalidityDate = parseDerTime(ext.value, readTlv(ext.value, 0));
        } else if (ext.oid === OID.certificateIssuer) {
          out.hasCertificateIssuer = true;
        }
      }
      return out;
    } catch (cause) {
      throw wrap(cause);
    }
  }
}

/** Parse one CRL (PEM or DER). Throws CertwardenError CW_ERR_CRL_PARSE on malformed input. */
export function parseCrl(input: Uint8Array | string, options: ParseCrlOptions = {}): Crl {
  return Crl.parse(input, options);
}
