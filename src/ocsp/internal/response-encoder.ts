/**
 * The OCSP response encoder, with test hooks. Internal: not re-exported by
 * src/index.ts nor reachable through the package's exports map. Production
 * code calls buildOcspResponse (builder.ts), which passes no hooks; tests use
 * buildTamperedOcspResponse to produce precisely broken responses (wrong
 * responder ID, flipped signature bit, substituted algorithm, other
 * responseType, trailing bytes...) for the adversarial suite.
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { REVOCATION_REASONS } from '../../core/revocation-vocabulary.ts';
import * as w from '../../util/der-write.ts';
import type { ExtensionSpec } from '../../x509/builder.ts';
import type { Certificate } from '../../x509/certificate.ts';
import { OID } from '../../x509/oids.ts';
import { defaultHash, signatureAlgorithmFor, signData } from '../../x509/sign.ts';
import type { Signer } from '../../x509/signer.ts';
import type { BuildOcspResponseOptions, OcspSingleSpec } from '../builder.ts';
import { computeCertId, encodeCertId } from '../cert-id.ts';
import { RESPONSE_STATUS_CODES } from '../reasons.ts';
import { nonceExtensionValue } from '../request.ts';

/** RFC 5019 §2.2.4 style default: a response is valid for one day after thisUpdate. */
export const DEFAULT_RESPONSE_VALIDITY_MS = 86_400_000;

export interface OcspTamper {
  /** Raw DER of the ResponderID choice (tag [1] or [2] included). */
  responderId?: Uint8Array;
  /** Write an explicit version field with this INTEGER value (0 is v1). */
  version?: number;
  /** Edit tbsResponseData before signing (the signature covers the edit). */
  beforeSign?: (tbs: Buffer) => Buffer;
  /** Edit tbsResponseData after signing (the signature no longer matches). */
  afterSign?: (tbs: Buffer) => Buffer;
  /** Sign with another key than the signer's (the certificate still names the signer). */
  signWith?: KeyObject;
  /** Edit the signature octets. */
  signature?: (sig: Buffer) => Buffer;
  /** Replace the outer signatureAlgorithm DER (the signature is made as usual). */
  signatureAlgorithm?: Uint8Array;
  /** responseType OID (default id-pkix-ocsp-basic). */
  responseType?: string;
  /** Edit the DER BasicOCSPResponse. */
  basic?: (der: Buffer) => Buffer;
  /** Edit the final DER OCSPResponse. */
  response?: (der: Buffer) => Buffer;
}

/** A SingleResponse whose CertID fields may be overridden. */
export interface TamperedOcspSingleSpec extends OcspSingleSpec {
  issuerNameHash?: Uint8Array;
  issuerKeyHash?: Uint8Array;
}

export interface TamperedOcspResponseOptions extends Omit<BuildOcspResponseOptions, 'responses'> {
  responses: TamperedOcspSingleSpec[];
  tamper?: OcspTamper;
}

/** Test support: a successful OCSPResponse broken as `o.tamper` says. */
export function buildTamperedOcspResponse(o: TamperedOcspResponseOptions): Buffer {
  return encodeOcspResponse(o, o.tamper ?? {});
}

function extension(e: ExtensionSpec): Buffer {
  return w.sequence(w.oid(e.oid), e.critical ? w.boolean(true) : undefined, w.octetString(e.value));
}

function extensions(tag: number, list: ExtensionSpec[]): Buffer | undefined {
  return list.length > 0 ? w.explicit(tag, w.sequence(...list.map(extension))) : undefined;
}

function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** What encoding needs besides the signature: the signer is named by its certificate only. */
export type UnsignedOcspResponseOptions = Omit<TamperedOcspResponseOptions, 'signer'> & { signer: { certificate: Certificate } };

/** Encode a successful OCSPResponse, applying the tamper hooks `t` ({} for a correct one). */
export function encodeOcspResponse(o: TamperedOcspResponseOptions, t: OcspTamper): Buffer {
  let tbs = ocspResponseTbs(o, t);
  if (t.beforeSign) tbs = t.beforeSign(tbs);
  const key = t.signWith ?? o.signer.privateKey;
  let signature = signData(key, tbs, o.signatureHash);
  if (t.signature) signature = t.signature(signature);
  const algorithm = t.signatureAlgorithm ? Buffer.from(t.signatureAlgorithm) : signatureAlgorithmFor(key, o.signatureHash);
  if (t.afterSign) tbs = t.afterSign(tbs);
  return assembleOcspResponse(o, t, tbs, algorithm, signature);
}

