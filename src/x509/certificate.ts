/**
 * An X.509 certificate (RFC 5280 §4), parsed once, with lazy cached getters.
 *
 * Construction checks the outer structure (strict DER, no trailing bytes) and
 * decodes the TBSCertificate; extension values are decoded on first use and a
 * malformed one throws a typed CW_ERR_CERTIFICATE_PARSE error from the getter,
 * which the path validator turns into a rejection reason.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import { asParseError, CertwardenError, ErrorCode } from '../errors.ts';
import { children, expectTag, integerHex, readTlv, splitSigned, TAG, value, whole, type Tlv } from '../util/der.ts';
import { decodeDerObjects } from '../util/pem.ts';
import { formatName, nameValues } from './name.ts';
import { OID } from './oids.ts';
import { decodeOid, importSpki, parseSignatureAlgorithm, type SignatureAlgorithm } from './signature.ts';

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** Content of the extnValue OCTET STRING (the DER of the extension's own type). */
  value: Uint8Array;
}

export interface BasicConstraintsInfo {
  ca: boolean;
  pathLength?: number;
}

export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

/** A GeneralName (RFC 5280 §4.2.1.6), reduced to what checks need. */
export type GeneralNameValue =
  | { type: 'dns'; value: string }
  | { type: 'ip'; value: Uint8Array }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'directory'; value: Uint8Array }
  | { type: 'other'; tag: number; value: Uint8Array };

export interface DistributionPointInfo {
  /** fullName URIs. */
  urls: string[];
  /** All fullName entries, for matching against a CRL's issuingDistributionPoint. */
  fullNames: GeneralNameValue[];
  /** Whether the point was given as nameRelativeToCRLIssuer. */
  relativeName: boolean;
  /** That relative name, as the DER of a RelativeDistinguishedName (a SET). */
  relativeNameRdn?: Uint8Array;
  /** ReasonFlags if present (partitioned CRLs): bit n is reason n ({@link decodeReasonFlags}). */
  reasons?: number;
  /** cRLIssuer present: an indirect CRL. */
  crlIssuer?: GeneralNameValue[];
}

function parseError(message: string, cause?: unknown): CertwardenError {
  return new CertwardenError(ErrorCode.CERTIFICATE_PARSE, message, cause === undefined ? {} : { cause });
}

/** Decode GeneralNames from their DER (a SEQUENCE OF GeneralName), keeping raw IPs. */
export function parseGeneralNames(der: Uint8Array, seq: Tlv): GeneralNameValue[] {
  return children(der, seq).map((gn) => parseGeneralName(der, gn));
}

export function parseGeneralName(der: Uint8Array, gn: Tlv): GeneralNameValue {
  const v = value(der, gn);
  const text = (): string => {
    const s = Buffer.from(v).toString('latin1');
    // IA5String: 7-bit only. A name with other octets cannot match anything.
    if (/[^\x00-\x7f]/.test(s)) throw parseError('GeneralName holds non-ASCII octets in an IA5String');
    return s;
  };
  switch (gn.tag) {
    case 0x81:
      return { type: 'email', value: text() };
    case 0x82:
      return { type: 'dns', value: text() };
    case 0x86:
      return { type: 'uri', value: text() };
    case 0x87:
      return { type: 'ip', value: v };
    case 0xa4: {
      const inner = children(der, gn)[0];
      if (!inner) throw parseError('empty directoryName');
      return { type: 'directory', value: whole(der, inner) };
    }
    default:
      return { type: 'other', tag: gn.tag, value: v };
  }
}

function parseTime(der: Uint8Array, tlv: Tlv): Date {
  const s = Buffer.from(value(der, tlv)).toString('latin1');
  // RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ; seconds required, Zulu only.
  if (tlv.tag === TAG.UTC_TIME) {
    const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw parseError(`malformed UTCTime "${s}"`);
    const yy = Number(m[1]);
    // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, otherwise 20YY.
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return checkedDate(year, m, s);
  }
  if (tlv.tag === TAG.GENERALIZED_TIME) {
    const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(s);
    if (!m) throw parseError(`malformed GeneralizedTime "${s}"`);
    return checkedDate(Number(m[1]), m, s);
  }
  throw parseError('validity time is neither UTCTime nor GeneralizedTime');
}

