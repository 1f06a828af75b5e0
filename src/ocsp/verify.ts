/**
 * OCSP response verification (RFC 6960 §3.2, §4.2.2.2; RFC 5019 §4), never
 * failing open.
 *
 * Order matters: nothing in the response is believed before its signature has
 * been verified with a key that has authority for the certificate's issuer.
 * That authority is either the issuer itself, or a certificate carried in the
 * response that the issuer signed directly and that holds id-kp-OCSPSigning
 * (RFC 6960 §4.2.2.2). Certificates from anywhere else (the peer's TLS chain,
 * a system store) give no authority.
 *
 * `verifyOcspResponse` never throws for a bad response: every problem becomes
 * status `invalid` with a stable reason code (reasons.ts). `unknown` is never
 * `good`.
 */
import { createHash } from 'node:crypto';
import { isCertwardenError } from '../errors.ts';
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS, type RevocationReasonName } from '../core/revocation-vocabulary.ts';
import { readTlv } from '../util/der.ts';
import { decodeDerObjects } from '../util/pem.ts';
import { Certificate } from '../x509/certificate.ts';
import { formatName, namesEqual } from '../x509/name.ts';
import { OID } from '../x509/oids.ts';
import { parseSignatureAlgorithm, verifySignature, type SignatureAlgorithm } from '../x509/signature.ts';
import { certIdHashByOid, issuerKeyHash, issuerNameHash } from './cert-id.ts';
import { OcspReason, reason, responseStatusReason, type OcspReasonEntry } from './reasons.ts';
import { parseOcspResponse, type BasicOcspResponse, type OcspExtension, type ParsedOcspResponse, type SingleResponse } from './response.ts';
import { nonceExtensionValue } from './request.ts';

/** Extensions we understand in ResponseData (so a critical one is not "unknown"). */
const KNOWN_RESPONSE_EXTENSIONS = new Set<string>([
  OID.ocspNonce,
  OID.ocspCrlId,
  OID.ocspArchiveCutoff,
  '1.3.6.1.5.5.7.48.1.9', // id-pkix-ocsp-extended-revoke (RFC 6960 §4.4.8): informational
]);

/** Extensions we understand in a SingleResponse. */
const KNOWN_SINGLE_EXTENSIONS = new Set<string>([
  OID.ocspCrlId,
  OID.ocspArchiveCutoff,
  OID.invalidityDate,
  OID.cRLReason,
  '1.3.6.1.4.1.11129.2.4.5', // RFC 6962 SCT list in OCSP
]);

export type OcspVerificationStatus = 'good' | 'revoked' | 'unknown' | 'invalid';

export interface VerifyOcspOptions {
  /** The certificate whose status is asked. */
  certificate: Certificate;
  /** Its issuer (the only authority, besides responders it delegated to). */
  issuer: Certificate;
  /**
   * Further certificates of the same issuer (same name, e.g. before and after
   * a key rollover). The response is accepted when it verifies against one of
   * them together with the CertID it names.
   */
  issuerCandidates?: Certificate[];
  /** Verification time; default now. */
  at?: Date;
  /** Skew tolerated on time checks; default 5 minutes. */
  clockSkewMs?: number;
  /** Reject responses whose thisUpdate (or producedAt) is older than this. */
  maxAgeMs?: number;
  /** Max age applied when nextUpdate is absent and maxAgeMs is not set. */
  defaultMaxAgeMs?: number;
  /** The nonce sent in the request (raw octets): a different nonce is refused. */
  nonce?: Uint8Array;
  /** When a nonce was sent, also refuse a response that has none. Default false (RFC 5019 §4: pre-produced responses have none). */
  requireNonce?: boolean;
  /** Accept SHA-1 signatures (default true: real responders still sign with SHA-1). */
  allowSha1Signatures?: boolean;
}

export interface OcspVerification {
  status: OcspVerificationStatus;
  reasons: OcspReasonEntry[];
  producedAt?: Date;
  thisUpdate?: Date;
  nextUpdate?: Date;
  revocationTime?: Date;
  revocationReason?: RevocationReasonName;
  signer?: 'issuer' | 'delegated';
  /** The delegated responder certificate that signed, when delegated. */
  responderCertificate?: Certificate;
  /** The SingleResponse the verdict is based on. */
  matchedResponse?: SingleResponse;
  /** The issuer (among issuer and issuerCandidates) the response was verified against. */
  issuer?: Certificate;
  /** The parsed response, when it could be parsed. */
  response?: ParsedOcspResponse;
}

