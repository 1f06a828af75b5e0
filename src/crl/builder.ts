/**
 * CRL generation (RFC 5280 §5), for tests today and the internal CA later.
 *
 * The revokedCertificates list is written straight into one growing Buffer
 * (no object per entry, extensions included), so a 1,000,000-entry CRL takes
 * well under a second to encode. The
 * options can also produce deliberately broken CRLs for the adversarial
 * tests: a wrong version, a mismatched inner algorithm, a corrupted signature,
 * unknown critical extensions, verbatim serial octets.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { TAG } from '../util/der.ts';
import * as w from '../util/der-write.ts';
import { encodeGeneralName, encodeName, type ExtensionSpec } from '../x509/builder.ts';
import { spkiPublicKeyBits, type Certificate } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { defaultHash, signatureAlgorithmFor, signData, spkiOf } from '../x509/sign.ts';
import type { Signer } from '../x509/signer.ts';
import type { HashName } from '../x509/signature.ts';
import { REVOCATION_REASONS, type RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { REASON_FLAG_BITS } from './parse.ts';

export interface CrlEntrySpec {
  /** bigint/number, unsigned big-endian octets, or a hex string. */
  serial: bigint | number | Uint8Array | string;
  revocationDate: Date;
  reason?: RevocationReasonName;
  invalidityDate?: Date;
  /** Write the serial octets verbatim (e.g. with redundant leading zero octets, or negative). */
  rawSerial?: boolean;
  /** certificateIssuer entry extension ("DNS:..", "dirName:CN=.."): makes the CRL indirect. */
  certificateIssuer?: string[];
  /** Extra entry extensions, written after the standard ones. */
  extensions?: ExtensionSpec[];
}

export type ReasonFlagName = Exclude<keyof typeof REASON_FLAG_BITS, 'unused'>;

export interface IdpSpec {
  /** distributionPoint fullName ("URI:http://..", "dirName:CN=.."). */
  fullNames?: string[];
  /** distributionPoint nameRelativeToCRLIssuer, as one RDN ("CN=part"). */
  relativeName?: string;
  onlyContainsUserCerts?: boolean;
  onlyContainsCACerts?: boolean;
  onlySomeReasons?: ReasonFlagName[];
  indirectCrl?: boolean;
  onlyContainsAttributeCerts?: boolean;
  /** Default true (RFC 5280 §5.2.5: the extension is critical). */
  critical?: boolean;
}

export interface BuildCrlOptions {
  /** Who signs: the issuer certificate (its subject becomes the CRL issuer) and its key. */
  issuer: { certificate?: Certificate; name?: string | Uint8Array; privateKey: KeyObject };
  entries?: Iterable<CrlEntrySpec>;
  thisUpdate: Date;
  /** null or undefined: omitted. */
  nextUpdate?: Date | null;
  /** Default 1; null to omit. */
  crlNumber?: bigint | number | null;
  idp?: IdpSpec;
  deltaCrlIndicator?: bigint | number;
  freshestCrl?: string[];
  /** Write authorityKeyIdentifier (default true). */
  authorityKeyIdentifier?: boolean;
  /** Extra CRL extensions, written after the standard ones. */
  extraExtensions?: ExtensionSpec[];
  hash?: HashName;
  /** Version field: v2 is always written by default; 'omit' leaves it out (a v1 CRL, broken if extensions are present). */
  version?: 2 | 'omit';
  /** Override the AlgorithmIdentifier inside tbsCertList (mismatch tests). */
  innerAlgorithm?: Uint8Array;
  /** Flip a bit of the signature. */
  corruptSignature?: boolean;
}

function extension(oidStr: string, critical: boolean, value: Uint8Array): Buffer {
  return w.sequence(w.oid(oidStr), critical ? w.boolean(true) : undefined, w.octetString(value));
}

function keyId(key: KeyObject): Buffer {
  return createHash('sha256').update(spkiPublicKeyBits(spkiOf(key))).digest().subarray(0, 20);
}

