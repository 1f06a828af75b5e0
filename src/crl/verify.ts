/**
 * Checking a certificate against CRLs (RFC 5280 §5, §6.3), failing closed.
 *
 * A CRL is used only after its signature has been verified, by one of the
 * caller's issuer candidates, over the exact tbsCertList bytes. Then its
 * freshness, its critical extensions, its scope (issuingDistributionPoint)
 * and its reason coverage decide whether it can speak for the certificate.
 * Only a set of usable CRLs that together cover every reason and do not list
 * the serial gives `good`; anything we cannot establish is `error` with
 * stable reason codes ({@link CRL_REASON}), never `good`.
 *
 * Not supported (reported, never silently accepted): indirect CRLs
 * (indirectCRL in the IDP, certificateIssuer entries) and delta CRLs.
 */
import { CertwardenError } from '../errors.ts';
import { children, readTlv, TAG, value } from '../util/der.ts';
import * as w from '../util/der-write.ts';
import { parseGeneralName, type Certificate, type GeneralNameValue } from '../x509/certificate.ts';
import { namesEqual } from '../x509/name.ts';
import { OID } from '../x509/oids.ts';
import { parseSignatureAlgorithm, verifySignature } from '../x509/signature.ts';
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS, type RevocationEvidence, type RevocationReasonName, type RevocationResult, type RevocationStatus, type StatusReason } from '../core/revocation-vocabulary.ts';
import { ALL_REASONS_MASK, Crl, reasonFlagsMask, type RevokedEntry } from './parse.ts';


/** Stable reason codes. */
export const CRL_REASON = {
  /** The serial is listed on a usable CRL. */
  revoked: 'certificate-revoked',
  /** No CRL was given. */
  missing: 'crl-missing',
  /** The CRL could not be parsed (truncated, trailing bytes, bad DER, v1 with extensions...). */
  malformed: 'crl-malformed',
  /** The CRL's issuer name is not the certificate's issuer. */
  issuerMismatch: 'crl-issuer-mismatch',
  /** No issuer candidate has the CRL issuer's name. */
  signerNotFound: 'crl-signer-not-found',
  /** No issuer candidate's key verifies the CRL signature. */
  badSignature: 'crl-signature-invalid',
  /** The key that verifies belongs to a certificate whose keyUsage lacks cRLSign. */
  signerNoCrlSign: 'crl-signer-no-crlsign',
  /** The signature algorithm inside tbsCertList differs from the outer one. */
  algorithmMismatch: 'crl-algorithm-mismatch',
  /** A signature algorithm we do not implement. */
  unsupportedAlgorithm: 'crl-unsupported-algorithm',
  /** thisUpdate is in the future (beyond clock skew). */
  notYetValid: 'crl-not-yet-valid',
  /** nextUpdate has passed (beyond clock skew). */
  expired: 'crl-expired',
  /** thisUpdate older than maxAgeMs (or, without nextUpdate, than the default). */
  tooOld: 'crl-too-old',
  unknownCriticalExtension: 'crl-unknown-critical-extension',
  crlNumberMissing: 'crl-number-missing',
  crlNumberCritical: 'crl-number-critical',
  unknownCriticalEntryExtension: 'crl-unknown-critical-entry-extension',
  /** A revoked entry (the one for this serial) is malformed. */
  entryMalformed: 'crl-entry-malformed',
  deltaUnsupported: 'delta-crl-unsupported',
  indirectUnsupported: 'indirect-crl-unsupported',
  /** IDP onlyContainsUserCerts, but the certificate is a CA. */
  scopeUserCerts: 'crl-scope-user-certs-only',
  /** IDP onlyContainsCACerts, but the certificate is not a CA. */
  scopeCaCerts: 'crl-scope-ca-certs-only',
  /** IDP onlyContainsAttributeCerts: never covers a public-key certificate. */
  scopeAttributeCerts: 'crl-scope-attribute-certs-only',
  /** The IDP distribution point name matches none of the certificate's CRLDP names. */
  dpMismatch: 'crl-dp-mismatch',
  /** Usable CRLs were found but, partitioned by reason (onlySomeReasons), they do not cover every reason. */
  reasonsIncomplete: 'crl-reasons-incomplete',
  /** The certificate could not be read (e.g. malformed basicConstraints or CRLDP). */
  certificateMalformed: 'crl-certificate-malformed',
  /** Fetching the CRL failed in transport (network error, HTTP status, timeout, aborted): the only code soft-fail may tolerate. */
  fetchFailed: 'crl-fetch-failed',
  /** An answer arrived but is larger than the policy's cap: present, not unreachable (as OCSP's ocsp-fetch-too-large). */
  tooLarge: 'crl-too-large',
  /** The fetch was refused by certwarden itself (a URL it does not fetch, or a per-target budget spent): not unreachable either. */
  fetchRefused: 'crl-fetch-refused',
  /** The certificate names no http(s) CRL distribution point. */
  noDistributionPoint: 'crl-no-distribution-point',
  /** A bug: please report. */
  internal: 'crl-internal-error',
} as const;
export type CrlReasonCode = (typeof CRL_REASON)[keyof typeof CRL_REASON];