function invalid(reasons: OcspReasonEntry[], extra: Partial<OcspVerification> = {}): OcspVerification {
  return { ...extra, status: 'invalid', reasons };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

function iso(d: Date): string {
  return d.toISOString();
}

/** Whether the ResponderID designates `cert` (RFC 6960 §4.2.2.3: byKey is the SHA-1 of the key BIT STRING). */
function responderIdMatches(basic: BasicOcspResponse, cert: Certificate): boolean {
  const rid = basic.responderId;
  if (rid.type === 'name') return namesEqual(rid.name, cert.subjectDer);
  return bytesEqual(rid.keyHash, sha1(cert.publicKeyBits));
}

interface SignerOutcome {
  ok: boolean;
  reasons: OcspReasonEntry[];
  signer?: 'issuer' | 'delegated';
  responder?: Certificate;
}

function checkSignatureWith(alg: SignatureAlgorithm, basic: BasicOcspResponse, signerCert: Certificate, who: string): OcspReasonEntry | undefined {
  const keyType = signerCert.publicKey.asymmetricKeyType;
  const fits = alg.keyType === 'rsa-pss' ? keyType === 'rsa' || keyType === 'rsa-pss' : alg.keyType === keyType;
  if (!fits) {
    return reason(OcspReason.SIGNATURE_ALGORITHM_MISMATCH, `response is signed with ${alg.name} but the ${who} has a ${keyType ?? 'unknown'} key`);
  }
  if (!verifySignature(alg, basic.tbs, basic.signature, signerCert.publicKey)) {
    return reason(OcspReason.BAD_SIGNATURE, `response signature does not verify with the key of the ${who} ${signerCert.describe()}`);
  }
  return undefined;
}

/** Establish who signed the response and that they had authority (RFC 6960 §4.2.2.2). */
function checkSigner(basic: BasicOcspResponse, issuer: Certificate, at: Date, skewMs: number, allowSha1: boolean): SignerOutcome {
  let alg: SignatureAlgorithm;
  try {
    alg = parseSignatureAlgorithm(basic.signatureAlgorithmDer);
  } catch (cause) {
    return { ok: false, reasons: [reason(OcspReason.UNSUPPORTED_SIGNATURE_ALGORITHM, `unsupported response signature algorithm: ${(cause as Error).message}`)] };
  }
  if (alg.hash === 'sha1' && !allowSha1) {
    return { ok: false, reasons: [reason(OcspReason.SHA1_SIGNATURE_REFUSED, `response is signed with ${alg.name} and SHA-1 signatures are not allowed`)] };
  }

  // 1. The issuer itself (RFC 6960 §4.2.2.2, first case).
  const failures: OcspReasonEntry[] = [];
  let sawCandidate = false;
  if (responderIdMatches(basic, issuer)) {
    sawCandidate = true;
    const problem = checkSignatureWith(alg, basic, issuer, 'issuer');
    if (!problem) return { ok: true, reasons: [], signer: 'issuer' };
    failures.push(problem);
  }

  // 2. A delegated responder: only certificates carried in this response
  //    (one could, oddly, share the issuer's name: it still has to pass every check).
  for (const certDer of basic.certificates) {
    let cert: Certificate;
    try {
      cert = parseCarriedCertificate(certDer);
    } catch (cause) {
      failures.push(reason(OcspReason.RESPONDER_CERT_MALFORMED, `a certificate in the response is malformed: ${(cause as Error).message}`));
      continue;
    }
    let matches: boolean;
    try {
      matches = responderIdMatches(basic, cert);
    } catch {
      matches = false;
    }
    if (!matches) continue;
    sawCandidate = true;
    const problem = checkDelegate(alg, basic, cert, issuer, at, skewMs, allowSha1);
    if (!problem) return { ok: true, reasons: [], signer: 'delegated', responder: cert };
    failures.push(problem);
  }
  if (!sawCandidate) {
    const rid = basic.responderId.type === 'name' ? `byName ${basicName(basic)}` : `byKey ${Buffer.from(basic.responderId.keyHash).toString('hex')}`;
    failures.unshift(
      reason(OcspReason.RESPONDER_NOT_FOUND, `the responder (${rid}) is neither the issuer ${issuer.describe()} nor a certificate carried in the response`),
    );
  }
  return { ok: false, reasons: failures };
}

function basicName(basic: BasicOcspResponse): string {
  return basic.responderId.type === 'name' ? `"${formatName(basic.responderId.name)}"` : '';
}

/**
 * Responders send the same delegated certificate in every response; parsing it
 * and importing its key each time would cost more than the signature check.
 * Certificates are memoised by their exact DER (bounded), which is safe: the
 * parse is a pure function of those bytes.
 */
const CARRIED_CACHE_LIMIT = 256;
const carriedCertificates = new Map<string, Certificate>();
function parseCarriedCertificate(der: Uint8Array): Certificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let cert = carriedCertificates.get(key);
  if (!cert) {
    cert = new Certificate(Buffer.from(der));
    if (carriedCertificates.size >= CARRIED_CACHE_LIMIT) carriedCertificates.delete(carriedCertificates.keys().next().value!);
    carriedCertificates.set(key, cert);
  }
  return cert;
}