function checkedDate(year: number, m: RegExpExecArray, s: string): Date {
  const [mo, d, h, mi, se] = [2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const date = new Date(Date.UTC(year, mo! - 1, d, h, mi, se));
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d || h! > 23 || mi! > 59 || se! > 59) {
    throw parseError(`invalid calendar time "${s}"`);
  }
  return date;
}

/** Parse a time field (UTCTime or GeneralizedTime TLV). Shared with CRL and OCSP parsing. */
export { parseTime as parseDerTime };

export class Certificate {
  /** The certificate's DER, as received. */
  readonly der: Buffer;
  /** The exact bytes the issuer signed. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithmDer: Uint8Array;
  readonly signatureValue: Uint8Array;
  readonly version: number;
  /** Serial as canonical lowercase hex (leading zero octets removed). */
  readonly serialHex: string;
  /** Raw content octets of the serial INTEGER. */
  readonly serialBytes: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** AlgorithmIdentifier inside TBSCertificate (must equal the outer one, RFC 5280 §4.1.1.2). */
  readonly innerSignatureAlgorithmDer: Uint8Array;
  readonly extensions: readonly RawExtension[];

  #cache = new Map<string, unknown>();

  constructor(der: Uint8Array) {
    this.der = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    try {
      const { tbs, algorithm, signature } = splitSigned(this.der, 'certificate');
      this.tbs = tbs;
      this.signatureAlgorithmDer = algorithm;
      this.signatureValue = signature;
      const tbsTlv = readTlv(tbs, 0);
      const fields = children(tbs, tbsTlv);
      let i = 0;
      let version = 1;
      if (fields[0]?.tag === 0xa0) {
        const vTlv = children(tbs, fields[0])[0];
        if (!vTlv || vTlv.tag !== TAG.INTEGER) throw parseError('malformed version');
        const v = value(tbs, vTlv);
        if (v.length !== 1 || v[0]! > 2) throw parseError(`unsupported certificate version`);
        version = v[0]! + 1;
        i++;
      }
      this.version = version;
      const need = (what: string, tag: number): Tlv => {
        const f = fields[i++];
        if (!f) throw parseError(`certificate is missing its ${what}`);
        expectTag(f, tag, what);
        return f;
      };
      const serial = need('serial number', TAG.INTEGER);
      this.serialBytes = value(tbs, serial);
      if (this.serialBytes.length === 0) throw parseError('empty serial number');
      this.serialHex = integerHex(this.serialBytes);
      this.innerSignatureAlgorithmDer = whole(tbs, need('signature algorithm', TAG.SEQUENCE));
      this.issuerDer = whole(tbs, need('issuer', TAG.SEQUENCE));
      const validity = need('validity', TAG.SEQUENCE);
      const [nb, na] = children(tbs, validity);
      if (!nb || !na) throw parseError('validity must hold notBefore and notAfter');
      this.notBefore = parseTime(tbs, nb);
      this.notAfter = parseTime(tbs, na);
      this.subjectDer = whole(tbs, need('subject', TAG.SEQUENCE));
      this.spkiDer = whole(tbs, need('subjectPublicKeyInfo', TAG.SEQUENCE));
      const extensions: RawExtension[] = [];
      for (; i < fields.length; i++) {
        const f = fields[i]!;
        if (f.tag === 0x81 || f.tag === 0xa1 || f.tag === 0x82 || f.tag === 0xa2) continue; // unique IDs
        if (f.tag !== 0xa3) throw parseError(`unexpected field (tag 0x${f.tag.toString(16)}) in TBSCertificate`);
        if (version !== 3) throw parseError('extensions present in a certificate that is not version 3');
        const list = children(tbs, f)[0];
        if (!list || list.tag !== TAG.SEQUENCE) throw parseError('malformed extensions');
        const seen = new Set<string>();
        for (const ext of children(tbs, list)) {
          const parts = children(tbs, ext);
          const oidTlv = parts[0];
          if (!oidTlv || oidTlv.tag !== TAG.OID) throw parseError('extension without an OID');
          const oid = decodeOid(value(tbs, oidTlv));
          let critical = false;
          let valueTlv = parts[1];
          if (valueTlv?.tag === TAG.BOOLEAN) {
            const b = value(tbs, valueTlv);
            if (b.length !== 1) throw parseError('malformed critical flag');
            // DER: TRUE is 0xff, and DEFAULT FALSE must be omitted.
            if (b[0] !== 0xff) throw parseError(`extension ${oid} has a critical flag that is not DER (only TRUE may be encoded)`);
            critical = true;
            valueTlv = parts[2];
          }
          if (!valueTlv || valueTlv.tag !== TAG.OCTET_STRING) throw parseError(`extension ${oid} has no value`);
          // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
          if (seen.has(oid)) throw parseError(`extension ${oid} appears more than once`);
          seen.add(oid);
          extensions.push({ oid, critical, value: value(tbs, valueTlv) });
        }
        if (extensions.length === 0) throw parseError('extensions field present but empty');
      }
      this.extensions = extensions;
    } catch (cause) {
      throw asParseError(ErrorCode.CERTIFICATE_PARSE, 'malformed certificate', cause);
    }
  }