/** A correct OCSPResponse signed through `signer` (no test hooks). */
export async function encodeSignedOcspResponse(o: UnsignedOcspResponseOptions, signer: Signer): Promise<Buffer> {
  const tbs = ocspResponseTbs(o, {});
  const signature = await signer.sign(tbs, o.signatureHash ?? defaultHash(signer.publicKey));
  return assembleOcspResponse(o, {}, tbs, signatureAlgorithmFor(signer.publicKey, o.signatureHash), Buffer.from(signature));
}

/** The DER ResponseData (what the signature covers). */
function ocspResponseTbs(o: UnsignedOcspResponseOptions, t: OcspTamper): Buffer {
  const producedAt = wholeSeconds(o.producedAt ?? new Date());
  const signerCert = o.signer.certificate;
  const responderId =
    t.responderId ??
    (o.responderIdByKey
      ? w.explicit(2, w.octetString(createHash('sha1').update(signerCert.publicKeyBits).digest()))
      : w.explicit(1, Buffer.from(signerCert.subjectDer)));

  const singles = o.responses.map((r) => {
    const subject = r.certificate ?? r.serial;
    if (subject === undefined) throw new CertwardenError(ErrorCode.USAGE, 'each OCSP SingleResponse needs a certificate or a serial');
    const id = computeCertId(r.issuer ?? o.issuer, subject, r.hashAlgorithm ?? o.hashAlgorithm ?? 'sha1');
    if (r.issuerNameHash) id.issuerNameHash = Buffer.from(r.issuerNameHash);
    if (r.issuerKeyHash) id.issuerKeyHash = Buffer.from(r.issuerKeyHash);
    let status: Buffer;
    if (r.status === 'good') status = w.implicit(0, Buffer.alloc(0));
    else if (r.status === 'unknown') status = w.implicit(2, Buffer.alloc(0));
    else {
      const reasonCode = r.reason === undefined ? undefined : REVOCATION_REASONS.indexOf(r.reason);
      status = w.implicit(
        1,
        Buffer.concat([w.generalizedTime(wholeSeconds(r.revocationTime ?? producedAt)), reasonCode === undefined ? Buffer.alloc(0) : w.explicit(0, w.enumerated(reasonCode))]),
        true,
      );
    }
    const thisUpdate = wholeSeconds(r.thisUpdate ?? producedAt);
    const nextUpdate = r.nextUpdate === null ? undefined : wholeSeconds(r.nextUpdate ?? new Date(thisUpdate.getTime() + DEFAULT_RESPONSE_VALIDITY_MS));
    return w.sequence(
      encodeCertId(id),
      status,
      w.generalizedTime(thisUpdate),
      nextUpdate ? w.explicit(0, w.generalizedTime(nextUpdate)) : undefined,
      extensions(1, r.extensions ?? []),
    );
  });

  const responseExtensions: ExtensionSpec[] = [];
  if (o.nonce) responseExtensions.push({ oid: OID.ocspNonce, value: nonceExtensionValue(o.nonce) });
  responseExtensions.push(...(o.extensions ?? []));

  return w.sequence(
    t.version === undefined ? undefined : w.explicit(0, w.integer(t.version)),
    responderId,
    w.generalizedTime(producedAt),
    w.sequence(...singles),
    extensions(1, responseExtensions),
  );
}

/** The OCSPResponse around a signed ResponseData. */
function assembleOcspResponse(o: UnsignedOcspResponseOptions, t: OcspTamper, tbs: Buffer, algorithm: Buffer, signature: Buffer): Buffer {
  const signerCert = o.signer.certificate;
  const includeSigner = o.includeSignerCert ?? !signerCert.equals(o.issuer);
  const certs = [...(includeSigner ? [signerCert] : []), ...(o.certificates ?? [])];
  let basic = w.sequence(tbs, algorithm, w.bitString(signature), certs.length > 0 ? w.explicit(0, w.sequence(...certs.map((c) => c.der))) : undefined);
  if (t.basic) basic = t.basic(basic);

  let der = w.sequence(
    w.enumerated(RESPONSE_STATUS_CODES.successful),
    w.explicit(0, w.sequence(w.oid(t.responseType ?? OID.ocspBasic), w.octetString(basic))),
  );
  if (t.response) der = t.response(der);
  return der;
}