/** Whether `issuer`'s key signed `cert`, memoised per (issuer object, certificate object): a pure function of their bytes. */
const issuedByCache = new WeakMap<Certificate, WeakMap<Certificate, boolean>>();
function issuedBy(cert: Certificate, alg: SignatureAlgorithm, issuer: Certificate): boolean {
  let m = issuedByCache.get(issuer);
  if (!m) issuedByCache.set(issuer, (m = new WeakMap()));
  let ok = m.get(cert);
  if (ok === undefined) {
    ok = verifySignature(alg, cert.tbs, cert.signatureValue, issuer.publicKey);
    m.set(cert, ok);
  }
  return ok;
}

/** Checks on a delegated responder certificate; returns the first problem. Signature before anything else it says. */
function checkDelegate(
  alg: SignatureAlgorithm,
  basic: BasicOcspResponse,
  responder: Certificate,
  issuer: Certificate,
  at: Date,
  skewMs: number,
  allowSha1: boolean,
): OcspReasonEntry | undefined {
  const who = `delegated responder ${responder.describe()}`;
  try {
    // Issued directly by the issuer: name chaining and the issuer's signature on it.
    if (!namesEqual(responder.issuerDer, issuer.subjectDer)) {
      return reason(OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER, `${who} is issued by "${responder.issuer}", not by the certificate's issuer "${issuer.subject}"`);
    }
    let certAlg: SignatureAlgorithm;
    try {
      certAlg = responder.signatureAlgorithm;
    } catch (cause) {
      return reason(OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER, `${who} has an unsupported signature algorithm: ${(cause as Error).message}`);
    }
    if (certAlg.hash === 'sha1' && !allowSha1) {
      return reason(OcspReason.SHA1_SIGNATURE_REFUSED, `${who} is signed with ${certAlg.name} and SHA-1 signatures are not allowed`);
    }
    if (!bytesEqual(responder.innerSignatureAlgorithmDer, responder.signatureAlgorithmDer) || !issuedBy(responder, certAlg, issuer)) {
      return reason(OcspReason.RESPONDER_NOT_ISSUED_BY_ISSUER, `${who} is not signed by the issuer's key ${issuer.describe()}`);
    }
    // The response signature, with the delegate's key.
    const sigProblem = checkSignatureWith(alg, basic, responder, 'delegated responder');
    if (sigProblem) return sigProblem;
    // Authorisation: id-kp-OCSPSigning is required; anyExtendedKeyUsage does not do (RFC 6960 §4.2.2.2).
    const eku = responder.extKeyUsage;
    if (!eku || !eku.includes(OID.ocspSigning)) {
      return reason(OcspReason.RESPONDER_NOT_AUTHORIZED, `${who} lacks the id-kp-OCSPSigning extended key usage`);
    }
    const ku = responder.keyUsage;
    if (ku && !ku.has('digitalSignature') && !ku.has('nonRepudiation')) {
      return reason(OcspReason.RESPONDER_KEY_USAGE, `${who} has a keyUsage that does not allow digitalSignature`);
    }
    if (!responder.isValidAt(at, skewMs)) {
      return reason(OcspReason.RESPONDER_EXPIRED, `${who} is valid ${iso(responder.notBefore)} to ${iso(responder.notAfter)}, not at ${iso(at)}`);
    }
    // Unknown critical extensions in the responder certificate: refuse (RFC 5280 §4.2).
    const known = new Set<string>([
      OID.keyUsage, OID.extKeyUsage, OID.basicConstraints, OID.subjectAltName, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier,
      OID.certificatePolicies, OID.ocspNoCheck, OID.authorityInfoAccess, OID.cRLDistributionPoints,
    ]);
    const crit = responder.extensions.find((e) => e.critical && !known.has(e.oid));
    if (crit) return reason(OcspReason.RESPONDER_NOT_AUTHORIZED, `${who} has an unknown critical extension ${crit.oid}`);
  } catch (cause) {
    return reason(OcspReason.RESPONDER_CERT_MALFORMED, `${who} could not be checked: ${(cause as Error).message}`);
  }
  return undefined;
}