function serialOctets(serial: CrlEntrySpec['serial'], raw: boolean): Buffer {
  let bytes: Buffer;
  if (typeof serial === 'bigint' || typeof serial === 'number') {
    const n = BigInt(serial);
    if (n < 0n) throw new CertwardenError(ErrorCode.USAGE, 'negative serials need rawSerial octets');
    const hex = n.toString(16);
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else if (typeof serial === 'string') {
    const hex = serial.replace(/[:\s]/g, '');
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else {
    bytes = Buffer.from(serial);
  }
  if (raw) return bytes;
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) return Buffer.from([0]);
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function headerLength(len: number): number {
  return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : len < 0x1000000 ? 5 : 6;
}

function writeHeader(buf: Buffer, pos: number, tag: number, len: number): number {
  buf[pos++] = tag;
  if (len < 0x80) {
    buf[pos++] = len;
    return pos;
  }
  const n = headerLength(len) - 2;
  buf[pos++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) buf[pos++] = Math.floor(len / 256 ** i) & 0xff;
  return pos;
}

/** Years written in the fixed-width fast path (4-digit GeneralizedTime). */
const FAST_MIN_YEAR = 0;
const FAST_MAX_YEAR = 9999;
/** RFC 5280 §4.1.2.5: UTCTime for 1950-2049, GeneralizedTime otherwise (as `w.time`). */
const isUtcYear = (y: number): boolean => y >= 1950 && y < 2050;
/** The invalidityDate extension up to its 15 GeneralizedTime digits (RFC 5280 §5.3.2), which are always 15 octets for years 0-9999. */
const INVALIDITY_PREFIX = (() => {
  const sample = extension(OID.invalidityDate, false, w.generalizedTime(new Date(Date.UTC(2000, 0, 1))));
  return sample.subarray(0, sample.length - 15);
})();
/** The reasonCode extension (RFC 5280 §5.3.1) for each reason: constant bytes, built once. */
const REASON_EXTENSIONS = new Map<RevocationReasonName, Buffer>();
function reasonExtension(reason: RevocationReasonName): Buffer {
  let ext = REASON_EXTENSIONS.get(reason);
  if (!ext) {
    const code = REVOCATION_REASONS.indexOf(reason);
    if (code < 0) throw new CertwardenError(ErrorCode.USAGE, `unknown revocation reason "${reason}"`);
    REASON_EXTENSIONS.set(reason, (ext = extension(OID.cRLReason, false, w.enumerated(code))));
  }
  return ext;
}

function put2(buf: Buffer, pos: number, n: number): void {
  buf[pos] = 0x30 + ((n / 10) | 0);
  buf[pos + 1] = 0x30 + (n % 10);
}

/** The digits of a UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) at `pos`; returns the new position. */
function putTimeDigits(buf: Buffer, pos: number, d: Date, fourDigitYear: boolean): number {
  const y = d.getUTCFullYear();
  if (fourDigitYear) {
    put2(buf, pos, (y / 100) | 0);
    pos += 2;
  }
  put2(buf, pos, y % 100);
  put2(buf, pos + 2, d.getUTCMonth() + 1);
  put2(buf, pos + 4, d.getUTCDate());
  put2(buf, pos + 6, d.getUTCHours());
  put2(buf, pos + 8, d.getUTCMinutes());
  put2(buf, pos + 10, d.getUTCSeconds());
  buf[pos + 12] = 0x5a; // 'Z'
  return pos + 13;
}

const inFastRange = (d: Date): boolean => {
  const y = d.getUTCFullYear();
  return y >= FAST_MIN_YEAR && y <= FAST_MAX_YEAR;
};

/** The crlEntryExtensions of an entry with certificateIssuer or extra extensions (the general, slower path). */
function entryExtensions(e: CrlEntrySpec): Buffer | undefined {
  if (e.reason === undefined && !e.invalidityDate && !e.certificateIssuer && !e.extensions) return undefined;
  const list: Buffer[] = [];
  if (e.reason !== undefined) list.push(reasonExtension(e.reason));
  if (e.invalidityDate) list.push(extension(OID.invalidityDate, false, w.generalizedTime(e.invalidityDate)));
  if (e.certificateIssuer) list.push(extension(OID.certificateIssuer, true, w.sequence(...e.certificateIssuer.map((n) => encodeGeneralName(n)))));
  for (const x of e.extensions ?? []) list.push(extension(x.oid, x.critical ?? false, x.value));
  return w.sequence(...list);
}

/**
 * The DER of revokedCertificates (the SEQUENCE OF, header included), written
 * in one pass into one growing buffer. Entries with only a reason and/or an
 * invalidity date (what a CA writes) are encoded without any per-entry
 * allocation besides the serial; others go through the general encoder. Both
 * give the same bytes as `w.sequence(w.integer, w.time, w.sequence(...))`.
 */
export function encodeRevokedCertificates(entries: Iterable<CrlEntrySpec>): Buffer {
  let buf = Buffer.allocUnsafe(1 << 16);
  let pos = 0;
  for (const e of entries) {
    const serial = serialOctets(e.serial, e.rawSerial === true);
    const fast = !e.certificateIssuer && !e.extensions && inFastRange(e.revocationDate) && (!e.invalidityDate || inFastRange(e.invalidityDate));
    let date: Buffer | undefined;
    let exts: Buffer | undefined;
    let reasonExt: Buffer | undefined;
    let extsBody = 0;
    let dateLen: number;
    if (fast) {
      dateLen = isUtcYear(e.revocationDate.getUTCFullYear()) ? 15 : 17;
      reasonExt = e.reason !== undefined ? reasonExtension(e.reason) : undefined;
      extsBody = (reasonExt?.length ?? 0) + (e.invalidityDate ? INVALIDITY_PREFIX.length + 15 : 0);
    } else {
      date = w.time(e.revocationDate);
      dateLen = date.length;
      exts = entryExtensions(e);
    }
    const extsLen = exts ? exts.length : extsBody > 0 ? headerLength(extsBody) + extsBody : 0;
    const bodyLen = headerLength(serial.length) + serial.length + dateLen + extsLen;
    const total = headerLength(bodyLen) + bodyLen;
    if (pos + total > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + total));
      buf.copy(bigger, 0, 0, pos);
      buf = bigger;
    }
    pos = writeHeader(buf, pos, TAG.SEQUENCE, bodyLen);
    pos = writeHeader(buf, pos, TAG.INTEGER, serial.length);
    pos += serial.copy(buf, pos);
    if (date) pos += date.copy(buf, pos);
    else {
      const utc = isUtcYear(e.revocationDate.getUTCFullYear());
      pos = writeHeader(buf, pos, utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME, utc ? 13 : 15);
      pos = putTimeDigits(buf, pos, e.revocationDate, !utc);
    }
    if (exts) pos += exts.copy(buf, pos);
    else if (extsBody > 0) {
      pos = writeHeader(buf, pos, TAG.SEQUENCE, extsBody);
      if (reasonExt) pos += reasonExt.copy(buf, pos);
      if (e.invalidityDate) {
        pos += INVALIDITY_PREFIX.copy(buf, pos);
        pos = putTimeDigits(buf, pos, e.invalidityDate, true);
      }
    }
  }
  const out = Buffer.allocUnsafe(headerLength(pos) + pos);
  const start = writeHeader(out, 0, TAG.SEQUENCE, pos);
  buf.copy(out, start, 0, pos);
  return out;
}