/**
 * Codes that mean "no CRL could be fetched": the only CRL failures soft-fail
 * tolerates. A body that arrived and does not parse is `crl-malformed`, an
 * untrustworthy answer, never unreachable.
 */
export const CRL_UNREACHABLE_CODES: ReadonlySet<CrlReasonCode> = new Set<CrlReasonCode>([CRL_REASON.fetchFailed]);

/** Codes that mean "the certificate names no usable distribution point": the source does not exist for it. */
export const CRL_ABSENT_CODES: ReadonlySet<CrlReasonCode> = new Set<CrlReasonCode>([CRL_REASON.noDistributionPoint]);

export interface CrlCheckOptions {
  /**
   * Candidates for the CRL signer: the certificate's issuer, and any other
   * certificate the caller has validated that may sign its CRLs (key
   * rollover, a separate CRL-signing key). The one whose key verifies is used.
   */
  issuers: readonly Certificate[];
  /** Validation time (default now). */
  at?: Date;
  /** Tolerance on thisUpdate/nextUpdate (default {@link DEFAULT_CLOCK_SKEW_MS}). */
  clockSkewMs?: number;
  /** Refuse CRLs whose thisUpdate is older than this. Also the lifetime of a CRL without nextUpdate. */
  maxAgeMs?: number;
  /** Keep each CRL's DER in the evidence (default false: CRLs can be large). */
  keepDer?: boolean;
  /**
   * A CRL without cRLNumber: `optional` (default) uses it and adds the warning
   * `crl-number-missing`; `required` refuses it (policy `revocation.crl-number`).
   */
  crlNumber?: CrlNumberRule;
}

/**
 * RFC 5280 §5.2.3 says conforming CRL issuers MUST include cRLNumber, but
 * `openssl ca -gencrl` without a crlnumber file omits it, and OpenSSL,
 * BoringSSL and Go accept such CRLs. The number only orders CRLs (and ties
 * delta CRLs, which are not supported); a CRL's authenticity, freshness and
 * scope do not depend on it. So by default it is leniency that is reported.
 */
export type CrlNumberRule = 'optional' | 'required';
export const DEFAULT_CRL_NUMBER_RULE: CrlNumberRule = 'optional';

/** A CRL given as DER/PEM bytes, as a parsed {@link Crl}, or with where it came from. */
export type CrlInput = Crl | Uint8Array | string | { crl: Crl | Uint8Array | string; url?: string; cached?: boolean };

/** Outcome of one CRL for one certificate. */
export interface CrlAssessment {
  crl?: Crl;
  url?: string;
  cached?: boolean;
  /** Whether the CRL is authentic, fresh and in scope for the certificate. */
  usable: boolean;
  /** When usable: the reasons (ReasonFlags mask) this CRL covers for the certificate. */
  coverage: number;
  /** When usable and the serial is listed. */
  entry?: RevokedEntry;
  signer?: Certificate;
  /** Whether the CRL was issued by the certificate's issuer at all (false: not relevant). */
  relevant: boolean;
  reasons: StatusReason[];
  /** Non-fatal observations (`crl-number-missing` when the rule is optional). */
  warnings: StatusReason[];
}