const RANK: Record<OcspVerificationStatus, number> = { good: 0, unknown: 1, invalid: 2, revoked: 3 };

interface SingleVerdict {
  single: SingleResponse;
  status: OcspVerificationStatus;
  reasons: OcspReasonEntry[];
}

function checkExtensions(exts: OcspExtension[], known: Set<string>): OcspExtension | undefined {
  return exts.find((e) => e.critical && !known.has(e.oid));
}

interface CertIdMatch {
  matched: SingleResponse[];
  reasons: OcspReasonEntry[];
}

/** The SingleResponses about this certificate, or why none is (RFC 6960 §4.1.1 / §3.2 step 1). */
function matchCertId(basic: BasicOcspResponse, certificate: Certificate, issuer: Certificate): CertIdMatch {
  const matched: SingleResponse[] = [];
  let serialMatch = false;
  let nameMismatch = false;
  let keyMismatch = false;
  let unsupportedHash: string | undefined;
  for (const single of basic.responses) {
    if (single.certId.serialHex !== certificate.serialHex) continue;
    serialMatch = true;
    const hash = certIdHashByOid(single.certId.hashAlgorithmOid);
    if (!hash) {
      unsupportedHash = single.certId.hashAlgorithmOid;
      continue;
    }
    const nameOk =
      bytesEqual(single.certId.issuerNameHash, issuerNameHash(issuer, hash)) ||
      // The responder may hash the name as written in the certificate's issuer field.
      (namesEqual(certificate.issuerDer, issuer.subjectDer) && bytesEqual(single.certId.issuerNameHash, createHash(hash).update(certificate.issuerDer).digest()));
    const keyOk = bytesEqual(single.certId.issuerKeyHash, issuerKeyHash(issuer, hash));
    if (!nameOk) nameMismatch = true;
    if (!keyOk) keyMismatch = true;
    if (nameOk && keyOk) matched.push(single);
  }
  if (matched.length > 0) return { matched, reasons: [] };
  const reasons: OcspReasonEntry[] = [];
  if (basic.responses.length === 0) reasons.push(reason(OcspReason.NO_RESPONSES, 'the response holds no SingleResponse'));
  else if (!serialMatch) reasons.push(reason(OcspReason.SERIAL_MISMATCH, `no SingleResponse is about serial ${certificate.serialHex}`));
  else {
    if (unsupportedHash) reasons.push(reason(OcspReason.CERTID_HASH_UNSUPPORTED, `CertID hash algorithm ${unsupportedHash} is not supported`));
    if (nameMismatch) reasons.push(reason(OcspReason.ISSUER_NAME_HASH_MISMATCH, `the CertID issuerNameHash does not match the issuer "${issuer.subject}"`));
    if (keyMismatch) reasons.push(reason(OcspReason.ISSUER_KEY_HASH_MISMATCH, `the CertID issuerKeyHash does not match the key of the issuer "${issuer.subject}"`));
  }
  return { matched: [], reasons };
}