function encodeReasonFlags(names: ReasonFlagName[]): Buffer {
  return w.namedBits(names.map((n) => REASON_FLAG_BITS[n]));
}

/** The DER of an IssuingDistributionPoint value. */
export function encodeIssuingDistributionPoint(idp: IdpSpec): Buffer {
  let dp: Buffer | undefined;
  if (idp.fullNames) dp = w.explicit(0, w.implicit(0, Buffer.concat(idp.fullNames.map((n) => encodeGeneralName(n))), true));
  else if (idp.relativeName !== undefined) {
    // nameRelativeToCRLIssuer [1] RelativeDistinguishedName (implicit SET).
    const name = encodeName(idp.relativeName);
    const set = name.subarray(name[1]! & 0x80 ? 2 + (name[1]! & 0x7f) : 2);
    dp = w.explicit(0, w.implicit(1, set.subarray(set[1]! & 0x80 ? 2 + (set[1]! & 0x7f) : 2), true));
  }
  const flag = (n: number, v?: boolean): Buffer | undefined => (v ? w.implicit(n, Buffer.from([0xff])) : undefined);
  return w.sequence(
    dp,
    flag(1, idp.onlyContainsUserCerts),
    flag(2, idp.onlyContainsCACerts),
    idp.onlySomeReasons ? Buffer.concat([Buffer.from([0x83]), encodeReasonFlags(idp.onlySomeReasons).subarray(1)]) : undefined,
    flag(4, idp.indirectCrl),
    flag(5, idp.onlyContainsAttributeCerts),
  );
}

