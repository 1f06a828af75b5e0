/**
 * OCSP requests (RFC 6960 §4.1, RFC 5019 §2.1) and their HTTP encodings
 * (RFC 6960 Appendix A.1, RFC 5019 §5).
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * Requests are unsigned (RFC 5019 §2.1: clients SHOULD NOT sign them).
 */
import { randomBytes } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import * as w from '../util/der-write.ts';
import type { Certificate } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { computeCertId, encodeCertId, type CertId, type CertIdHash, type SerialInput } from './cert-id.ts';

/** RFC 8954 §2.1: nonces are 1 to 32 octets; 16 is what OpenSSL sends by default. */
export const DEFAULT_NONCE_LENGTH = 16;

/** RFC 5019 §5: use GET when the base64- and URL-encoded request is at most 255 bytes. */
export const MAX_GET_REQUEST_LENGTH = 255;

export interface OcspRequestOptions {
  issuer: Certificate;
  /** The certificate to ask about (or, with `serial`, its serial alone). */
  certificate?: Certificate;
  serial?: SerialInput;
  /** CertID hash; SHA-1 by default (RFC 5019 §2.1.1). */
  hashAlgorithm?: CertIdHash;
  /** `true` for a fresh random nonce, bytes to use a given one; default none. */
  nonce?: boolean | Uint8Array;
}

export interface OcspRequest {
  der: Buffer;
  certId: CertId;
  /** The raw nonce, when one was included. */
  nonce?: Buffer;
}

/** The extnValue of an id-pkix-ocsp-nonce extension: an OCTET STRING holding the nonce (RFC 8954 §2.1). */
export function nonceExtensionValue(nonce: Uint8Array): Buffer {
  return w.octetString(nonce);
}

function extension(oidStr: string, critical: boolean, value: Uint8Array): Buffer {
  return w.sequence(w.oid(oidStr), critical ? w.boolean(true) : undefined, w.octetString(value));
}

/** Build a DER OCSPRequest for one certificate. */
export function buildOcspRequest(options: OcspRequestOptions): OcspRequest {
  const subject = options.certificate ?? options.serial;
  if (subject === undefined) throw new CertwardenError(ErrorCode.USAGE, 'an OCSP request needs a certificate or a serial');
  const certId = computeCertId(options.issuer, subject, options.hashAlgorithm ?? 'sha1');
  let nonce: Buffer | undefined;
  if (options.nonce === true) nonce = randomBytes(DEFAULT_NONCE_LENGTH);
  else if (options.nonce instanceof Uint8Array) {
    if (options.nonce.length < 1 || options.nonce.length > 32) throw new CertwardenError(ErrorCode.USAGE, 'an OCSP nonce must be 1 to 32 octets (RFC 8954 §2.1)');
    nonce = Buffer.from(options.nonce);
  }
  const requestExtensions = nonce ? w.explicit(2, w.sequence(extension(OID.ocspNonce, false, nonceExtensionValue(nonce)))) : undefined;
  const tbsRequest = w.sequence(w.sequence(w.sequence(encodeCertId(certId))), requestExtensions);
  const der = w.sequence(tbsRequest);
  return nonce ? { der, certId, nonce } : { der, certId };
}

/**
 * The GET URL for a request (RFC 6960 Appendix A.1: "{url}/{url-encoding of
 * base-64 encoding of the DER encoding of the OCSPRequest}"), or undefined
 * when the encoded request is longer than RFC 5019 §5 allows for GET.
 */
export function ocspGetUrl(responderUrl: string, requestDer: Uint8Array): string | undefined {
  const encoded = encodeURIComponent(Buffer.from(requestDer).toString('base64'));
  if (encoded.length > MAX_GET_REQUEST_LENGTH) return undefined;
  return `${responderUrl.endsWith('/') ? responderUrl : `${responderUrl}/`}${encoded}`;
}