function verifyAgainst(parsed: ParsedOcspResponse, basic: BasicOcspResponse, options: VerifyOcspOptions, issuer: Certificate): OcspVerification {
  const at = options.at ?? new Date();
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const now = at.getTime();
  const base: Partial<OcspVerification> = { response: parsed, issuer };

  // Signature and authority first: nothing else in the response is believed before this.
  const signer = checkSigner(basic, issuer, at, skew, options.allowSha1Signatures ?? true);
  if (!signer.ok) return invalid(signer.reasons, base);
  const trusted: Partial<OcspVerification> = {
    ...base,
    signer: signer.signer!,
    producedAt: basic.producedAt,
    ...(signer.responder ? { responderCertificate: signer.responder } : {}),
  };

  const problems: OcspReasonEntry[] = [];
  if (basic.version !== 1) problems.push(reason(OcspReason.UNSUPPORTED_VERSION, `ResponseData version ${basic.version} is not v1`));
  const crit = checkExtensions(basic.extensions, KNOWN_RESPONSE_EXTENSIONS);
  if (crit) problems.push(reason(OcspReason.UNKNOWN_CRITICAL_EXTENSION, `response has an unknown critical extension ${crit.oid}`));

  // Nonce (RFC 8954 §2.1, RFC 6960 §4.4.1).
  if (options.nonce) {
    const ext = basic.extensions.find((e) => e.oid === OID.ocspNonce);
    if (!ext) {
      if (options.requireNonce) problems.push(reason(OcspReason.NONCE_MISSING, 'a nonce was sent and the response carries none'));
    } else if (!bytesEqual(ext.value, nonceExtensionValue(options.nonce)) && !bytesEqual(ext.value, options.nonce)) {
      problems.push(reason(OcspReason.NONCE_MISMATCH, 'the response nonce differs from the nonce sent'));
    }
  }

  // producedAt (RFC 6960 §4.2.2.1): not in the future, within the certificate's validity.
  const producedAt = basic.producedAt.getTime();
  if (producedAt > now + skew) problems.push(reason(OcspReason.PRODUCED_AT_IN_FUTURE, `producedAt ${iso(basic.producedAt)} is after ${iso(at)}`));
  const cert = options.certificate;
  if (producedAt + skew < cert.notBefore.getTime() || producedAt - skew > cert.notAfter.getTime()) {
    problems.push(
      reason(OcspReason.PRODUCED_AT_OUTSIDE_VALIDITY, `producedAt ${iso(basic.producedAt)} is outside the certificate's validity ${iso(cert.notBefore)} to ${iso(cert.notAfter)}`),
    );
  }
  if (options.maxAgeMs !== undefined && now - producedAt > options.maxAgeMs + skew) {
    problems.push(reason(OcspReason.TOO_OLD, `producedAt ${iso(basic.producedAt)} is older than the maximum age of ${options.maxAgeMs} ms`));
  }

  const match = matchCertId(basic, cert, issuer);
  if (match.matched.length === 0) return invalid([...problems, ...match.reasons], trusted);

  // Each matching SingleResponse on its own, then the strictest wins.
  const verdicts: SingleVerdict[] = match.matched.map((single) => {
    const r: OcspReasonEntry[] = [];
    const thisUpdate = single.thisUpdate.getTime();
    if (thisUpdate > now + skew) r.push(reason(OcspReason.THIS_UPDATE_IN_FUTURE, `thisUpdate ${iso(single.thisUpdate)} is after ${iso(at)}`));
    if (single.nextUpdate) {
      const nextUpdate = single.nextUpdate.getTime();
      if (nextUpdate < thisUpdate) r.push(reason(OcspReason.NEXT_UPDATE_BEFORE_THIS_UPDATE, `nextUpdate ${iso(single.nextUpdate)} is before thisUpdate ${iso(single.thisUpdate)}`));
      if (nextUpdate < now - skew) r.push(reason(OcspReason.STALE, `the response expired at nextUpdate ${iso(single.nextUpdate)}`));
    }
    if (options.maxAgeMs !== undefined) {
      if (now - thisUpdate > options.maxAgeMs + skew) r.push(reason(OcspReason.TOO_OLD, `thisUpdate ${iso(single.thisUpdate)} is older than the maximum age of ${options.maxAgeMs} ms`));
    } else if (!single.nextUpdate) {
      const limit = options.defaultMaxAgeMs ?? DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS;
      if (now - thisUpdate > limit + skew) {
        r.push(reason(OcspReason.NO_NEXT_UPDATE_TOO_OLD, `no nextUpdate, and thisUpdate ${iso(single.thisUpdate)} is older than the default maximum age of ${limit} ms`));
      }
    }
    const c = checkExtensions(single.extensions, KNOWN_SINGLE_EXTENSIONS);
    if (c) r.push(reason(OcspReason.UNKNOWN_CRITICAL_SINGLE_EXTENSION, `SingleResponse has an unknown critical extension ${c.oid}`));
    if (r.length > 0) return { single, status: 'invalid', reasons: r };
    if (single.status === 'revoked') {
      const why = single.revocationReason ? ` (${single.revocationReason})` : '';
      return { single, status: 'revoked', reasons: [reason(OcspReason.REVOKED, `revoked at ${iso(single.revocationTime!)}${why}`)] };
    }
    if (single.status === 'unknown') return { single, status: 'unknown', reasons: [reason(OcspReason.UNKNOWN_STATUS, 'the responder does not know this certificate')] };
    return { single, status: 'good', reasons: [reason(OcspReason.GOOD, 'the responder reports the certificate as good')] };
  });
  let worst = verdicts[0]!;
  for (const v of verdicts) if (RANK[v.status] > RANK[worst.status]) worst = v;
  const s = worst.single;
  const result: OcspVerification = {
    ...trusted,
    status: problems.length > 0 ? 'invalid' : worst.status,
    reasons: [...problems, ...worst.reasons],
    thisUpdate: s.thisUpdate,
    matchedResponse: s,
  };
  if (s.nextUpdate) result.nextUpdate = s.nextUpdate;
  if (s.revocationTime) result.revocationTime = s.revocationTime;
  if (s.revocationReason) result.revocationReason = s.revocationReason;
  return result;
}