/** Build and sign a CRL with an in-process key; returns its DER. */
export function buildCrl(o: BuildCrlOptions): Buffer {
  const { tbs, alg } = crlTbs(o, o.issuer.privateKey);
  const signature = signData(o.issuer.privateKey, tbs, o.hash);
  if (o.corruptSignature) signature[signature.length >> 1]! ^= 0x01;
  return w.sequence(tbs, alg, w.bitString(signature));
}

/** CRL options for signing through a {@link Signer}: the issuer is named by its certificate (or a name), the key is the signer's. */
export type SignerCrlOptions = Omit<BuildCrlOptions, 'issuer' | 'corruptSignature'> & { issuer: { certificate?: Certificate; name?: string | Uint8Array } };

/** Build a CRL and sign it through `signer` (a CA key wherever it lives); returns its DER. */
export async function signCrl(o: SignerCrlOptions, signer: Signer): Promise<Buffer> {
  const { tbs, alg } = crlTbs(o, signer.publicKey);
  const signature = await signer.sign(tbs, o.hash ?? defaultHash(signer.publicKey));
  return w.sequence(tbs, alg, w.bitString(Buffer.from(signature)));
}

/** The DER TBSCertList and its AlgorithmIdentifier, for a signature by `signingKey` (private or public half). */
function crlTbs(o: SignerCrlOptions, signingKey: KeyObject): { tbs: Buffer; alg: Buffer } {
  const issuerName = o.issuer.certificate ? Buffer.from(o.issuer.certificate.subjectDer) : o.issuer.name !== undefined ? encodeName(o.issuer.name) : undefined;
  if (!issuerName) throw new CertwardenError(ErrorCode.USAGE, 'buildCrl needs issuer.certificate or issuer.name');
  const alg = signatureAlgorithmFor(signingKey, o.hash);

  const exts: Buffer[] = [];
  if (o.authorityKeyIdentifier !== false) {
    const kid = o.issuer.certificate?.subjectKeyIdentifier ?? (o.issuer.certificate ? keyId(o.issuer.certificate.publicKey) : undefined);
    if (kid) exts.push(extension(OID.authorityKeyIdentifier, false, w.sequence(w.implicit(0, kid))));
  }
  if (o.crlNumber !== null) exts.push(extension(OID.cRLNumber, false, w.integer(BigInt(o.crlNumber ?? 1))));
  if (o.idp) exts.push(extension(OID.issuingDistributionPoint, o.idp.critical ?? true, encodeIssuingDistributionPoint(o.idp)));
  if (o.deltaCrlIndicator !== undefined) exts.push(extension(OID.deltaCRLIndicator, true, w.integer(BigInt(o.deltaCrlIndicator))));
  if (o.freshestCrl) {
    const fullNames = w.implicit(0, Buffer.concat(o.freshestCrl.map((u) => w.implicit(6, Buffer.from(u, 'latin1')))), true);
    exts.push(extension(OID.freshestCRL, false, w.sequence(w.sequence(w.explicit(0, fullNames)))));
  }
  for (const x of o.extraExtensions ?? []) exts.push(extension(x.oid, x.critical ?? false, x.value));

  const entries = encodeRevokedCertificates(o.entries ?? []);
  const hasEntries = entries.length > 2;
  const version = o.version === 'omit' ? undefined : w.integer(1);
  const tbs = w.sequence(
    version,
    o.innerAlgorithm ? Buffer.from(o.innerAlgorithm) : alg,
    issuerName,
    w.time(o.thisUpdate),
    o.nextUpdate ? w.time(o.nextUpdate) : undefined,
    // RFC 5280 §5.1.2.6: absent when there are no revoked certificates.
    hasEntries ? entries : undefined,
    exts.length > 0 ? w.explicit(0, w.sequence(...exts)) : undefined,
  );
  return { tbs, alg };
}
