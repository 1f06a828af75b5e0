/**
 * Whether the organisation's CA issued a certificate: its record in the CA
 * store, matched by serial AND by the exact DER (a certificate that merely
 * reuses a serial of ours is not ours).
 */
import type { CertificateAuthority } from '../ca/ca.ts';
import type { IssuedRecord } from '../ca/store.ts';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { escapeControl } from '../util/terminal.ts';
import type { Certificate } from '../x509/certificate.ts';

/** The CA's record of `certificate`; CW_ERR_INCIDENT_NOT_ISSUED when this CA did not issue exactly these bytes. */
export async function findIssued(ca: CertificateAuthority, certificate: Certificate): Promise<IssuedRecord> {
  const rec = await ca.get(certificate.serialHex);
  if (!rec || !rec.der.equals(certificate.der)) {
    throw new CertwardenError(
      ErrorCode.INCIDENT_NOT_ISSUED,
      `${escapeControl(certificate.subject)} (serial ${certificate.serialHex}, issuer ${escapeControl(certificate.issuer)}) was not issued by the CA in ${ca.dir}${rec ? ' (that serial belongs to another certificate)' : ''}: give the CA home that issued it, or treat it as an unexpected certificate (certwarden incident unexpected-certificate)`,
      { details: { serial: certificate.serialHex, sha256: certificate.fingerprint256 } },
    );
  }
  return rec;
}