interface DpName {
  names: GeneralNameValue[];
  reasons?: number;
  hasCrlIssuer: boolean;
}

function reason(code: CrlReasonCode, message: string): StatusReason {
  return { code, message };
}

function appendRdn(nameDer: Uint8Array, rdnSet: Uint8Array): Buffer {
  const t = readTlv(nameDer, 0);
  return w.sequence(value(nameDer, t), rdnSet);
}

/**
 * The certificate's cRLDistributionPoints (parsed once, by the certificate's
 * own strict parser) with relative names resolved against the CRL issuer
 * (RFC 5280 §4.2.1.13); undefined when the certificate has none.
 */
function certificateDistributionPoints(cert: Certificate): DpName[] | undefined {
  if (!cert.getExtension(OID.cRLDistributionPoints)) return undefined;
  return cert.crlDistributionPoints.map((dp) => {
    const out: DpName = { names: dp.fullNames, hasCrlIssuer: dp.crlIssuer !== undefined };
    if (dp.reasons !== undefined) out.reasons = dp.reasons;
    const crlIssuerDirs = (dp.crlIssuer ?? []).flatMap((n) => (n.type === 'directory' ? [n.value] : []));
    if (dp.relativeNameRdn) {
      const rdn = dp.relativeNameRdn;
      const bases = crlIssuerDirs.length > 0 ? crlIssuerDirs : [cert.issuerDer];
      out.names = bases.map((b) => ({ type: 'directory' as const, value: appendRdn(b, rdn) }));
    } else if (out.names.length === 0 && dp.crlIssuer) {
      // Without a distributionPoint, the CRL issuer's names identify the CRL (RFC 5280 §6.3.3 (b)(2)(i)).
      out.names = dp.crlIssuer;
    }
    return out;
  });
}

function generalNamesEqual(a: GeneralNameValue, b: GeneralNameValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'directory':
      return namesEqual(a.value, (b as typeof a).value);
    case 'uri':
      return a.value === (b as typeof a).value;
    case 'dns':
    case 'email':
      return a.value.toLowerCase() === (b as typeof a).value.toLowerCase();
    case 'ip':
      return Buffer.compare(a.value, (b as typeof a).value) === 0;
    case 'other':
      return a.tag === (b as typeof a).tag && Buffer.compare(a.value, (b as typeof a).value) === 0;
  }
}

function toCrl(input: Crl | Uint8Array | string): Crl {
  return input instanceof Crl ? input : Crl.parse(input);
}

function findSigner(crl: Crl, candidates: readonly Certificate[], reasons: StatusReason[]): Certificate | undefined {
  if (Buffer.compare(crl.innerSignatureAlgorithmDer, crl.signatureAlgorithmDer) !== 0) {
    reasons.push(reason(CRL_REASON.algorithmMismatch, 'the signature algorithm in tbsCertList differs from the outer one (RFC 5280 §5.1.1.2)'));
    return undefined;
  }
  let alg;
  try {
    alg = parseSignatureAlgorithm(crl.signatureAlgorithmDer);
  } catch (cause) {
    reasons.push(reason(CRL_REASON.unsupportedAlgorithm, (cause as Error).message));
    return undefined;
  }
  const named = candidates.filter((c) => namesEqual(c.subjectDer, crl.issuerDer));
  if (named.length === 0) {
    reasons.push(reason(CRL_REASON.signerNotFound, 'no issuer candidate carries the CRL issuer name'));
    return undefined;
  }
  // Candidates whose SKI matches the CRL's AKI first (key rollover), then the rest.
  const aki = crl.authorityKeyIdentifier;
  const ski = (c: Certificate): Uint8Array | undefined => {
    try {
      return c.subjectKeyIdentifier;
    } catch {
      return undefined;
    }
  };
  const ordered = aki ? [...named].sort((a, b) => Number(!bufEq(ski(a), aki)) - Number(!bufEq(ski(b), aki))) : named;
  let verifiedWithoutCrlSign: Certificate | undefined;
  for (const c of ordered) {
    let ok = crl.verifiedSigners.has(c.fingerprint256);
    if (!ok) {
      try {
        ok = verifySignature(alg, crl.tbs, crl.signatureValue, c.publicKey);
      } catch {
        ok = false;
      }
      if (ok) crl.verifiedSigners.add(c.fingerprint256);
    }
    if (!ok) continue;
    let ku;
    try {
      ku = c.keyUsage;
    } catch {
      verifiedWithoutCrlSign = c;
      continue;
    }
    // RFC 5280 §4.2.1.3 / §6.3.3 (f): when keyUsage is present, cRLSign must be set.
    if (ku && !ku.has('cRLSign')) {
      verifiedWithoutCrlSign = c;
      continue;
    }
    return c;
  }
  if (verifiedWithoutCrlSign) {
    reasons.push(reason(CRL_REASON.signerNoCrlSign, `the CRL is signed by ${verifiedWithoutCrlSign.describe()}, whose keyUsage does not allow cRLSign`));
  } else {
    reasons.push(reason(CRL_REASON.badSignature, `the CRL signature does not verify with any of ${named.length} issuer candidate(s)`));
  }
  return undefined;
}

