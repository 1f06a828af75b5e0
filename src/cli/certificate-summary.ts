/** The certificate fields the CLI prints in JSON (verify's path, pin's output). */
import type { Certificate } from '../x509/certificate.ts';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** The value for a policy's trust.pins. */
  spkiPin: string;
  /** SHA-256 of the DER certificate, hex. */
  sha256: string;
  selfIssued: boolean;
}

export function summarizeCertificate(c: Certificate): CertificateSummary {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serial: c.serialHex,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    spkiPin: `sha256/${c.spkiSha256}`,
    sha256: c.fingerprint256,
    selfIssued: c.isSelfIssued,
  };
}
