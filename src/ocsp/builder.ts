/**
 * OCSP response builder (RFC 6960 §4.2.1, RFC 5019 §2.2 profile).
 *
 * Used by the internal CA's responder and the tests. It writes correct
 * responses only; the test hooks that produce precisely broken ones live
 * behind an internal path (internal/response-encoder.ts), outside the
 * package's exports.
 */
import type { KeyObject } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { RevocationReasonName } from '../core/revocation-vocabulary.ts';
import * as w from '../util/der-write.ts';
import type { ExtensionSpec } from '../x509/builder.ts';
import type { Certificate } from '../x509/certificate.ts';
import type { HashName } from '../x509/signature.ts';
import type { CertIdHash, SerialInput } from './cert-id.ts';
import { RESPONSE_STATUS_CODES, type OcspErrorStatus } from './reasons.ts';
import { encodeOcspResponse, encodeSignedOcspResponse } from './internal/response-encoder.ts';
import type { Signer } from '../x509/signer.ts';

export { DEFAULT_RESPONSE_VALIDITY_MS } from './internal/response-encoder.ts';

export interface OcspSingleSpec {
  /** The certificate the answer is about (its serial is written verbatim). */
  certificate?: Certificate;
  /** Or just a serial. */
  serial?: SerialInput;
  status: 'good' | 'revoked' | 'unknown';
  revocationTime?: Date;
  reason?: RevocationReasonName;
  /** Default: producedAt. */
  thisUpdate?: Date;
  /** Default: thisUpdate + 1 day; `null` omits nextUpdate. */
  nextUpdate?: Date | null;
  extensions?: ExtensionSpec[];
  /** Issuer for the CertID (default: the response's issuer). */
  issuer?: Certificate;
  /** CertID hash (default: the response's hashAlgorithm). */
  hashAlgorithm?: CertIdHash;
}

export interface BuildOcspResponseOptions {
  /** The CA that issued the certificates answered for (CertID issuer). */
  issuer: Certificate;
  /** Who signs: the issuer itself or a delegated responder. */
  signer: { certificate: Certificate; privateKey: KeyObject };
  /** Put the signer's certificate in `certs`; default: when the signer is not the issuer. */
  includeSignerCert?: boolean;
  /** Further certificates to carry in `certs`. */
  certificates?: Certificate[];
  responses: OcspSingleSpec[];
  /** Default: now (whole seconds). */
  producedAt?: Date;
  /** ResponderID byKey instead of byName (RFC 5019 §2.2.3 prefers byKey). */
  responderIdByKey?: boolean;
  /** Echo this nonce (raw octets). */
  nonce?: Uint8Array;
  /** Further responseExtensions. */
  extensions?: ExtensionSpec[];
  /** CertID hash, default SHA-1. */
  hashAlgorithm?: CertIdHash;
  /** Signature hash, default the key's natural hash. */
  signatureHash?: HashName;
}

/** Build a DER OCSPResponse with responseStatus successful. */
export function buildOcspResponse(o: BuildOcspResponseOptions): Buffer {
  // Test hooks are not part of this API: refuse them loudly rather than build a correct response a test believes broken.
  if ('tamper' in o || o.responses.some((r) => 'issuerNameHash' in r || 'issuerKeyHash' in r)) throw new CertwardenError(ErrorCode.USAGE, 'buildOcspResponse takes no test hooks (tamper, issuerNameHash, issuerKeyHash); tests use buildTamperedOcspResponse (ocsp/internal/response-encoder.ts)');
  return encodeOcspResponse(o, {});
}

/** Options of {@link signOcspResponse}: the signer is named by its certificate; its key is a {@link Signer}. */
export type SignerOcspResponseOptions = Omit<BuildOcspResponseOptions, 'signer'> & { signer: { certificate: Certificate } };

/** Build a DER OCSPResponse (successful) and sign it through `signer` (an OCSP signing key wherever it lives). */
export function signOcspResponse(o: SignerOcspResponseOptions, signer: Signer): Promise<Buffer> {
  return encodeSignedOcspResponse(o, signer);
}

/** A non-successful OCSPResponse (RFC 6960 §4.2.1): status only, no responseBytes. */
export function buildErrorResponse(status: OcspErrorStatus | number): Buffer {
  const code = typeof status === 'number' ? status : RESPONSE_STATUS_CODES[status];
  if (code === undefined) throw new CertwardenError(ErrorCode.USAGE, `unknown OCSP response status ${String(status)}`);
  return w.sequence(w.enumerated(code));
}