  /** Parse every certificate in a PEM bundle or a single DER certificate. */
  static parseAll(input: Uint8Array | string): Certificate[] {
    return decodeDerObjects(input, ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'], 'certificate').map((der) => new Certificate(der));
  }

  /** Parse exactly one certificate. */
  static parse(input: Uint8Array | string): Certificate {
    const all = Certificate.parseAll(input);
    if (all.length !== 1) throw new CertwardenError(ErrorCode.PEM, `expected one certificate, found ${all.length}`);
    return all[0]!;
  }

  #memo<T>(key: string, compute: () => T): T {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const v = compute();
    this.#cache.set(key, v);
    return v;
  }

  #extValue<T>(oid: string, type: new () => T, what: string): T | undefined {
    return this.#memo(`ext:${oid}`, () => {
      const ext = this.getExtension(oid);
      if (!ext) return undefined;
      try {
        return AsnConvert.parse(ext.value, type);
      } catch (cause) {
        throw parseError(`malformed ${what} extension: ${(cause as Error).message}`, cause);
      }
    });
  }

  getExtension(oid: string): RawExtension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  get signatureAlgorithm(): SignatureAlgorithm {
    return this.#memo('sigalg', () => parseSignatureAlgorithm(this.signatureAlgorithmDer));
  }

  /** The subject public key, imported once. */
  get publicKey(): KeyObject {
    return this.#memo('pubkey', () => importSpki(this.spkiDer));
  }

  get subject(): string {
    return this.#memo('subject', () => formatName(this.subjectDer));
  }

  get issuer(): string {
    return this.#memo('issuer', () => formatName(this.issuerDer));
  }

  get commonNames(): string[] {
    return nameValues(this.subjectDer, OID.commonName);
  }

  /** SHA-256 of the DER certificate, lowercase hex. */
  get fingerprint256(): string {
    return this.#memo('fp256', () => createHash('sha256').update(this.der).digest('hex'));
  }

  /** SHA-256 of the DER SubjectPublicKeyInfo, base64: the HPKP-style pin value. */
  get spkiSha256(): string {
    return this.#memo('spki256', () => createHash('sha256').update(this.spkiDer).digest('base64'));
  }

  /** The subjectPublicKey BIT STRING content (no unused-bits octet): what OCSP's issuerKeyHash hashes. */
  get publicKeyBits(): Uint8Array {
    return this.#memo('pkbits', () => spkiPublicKeyBits(this.spkiDer));
  }

  get basicConstraints(): BasicConstraintsInfo | undefined {
    const bc = this.#extValue(OID.basicConstraints, asn1.BasicConstraints, 'basicConstraints');
    if (!bc) return undefined;
    return bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLength: bc.pathLenConstraint };
  }

  get isCA(): boolean {
    return this.basicConstraints?.ca === true;
  }

  /** Key usage bits, or undefined when the extension is absent (meaning: no restriction). */
  get keyUsage(): ReadonlySet<KeyUsageName> | undefined {
    return this.#memo('ku', () => {
      const ext = this.getExtension(OID.keyUsage);
      if (!ext) return undefined;
      const tlv = readTlv(ext.value, 0);
      if (tlv.tag !== TAG.BIT_STRING || tlv.end !== ext.value.length) throw parseError('malformed keyUsage extension');
      const content = value(ext.value, tlv);
      if (content.length < 1 || content[0]! > 7) throw parseError('malformed keyUsage bit string');
      const set = new Set<KeyUsageName>();
      KEY_USAGE_BITS.forEach((name, bit) => {
        const byte = content[1 + (bit >> 3)];
        if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) set.add(name);
      });
      // RFC 5280 §4.2.1.3: when the extension appears, at least one bit MUST be set.
      if (set.size === 0) throw parseError('keyUsage extension has no bit set');
      return set;
    });
  }

  /** Extended key usage OIDs, or undefined when absent. */
  get extKeyUsage(): readonly string[] | undefined {
    const eku = this.#extValue(OID.extKeyUsage, asn1.ExtendedKeyUsage, 'extKeyUsage');
    if (eku && eku.length === 0) throw parseError('extKeyUsage extension is empty');
    return eku ? [...eku] : undefined;
  }

  /** subjectAltName entries, or undefined when absent. */
  get subjectAltNames(): readonly GeneralNameValue[] | undefined {
    return this.#memo('san', () => {
      const ext = this.getExtension(OID.subjectAltName);
      if (!ext) return undefined;
      const seq = readTlv(ext.value, 0);
      if (seq.tag !== TAG.SEQUENCE || seq.end !== ext.value.length) throw parseError('malformed subjectAltName extension');
      const names = parseGeneralNames(ext.value, seq);
      // RFC 5280 §4.2.1.6: if present, the extension holds at least one name.
      if (names.length === 0) throw parseError('subjectAltName extension is empty');
      return names;
    });
  }

  get dnsNames(): string[] {
    return (this.subjectAltNames ?? []).flatMap((n) => (n.type === 'dns' ? [n.value] : []));
  }

  get ipAddresses(): Uint8Array[] {
    return (this.subjectAltNames ?? []).flatMap((n) => (n.type === 'ip' ? [n.value] : []));
  }

  get subjectKeyIdentifier(): Uint8Array | undefined {
    return this.#memo('ski', () => {
      const ext = this.getExtension(OID.subjectKeyIdentifier);
      if (!ext) return undefined;
      const t = readTlv(ext.value, 0);
      if (t.tag !== TAG.OCTET_STRING) throw parseError('malformed subjectKeyIdentifier');
      return value(ext.value, t);
    });
  }

  get authorityKeyIdentifier(): Uint8Array | undefined {
    return this.#memo('aki', () => {
      const ext = this.getExtension(OID.authorityKeyIdentifier);
      if (!ext) return undefined;
      const seq = readTlv(ext.value, 0);
      if (seq.tag !== TAG.SEQUENCE) throw parseError('malformed authorityKeyIdentifier');
      const keyId = children(ext.value, seq).find((c) => c.tag === 0x80);
      return keyId ? value(ext.value, keyId) : undefined;
    });
  }

  /** AIA URLs: OCSP responders and caIssuers. */
  get ocspUrls(): string[] {
    return this.#aia(OID.accessOcsp);
  }

  get caIssuersUrls(): string[] {
    return this.#aia(OID.accessCaIssuers);
  }

  #aia(method: string): string[] {
    const aia = this.#extValue(OID.authorityInfoAccess, asn1.AuthorityInfoAccessSyntax, 'authorityInfoAccess');
    if (!aia) return [];
    return [...aia].filter((a) => a.accessMethod === method && a.accessLocation.uniformResourceIdentifier).map((a) => a.accessLocation.uniformResourceIdentifier!);
  }

  get crlDistributionPoints(): DistributionPointInfo[] {
    return this.#memo('crldp', () => {
      const ext = this.getExtension(OID.cRLDistributionPoints);
      if (!ext) return [];
      return parseDistributionPoints(ext.value);
    });
  }

  /** RFC 7633: the TLS Feature extension lists status_request (5): "Must-Staple". */
  get mustStaple(): boolean {
    return this.#memo('muststaple', () => {
      const ext = this.getExtension(OID.tlsFeature);
      if (!ext) return false;
      const seq = readTlv(ext.value, 0);
      if (seq.tag !== TAG.SEQUENCE) throw parseError('malformed TLS Feature extension');
      return children(ext.value, seq).some((c) => {
        const v = value(ext.value, c);
        return c.tag === TAG.INTEGER && integerHex(v) === '05';
      });
    });
  }

  /** RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck on a delegated responder. */
  get ocspNoCheck(): boolean {
    return this.getExtension(OID.ocspNoCheck) !== undefined;
  }

  get nameConstraints(): asn1.NameConstraints | undefined {
    return this.#extValue(OID.nameConstraints, asn1.NameConstraints, 'nameConstraints');
  }

  /** Whether the certificate is self-issued (subject and issuer names match). */
  get isSelfIssued(): boolean {
    return this.#memo('selfissued', () => Buffer.compare(this.subjectDer, this.issuerDer) === 0);
  }

  /** Whether `at` lies within [notBefore, notAfter], allowing `skewMs` either way. */
  isValidAt(at: Date, skewMs = 0): boolean {
    const t = at.getTime();
    return t + skewMs >= this.notBefore.getTime() && t - skewMs <= this.notAfter.getTime();
  }

  equals(other: Certificate): boolean {
    return this.der.equals(other.der);
  }

  toPem(): string {
    const lines = this.der.toString('base64').match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
  }

  /** A short description for messages: subject and serial. */
  describe(): string {
    return `"${this.subject}" (serial ${this.serialHex})`;
  }
}