/**
 * Verify a CRL's signature against issuer candidates (same rules as {@link checkCrl}:
 * matching algorithms, issuer name, key that verifies, cRLSign). Never throws.
 */
export function verifyCrlSignature(crl: Crl, issuers: readonly Certificate[]): { signer?: Certificate; reasons: StatusReason[] } {
  const reasons: StatusReason[] = [];
  try {
    const signer = findSigner(crl, issuers, reasons);
    return signer ? { signer, reasons } : { reasons };
  } catch (cause) {
    return { reasons: [reason(CRL_REASON.internal, String(cause))] };
  }
}

function bufEq(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return !!a && !!b && Buffer.compare(a, b) === 0;
}

/** Assess one CRL for one certificate. Never throws. */
export function assessCrl(certificate: Certificate, input: CrlInput, options: CrlCheckOptions): CrlAssessment {
  const wrapped = typeof input === 'object' && !(input instanceof Crl) && !(input instanceof Uint8Array) ? input : { crl: input };
  const out: CrlAssessment = { usable: false, coverage: 0, relevant: false, reasons: [], warnings: [] };
  if (wrapped.url !== undefined) out.url = wrapped.url;
  if (wrapped.cached !== undefined) out.cached = wrapped.cached;
  const reasons = out.reasons;
  try {
    let crl: Crl;
    try {
      crl = toCrl(wrapped.crl);
    } catch (cause) {
      out.relevant = true;
      reasons.push(reason(CRL_REASON.malformed, (cause as Error).message));
      return out;
    }
    out.crl = crl;
    // RFC 5280 §6.3.3 (b)(1): the CRL issuer must be the certificate issuer (no indirect CRLs).
    if (!namesEqual(crl.issuerDer, certificate.issuerDer)) {
      reasons.push(reason(CRL_REASON.issuerMismatch, 'the CRL issuer is not the certificate issuer'));
      return out;
    }
    out.relevant = true;
    // Authenticity first: nothing in the CRL is trusted before its signature verifies (§6.3.3 (f), (g)).
    const signer = findSigner(crl, options.issuers, reasons);
    if (!signer) return out;
    out.signer = signer;

    const at = (options.at ?? new Date()).getTime();
    const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    const thisUpdate = crl.thisUpdate.getTime();
    if (thisUpdate > at + skew) {
      reasons.push(reason(CRL_REASON.notYetValid, `thisUpdate ${crl.thisUpdate.toISOString()} is in the future`));
    }
    if (crl.nextUpdate) {
      if (crl.nextUpdate.getTime() < at - skew) reasons.push(reason(CRL_REASON.expired, `nextUpdate ${crl.nextUpdate.toISOString()} has passed`));
      if (options.maxAgeMs !== undefined && at - thisUpdate > options.maxAgeMs + skew) {
        reasons.push(reason(CRL_REASON.tooOld, `thisUpdate ${crl.thisUpdate.toISOString()} is older than the ${options.maxAgeMs} ms maximum age`));
      }
    } else {
      const maxAge = options.maxAgeMs ?? DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS;
      if (at - thisUpdate > maxAge + skew) {
        reasons.push(reason(CRL_REASON.tooOld, `the CRL has no nextUpdate and thisUpdate ${crl.thisUpdate.toISOString()} is older than ${maxAge} ms`));
      }
    }
    checkCrlNumber(crl, options.crlNumber ?? DEFAULT_CRL_NUMBER_RULE, reasons, out.warnings);
    if (crl.unknownCriticalExtensions.length > 0) {
      reasons.push(reason(CRL_REASON.unknownCriticalExtension, `unknown critical CRL extension(s): ${crl.unknownCriticalExtensions.join(', ')}`));
    }
    if (crl.unknownCriticalEntryExtensions.length > 0) {
      reasons.push(reason(CRL_REASON.unknownCriticalEntryExtension, `unknown critical CRL entry extension(s): ${crl.unknownCriticalEntryExtensions.join(', ')}`));
    }
    if (crl.isDelta) {
      reasons.push(reason(CRL_REASON.deltaUnsupported, 'a delta CRL cannot be used alone, and delta CRLs are not supported'));
    }
    const idp = crl.issuingDistributionPoint;
    if (idp?.indirectCrl || crl.hasIndirectEntries) {
      reasons.push(reason(CRL_REASON.indirectUnsupported, 'indirect CRLs (indirectCRL / certificateIssuer) are not supported'));
    }

    // Scope (§6.3.3 (b)(2)).
    let dps: DpName[] | undefined;
    let isCA: boolean;
    try {
      dps = certificateDistributionPoints(certificate);
      isCA = certificate.isCA;
    } catch (cause) {
      reasons.push(reason(CRL_REASON.certificateMalformed, (cause as Error).message));
      return out;
    }
    let matchedDp: DpName | undefined;
    if (idp) {
      if (idp.onlyContainsUserCerts && isCA) reasons.push(reason(CRL_REASON.scopeUserCerts, 'the CRL only covers end-entity certificates, and this certificate is a CA'));
      if (idp.onlyContainsCACerts && !isCA) reasons.push(reason(CRL_REASON.scopeCaCerts, 'the CRL only covers CA certificates, and this certificate is not a CA'));
      if (idp.onlyContainsAttributeCerts) reasons.push(reason(CRL_REASON.scopeAttributeCerts, 'the CRL only covers attribute certificates'));
      const idpNames: GeneralNameValue[] | undefined = idp.fullNames ?? (idp.relativeName ? [{ type: 'directory', value: appendRdn(crl.issuerDer, idp.relativeName) }] : undefined);
      if (idpNames) {
        matchedDp = dps?.find((dp) => dp.names.some((n) => idpNames.some((m) => generalNamesEqual(n, m))));
        if (!matchedDp) {
          const indirectHint = dps?.some((dp) => dp.hasCrlIssuer);
          reasons.push(
            indirectHint
              ? reason(CRL_REASON.indirectUnsupported, 'the certificate names a separate cRLIssuer for its distribution point (indirect CRL), which is not supported')
              : reason(CRL_REASON.dpMismatch, dps ? 'the CRL distribution point name matches none of the certificate\'s cRLDistributionPoints' : 'the CRL is for a named distribution point and the certificate has no cRLDistributionPoints'),
          );
        }
      }
    }
    if (reasons.length > 0) return out;

    // Reasons this CRL covers for the certificate (§6.3.3 (d)).
    let coverage = idp?.onlySomeReasons !== undefined ? idp.onlySomeReasons & ALL_REASONS_MASK : ALL_REASONS_MASK;
    if (matchedDp?.reasons !== undefined) coverage &= matchedDp.reasons;
    out.coverage = coverage;

    let entry: RevokedEntry | undefined;
    try {
      entry = crl.lookup(certificate.serialBytes);
    } catch (cause) {
      reasons.push(reason(CRL_REASON.entryMalformed, (cause as Error).message));
      return out;
    }
    if (entry?.reason === 'removeFromCRL') {
      // removeFromCRL only has a meaning in a delta CRL (RFC 5280 §5.3.1).
      reasons.push(reason(CRL_REASON.entryMalformed, 'removeFromCRL in a complete CRL'));
      return out;
    }
    out.usable = true;
    if (entry) out.entry = entry;
    return out;
  } catch (cause) {
    reasons.push(reason(CRL_REASON.internal, cause instanceof CertwardenError ? cause.message : String((cause as Error)?.stack ?? cause)));
    out.usable = false;
    return out;
  }
}