/**
 * Verify a DER OCSPResponse for `options.certificate`. Never throws for a bad
 * response: the result is `invalid` with reason codes.
 */
export function verifyOcspResponse(input: Uint8Array | string, options: VerifyOcspOptions): OcspVerification {
  let parsed: ParsedOcspResponse;
  let der: Uint8Array;
  try {
    // PEM or bare base64 (as OpenSSL's .ors files) is decoded first; DER is used as received.
    der = typeof input !== 'string' && input[0] === 0x30 ? input : decodeDerObjects(input, ['OCSP RESPONSE'], 'OCSP response')[0]!;
  } catch (cause) {
    return invalid([reason(OcspReason.MALFORMED, cause instanceof Error ? cause.message : String(cause))]);
  }
  try {
    // Trailing garbage gets its own code (the parser would call it malformed).
    try {
      const outer = readTlv(der, 0);
      if (outer.end !== der.length) {
        return invalid([reason(OcspReason.TRAILING_DATA, `${der.length - outer.end} byte(s) follow the OCSPResponse`)]);
      }
    } catch {
      // Reported by the parser below.
    }
    parsed = parseOcspResponse(der);
  } catch (cause) {
    const message = isCertwardenError(cause) || cause instanceof Error ? cause.message : String(cause);
    return invalid([reason(OcspReason.MALFORMED, message)]);
  }
  try {
    if (parsed.responseStatus !== 0) {
      return invalid([reason(responseStatusReason(parsed.responseStatus), `the responder answered ${parsed.responseStatusName} (RFC 6960 §4.2.1)`)], { response: parsed });
    }
    if (parsed.responseType === undefined) return invalid([reason(OcspReason.NO_RESPONSE_BYTES, 'successful response without responseBytes')], { response: parsed });
    if (parsed.responseType !== OID.ocspBasic || !parsed.basic) {
      return invalid([reason(OcspReason.UNSUPPORTED_RESPONSE_TYPE, `responseType ${parsed.responseType} is not id-pkix-ocsp-basic`)], { response: parsed });
    }
    const issuers = [options.issuer, ...(options.issuerCandidates ?? []).filter((c) => !c.equals(options.issuer))];
    let first: OcspVerification | undefined;
    for (const issuer of issuers) {
      const result = verifyAgainst(parsed, parsed.basic, options, issuer);
      if (result.status !== 'invalid') return result;
      first ??= result;
    }
    return first!;
  } catch (cause) {
    // A bug or an unexpected input shape: still never an accept.
    return invalid([reason(OcspReason.MALFORMED, `response could not be verified: ${(cause as Error)?.message ?? String(cause)}`)], { response: parsed });
  }
}

/** Whether a verification admits the certificate: only `good` does. */
export function isGood(v: OcspVerification): boolean {
  return v.status === 'good';
}