/** The subjectPublicKey BIT STRING content of a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
export function spkiPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const spki = readTlv(spkiDer, 0);
  const bits = children(spkiDer, spki)[1];
  if (!bits || bits.tag !== TAG.BIT_STRING) throw parseError('malformed subjectPublicKeyInfo');
  return value(spkiDer, bits).subarray(1);
}

/**
 * Decode RFC 5280 ReasonFlags (a BIT STRING's content octets) to a mask where
 * bit n is reason n (bit 0 unused, 1 keyCompromise ... 8 aACompromise).
 * Undefined when malformed (no unused-bits octet, or more than 7 unused bits),
 * for the caller to throw its own typed error.
 */
export function decodeReasonFlags(content: Uint8Array): number | undefined {
  if (content.length < 1 || content[0]! > 7) return undefined;
  let mask = 0;
  for (let bit = 0; bit <= 8; bit++) {
    const byte = content[1 + (bit >> 3)];
    if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) mask |= 1 << bit;
  }
  return mask;
}

/**
 * Parse a CRLDistributionPoints extension value (RFC 5280 §4.2.1.13): the one
 * parser, used for fetching (urls) and for matching a CRL's scope (names,
 * relative names, reasons). Strict: one SEQUENCE with nothing after it, each
 * DistributionPoint a SEQUENCE, well-formed ReasonFlags; anything else throws
 * CW_ERR_CERTIFICATE_PARSE (never a partial list a caller could trust).
 */