/**
 * RFC 5280 §5.2.3: cRLNumber MUST be present and non-critical. A critical one
 * is refused always; a missing one per `rule` (see {@link CrlNumberRule}).
 */
function checkCrlNumber(crl: Crl, rule: CrlNumberRule, reasons: StatusReason[], warnings: StatusReason[]): void {
  const ext = crl.extensions.find((e) => e.oid === OID.cRLNumber);
  if (ext?.critical) {
    reasons.push(reason(CRL_REASON.crlNumberCritical, 'the cRLNumber extension is marked critical (RFC 5280 §5.2.3: it MUST be non-critical)'));
  } else if (!ext && rule === 'required') {
    reasons.push(reason(CRL_REASON.crlNumberMissing, 'the CRL has no cRLNumber extension (RFC 5280 §5.2.3: it MUST be present; the policy requires it)'));
  } else if (!ext) {
    warnings.push(reason(CRL_REASON.crlNumberMissing, 'the CRL has no cRLNumber extension (RFC 5280 §5.2.3: conforming issuers MUST include it); used anyway, as OpenSSL, BoringSSL and Go do'));
  }
}

function evidenceOf(a: CrlAssessment, status: RevocationStatus, keepDer: boolean): RevocationEvidence {
  const e: RevocationEvidence = { source: 'crl', status, reasons: a.reasons };
  if (a.usable && a.warnings.length > 0) e.warnings = a.warnings;
  if (a.url !== undefined) e.url = a.url;
  if (a.cached !== undefined) e.cached = a.cached;
  if (a.crl) {
    e.thisUpdate = a.crl.thisUpdate;
    if (a.crl.nextUpdate) e.nextUpdate = a.crl.nextUpdate;
    if (keepDer) e.der = a.crl.der;
  }
  if (a.signer) e.signer = a.signer.subject;
  return e;
}

