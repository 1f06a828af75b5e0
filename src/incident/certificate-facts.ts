/**
 * What an incident record keeps of a certificate: fingerprints, the SPKI pin,
 * names, issuer, validity, and the Certificate Transparency fields when the
 * certificate carries them (RFC 6962 §3.3: the embedded SCT list extension).
 * Every text field is the certificate's own, hence untrusted: renderers print
 * it through escapeControl.
 */
import { createHash } from 'node:crypto';
import type { Certificate } from '../x509/certificate.ts';

/** RFC 6962 §3.3: id-ce-embeddedSCTList (a TLS-encoded SignedCertificateTimestampList in an OCTET STRING). */
export const OID_EMBEDDED_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
/** RFC 6962 §3.1: the precertificate poison; a certificate carrying it must never be served. */
export const OID_PRECERT_POISON = '1.3.6.1.4.1.11129.2.4.3';
/** SCTs read from one certificate: real ones carry 2 to 5; more is a hostile or broken list, and the rest is not read. */
export const MAX_SCTS = 32;

export interface SctFacts {
  version: number;
  /** RFC 6962 §3.2: SHA-256 of the log's public key, base64. */
  logId: string;
  /** When the log promised to include the certificate. */
  timestamp: string;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  sha256: string;
  sha1: string;
  /** `sha256/<base64>`: what a policy's `trust.pins` takes. */
  spkiPin: string;
  isCA: boolean;
  ocspUrls: string[];
  crlUrls: string[];
  /** Certificate Transparency: the embedded SCTs, or why none could be read. */
  ct: { embeddedScts: SctFacts[]; problem?: string; precertificatePoison: boolean };
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Parse the TLS-encoded SCT list inside the extension's OCTET STRING. */
export function parseSctList(extnValue: Uint8Array): { scts: SctFacts[]; problem?: string } {
  // The extension value is an OCTET STRING (DER) wrapping the TLS structure.
  let inner = extnValue;
  if (inner[0] === 0x04) {
    let len = inner[1] ?? 0;
    let off = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 3) return { scts: [], problem: 'malformed SCT list (length)' };
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | (inner[2 + i] ?? 0);
      off = 2 + n;
    }
    if (off + len > inner.length) return { scts: [], problem: 'malformed SCT list (truncated)' };
    inner = inner.subarray(off, off + len);
  }
  if (inner.length < 2) return { scts: [], problem: 'malformed SCT list (empty)' };
  const total = u16(inner, 0);
  if (total + 2 > inner.length) return { scts: [], problem: 'malformed SCT list (truncated)' };
  const scts: SctFacts[] = [];
  let at = 2;
  while (at < 2 + total) {
    if (scts.length >= MAX_SCTS) return { scts, problem: `more than ${MAX_SCTS} SCTs; the rest was not read` };
    if (at + 2 > inner.length) return { scts, problem: 'malformed SCT (truncated)' };
    const len = u16(inner, at);
    const sct = inner.subarray(at + 2, at + 2 + len);
    if (sct.length !== len || len < 1 + 32 + 8) return { scts, problem: 'malformed SCT (too short)' };
    const ms = Number(Buffer.from(sct.subarray(33, 41)).readBigUInt64BE());
    scts.push({ version: sct[0]!, logId: Buffer.from(sct.subarray(1, 33)).toString('base64'), timestamp: Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString() : `invalid (${ms})` });
    at += 2 + len;
  }
  return { scts };
}

export function certificateFacts(c: Certificate): CertificateFacts {
  const sctExt = c.extensions.find((e) => e.oid === OID_EMBEDDED_SCT_LIST);
  const sct = sctExt ? parseSctList(sctExt.value) : { scts: [] };
  return {
    subject: c.subject,
    issuer: c.issuer,
    serial: c.serialHex,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    dnsNames: c.dnsNames,
    sha256: c.fingerprint256,
    sha1: createHash('sha1').update(c.der).digest('hex'),
    spkiPin: `sha256/${c.spkiSha256}`,
    isCA: c.isCA,
    ocspUrls: c.ocspUrls,
    crlUrls: c.crlDistributionPoints.flatMap((d) => d.urls ?? []),
    ct: { embeddedScts: sct.scts, ...(sct.problem ? { problem: sct.problem } : {}), precertificatePoison: c.extensions.some((e) => e.oid === OID_PRECERT_POISON) },
  };
}