export function parseDistributionPoints(der: Uint8Array): DistributionPointInfo[] {
  const seq = readTlv(der, 0);
  if (seq.tag !== TAG.SEQUENCE || seq.end !== der.length) throw parseError('malformed cRLDistributionPoints');
  return children(der, seq).map((dp) => {
    if (dp.tag !== TAG.SEQUENCE) throw parseError('malformed cRLDistributionPoints: a DistributionPoint is not a SEQUENCE');
    const info: DistributionPointInfo = { urls: [], fullNames: [], relativeName: false };
    for (const field of children(der, dp)) {
      if (field.tag === 0xa0) {
        const name = children(der, field)[0];
        if (!name) continue;
        if (name.tag === 0xa0) {
          info.fullNames = children(der, name).map((gn) => parseGeneralName(der, gn));
          info.urls = info.fullNames.flatMap((n) => (n.type === 'uri' ? [n.value] : []));
        } else if (name.tag === 0xa1) {
          info.relativeName = true;
          // [1] IMPLICIT RelativeDistinguishedName: the same content under a SET tag.
          info.relativeNameRdn = Buffer.concat([Buffer.from([TAG.SET]), der.subarray(name.start + 1, name.end)]);
        }
      } else if (field.tag === 0x81) {
        const mask = decodeReasonFlags(value(der, field));
        if (mask === undefined) throw parseError('malformed cRLDistributionPoints: bad ReasonFlags');
        info.reasons = mask;
      } else if (field.tag === 0xa2) {
        info.crlIssuer = children(der, field).map((gn) => parseGeneralName(der, gn));
      }
    }
    return info;
  });
}
