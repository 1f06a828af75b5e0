/**
 * `trust.self-signed`: specific self-signed certificates trusted as their own
 * anchors, beside `trust.cas` (ASVS V9.2.1: "specific internal CAs and
 * specific self-signed certificates"). Unlike `trust.pins`, which restrict
 * every chain, these add trust.
 *
 * Entries: a PEM/DER file or an inline PEM (each certificate must be
 * self-signed: checked at load), `sha256/<base64>` (an SPKI pin: a self-signed
 * leaf with that key) or `sha256-cert/<hex>` (exactly that certificate).
 */
import type { Certificate } from '../x509/certificate.ts';
import { verifySignature } from '../x509/signature.ts';
import type { SelfSignedEntry, SourceLocation } from './types.ts';
import { parsePinValue, type Parsed } from './values.ts';

/** Self-issued and signed by its own key (RFC 5280 §3.2 "self-signed"). */
export function isSelfSigned(cert: Certificate): boolean {
  try {
    return cert.isSelfIssued && verifySignature(cert.signatureAlgorithm, cert.tbs, cert.signatureValue, cert.publicKey);
  } catch {
    return false;
  }
}

const CERT_PIN = /^sha256-cert\/([0-9A-Fa-f:]+)$/;

/** A pin-form entry (`sha256/…`, `sha256-cert/…`), or undefined when the entry is a file or inline PEM. */
export function parseSelfSignedPin(text: string, location: SourceLocation): Parsed<SelfSignedEntry> | undefined {
  if (text.startsWith('sha256/')) {
    const p = parsePinValue(text);
    return p.ok ? { ok: true, value: { kind: 'spki', source: text, certificates: [], sha256: p.value, location } } : p;
  }
  if (text.startsWith('sha256-cert/')) {
    const hex = CERT_PIN.exec(text)?.[1]?.replace(/:/g, '');
    if (!hex || !/^[0-9A-Fa-f]{64}$/.test(hex)) {
      return { ok: false, problem: `must be "sha256-cert/" followed by the 64 hex digits of the certificate's SHA-256 (got ${JSON.stringify(text)})` };
    }
    return { ok: true, value: { kind: 'certificate', source: text, certificates: [], sha256: hex.toLowerCase(), location } };
  }
  return undefined;
}

/** The certificates of a file/inline entry that are not self-signed (a load error: put CAs in trust.cas). */
export function notSelfSigned(certificates: readonly Certificate[]): Certificate[] {
  return certificates.filter((c) => !isSelfSigned(c));
}

/** The entry that makes `leaf` trusted as its own anchor, if any. The leaf must itself be self-signed. */
export function selfSignedMatch(leaf: Certificate, entries: readonly SelfSignedEntry[]): SelfSignedEntry | undefined {
  if (entries.length === 0) return undefined;
  const entry = entries.find((e) =>
    e.kind === 'spki' ? e.sha256 === leaf.spkiSha256 : e.kind === 'certificate' ? e.sha256 === leaf.fingerprint256.toLowerCase() : e.certificates.some((c) => c.fingerprint256 === leaf.fingerprint256),
  );
  return entry && isSelfSigned(leaf) ? entry : undefined;
}