function dedupe(reasons: StatusReason[]): StatusReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.code}\u0000${r.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Revocation status of `certificate` from `crls` (RFC 5280 §6.3).
 * `good` only when usable CRLs cover every reason and none lists the serial;
 * `revoked` when a usable CRL lists it; `error` otherwise (with reasons). Never throws.
 */
export function checkCrl(certificate: Certificate, crls: readonly CrlInput[], options: CrlCheckOptions): RevocationResult {
  try {
    if (crls.length === 0) {
      return { status: 'error', reasons: [reason(CRL_REASON.missing, 'no CRL was available for the certificate')], evidence: [] };
    }
    const assessments = crls.map((c) => assessCrl(certificate, c, options));
    const relevant = assessments.filter((a) => a.relevant);
    const keepDer = options.keepDer === true;
    const evidence = relevant.map((a) => evidenceOf(a, a.usable ? (a.entry ? 'revoked' : 'good') : 'error', keepDer));
    const revokedBy = relevant.find((a) => a.usable && a.entry);
    if (revokedBy?.entry) {
      const r: RevocationResult = {
        status: 'revoked',
        reasons: [reason(CRL_REASON.revoked, `serial ${certificate.serialHex} is listed on the CRL${revokedBy.entry.reason ? ` (${revokedBy.entry.reason})` : ''}`)],
        evidence,
        revocationTime: revokedBy.entry.revocationDate,
      };
      if (revokedBy.entry.reason) r.revocationReason = revokedBy.entry.reason;
      if (revokedBy.warnings.length > 0) r.warnings = revokedBy.warnings;
      return r;
    }
    const usable = relevant.filter((a) => a.usable);
    const coverage = usable.reduce((m, a) => m | a.coverage, 0);
    if (usable.length > 0 && coverage === ALL_REASONS_MASK) {
      // Cacheable until the earliest expiry among the CRLs relied on.
      const ends = usable.map((a) => a.crl!.nextUpdate?.getTime() ?? a.crl!.thisUpdate.getTime() + (options.maxAgeMs ?? DEFAULT_NO_NEXT_UPDATE_MAX_AGE_MS));
      const r: RevocationResult = { status: 'good', reasons: [], evidence };
      r.validUntil = new Date(Math.min(...ends));
      const warnings = dedupe(usable.flatMap((a) => a.warnings));
      if (warnings.length > 0) r.warnings = warnings;
      return r;
    }
    if (usable.length > 0) {
      return {
        status: 'error',
        reasons: [
          reason(CRL_REASON.reasonsIncomplete, 'the usable CRLs are partitioned by reason (onlySomeReasons) and together do not cover every reason'),
          ...dedupe(relevant.filter((a) => !a.usable).flatMap((a) => a.reasons)),
        ],
        evidence,
      };
    }
    if (relevant.length === 0) {
      return {
        status: 'error',
        reasons: [reason(CRL_REASON.issuerMismatch, 'none of the CRLs was issued by the certificate issuer')],
        evidence: assessments.map((a) => evidenceOf(a, 'error', keepDer)),
      };
    }
    return { status: 'error', reasons: dedupe(relevant.flatMap((a) => a.reasons)), evidence };
  } catch (cause) {
    return { status: 'error', reasons: [reason(CRL_REASON.internal, String((cause as Error)?.stack ?? cause))], evidence: [] };
  }
}

export interface CrlVerifyOptions {
  at?: Date;
  clockSkewMs?: number;
  maxAgeMs?: number;
  /** See {@link CrlCheckOptions.crlNumber}. */
  crlNumber?: CrlNumberRule;
}

/** What `certwarden crl verify` prints. */
export interface CrlVerifyResult {
  status: 'good' | 'revoked' | 'invalid';
  reasons: StatusReason[];
  revocationTime?: Date;
  revocationReason?: RevocationReasonName;
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** cRLNumber in decimal (JSON-safe). */
  crlNumber?: string;
  /** Subject of the certificate whose key verified the CRL. */
  signer?: string;
  /** Set when the CRL has no cRLNumber and was used anyway (the default rule); see `warnings`. */
  crlNumberMissing?: true;
  /** Non-fatal observations with stable codes (`crl-number-missing`). */
  warnings?: StatusReason[];
}

/**
 * One CRL, one certificate, the issuer candidates: the CLI contract
 * (`certwarden crl verify --crl FILE --issuer FILE --cert FILE [--at] [--max-age]`).
 * `invalid` covers every failure (malformed, unauthentic, stale, out of scope, unsupported). Never throws.
 */
export function verifyCrlForCertificate(crlInput: Uint8Array | string | Crl, certificate: Certificate, issuers: readonly Certificate[], options: CrlVerifyOptions = {}): CrlVerifyResult {
  let crl: Crl;
  try {
    crl = toCrl(crlInput);
  } catch (cause) {
    return { status: 'invalid', reasons: [reason(CRL_REASON.malformed, (cause as Error).message)] };
  }
  const result = checkCrl(certificate, [crl], { ...options, issuers });
  const out: CrlVerifyResult = {
    status: result.status === 'good' ? 'good' : result.status === 'revoked' ? 'revoked' : 'invalid',
    reasons: result.reasons,
    thisUpdate: crl.thisUpdate,
  };
  if (crl.nextUpdate) out.nextUpdate = crl.nextUpdate;
  if (crl.crlNumber !== undefined) out.crlNumber = crl.crlNumber.toString(10);
  if (result.revocationTime) out.revocationTime = result.revocationTime;
  if (result.revocationReason) out.revocationReason = result.revocationReason;
  const signer = result.evidence[0]?.signer;
  if (signer !== undefined) out.signer = signer;
  if (result.warnings) {
    out.warnings = result.warnings;
    if (result.warnings.some((w) => w.code === CRL_REASON.crlNumberMissing)) out.crlNumberMissing = true;
  }
  return out;
}
