/**
 * Per-certificate checks: everything about one certificate that does not
 * depend on the rest of the path except its role (leaf, intermediate CA,
 * trust anchor). Two profiles:
 *
 *  - 'webpki' (default): RFC 5280 plus the CA/Browser Forum rules that the
 *    web PKI verifiers (rustls-webpki, pyca/cryptography, Chrome) enforce:
 *    v3 only; positive, non-zero serials of at most 20 octets; AKI with a
 *    keyIdentifier on every non-self-issued certificate; SKI on every CA;
 *    critical basicConstraints on CAs; no EKU on a self-signed root; leaf
 *    EKU present, non-critical, without anyExtendedKeyUsage; leaf not a CA;
 *    RSA >= minRsaBits and a multiple of 8, ECDSA on P-256/P-384/P-521 with
 *    named curves only, no DSA.
 *  - 'rfc5280': the RFC 5280 rules only (what NIST PKITS tests).
 */
import { isCertwardenError, ErrorCode } from '../../errors.ts';
import { children, readTlv, TAG, value } from '../../util/der.ts';
import type { Certificate } from '../certificate.ts';
import { OID } from '../oids.ts';
import { decodeOid } from '../signature.ts';
import { parseNameConstraints, NameConstraintError } from './name-constraints.ts';
import { PathReason, type PathReasonCode } from './reasons.ts';

export type Profile = 'webpki' | 'rfc5280';
export type Role = 'leaf' | 'ca' | 'anchor' | 'leaf-anchor';
export type Purpose = 'serverAuth' | 'clientAuth' | 'any';

export interface Finding {
  code: PathReasonCode;
  message: string;
}

export interface ProfileOptions {
  profile: Profile;
  purpose: Purpose;
  minRsaBits: number;
}

/** Extensions this validator processes; any other critical extension rejects the certificate. */
export const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.authorityKeyIdentifier,
  OID.subjectKeyIdentifier,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.cRLDistributionPoints,
  OID.authorityInfoAccess,
  OID.tlsFeature,
  OID.ocspNoCheck,
]);

const NAMED_CURVES = new Set([OID.p256, OID.p384, OID.p521]);

/** Map an exception from a getter to a finding. */
export function findingFromError(e: unknown, what: string): Finding {
  if (isCertwardenError(e) && e.code === ErrorCode.UNSUPPORTED_ALGORITHM) {
    return { code: PathReason.UNSUPPORTED_ALGORITHM, message: `${what}: ${e.message}` };
  }
  if (e instanceof NameConstraintError) return { code: PathReason.MALFORMED_CERTIFICATE, message: `${what}: ${e.message}` };
  return { code: PathReason.MALFORMED_CERTIFICATE, message: `${what}: ${e instanceof Error ? e.message : String(e)}` };
}

function akiFields(cert: Certificate): { keyId: boolean; issuer: boolean; serial: boolean } | undefined {
  const ext = cert.getExtension(OID.authorityKeyIdentifier);
  if (!ext) return undefined;
  const seq = readTlv(ext.value, 0);
  const tags = children(ext.value, seq).map((c) => c.tag);
  return { keyId: tags.includes(0x80), issuer: tags.includes(0xa1), serial: tags.includes(0x82) };
}

function checkKey(cert: Certificate, o: ProfileOptions, out: Finding[]): void {
  const spki = readTlv(cert.spkiDer, 0);
  const [alg] = children(cert.spkiDer, spki);
  if (!alg || alg.tag !== TAG.SEQUENCE) throw new Error('malformed subjectPublicKeyInfo');
  const [oidTlv, params] = children(cert.spkiDer, alg);
  if (!oidTlv || oidTlv.tag !== TAG.OID) throw new Error('malformed subjectPublicKeyInfo algorithm');
  const keyOid = decodeOid(value(cert.spkiDer, oidTlv));
  if (keyOid === OID.ecPublicKey) {
    if (!params || params.tag !== TAG.OID) {
      out.push({ code: PathReason.WEAK_KEY, message: 'EC key with explicit (or missing) curve parameters; only named curves are accepted' });
      return;
    }
    const curve = decodeOid(value(cert.spkiDer, params));
    if (!NAMED_CURVES.has(curve as typeof OID.p256)) {
      out.push({ code: PathReason.WEAK_KEY, message: `EC key on curve ${curve}; only P-256, P-384 and P-521 are accepted` });
      return;
    }
  } else if (keyOid === OID.dsa) {
    if (o.profile === 'webpki') {
      out.push({ code: PathReason.WEAK_KEY, message: 'DSA keys are not accepted in the webpki profile' });
      return;
    }
  } else if (keyOid !== OID.rsaEncryption && keyOid !== OID.rsaPss && keyOid !== OID.ed25519 && keyOid !== OID.ed448) {
    out.push({ code: PathReason.UNSUPPORTED_ALGORITHM, message: `public key algorithm ${keyOid} is not supported` });
    return;
  }
  const key = cert.publicKey; // throws UNSUPPORTED_ALGORITHM when it does not import
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < o.minRsaBits) out.push({ code: PathReason.WEAK_KEY, message: `RSA key of ${bits} bits is below the minimum of ${o.minRsaBits}` });
    else if (o.profile === 'webpki' && bits % 8 !== 0) out.push({ code: PathReason.WEAK_KEY, message: `RSA modulus of ${bits} bits is not a multiple of 8` });
  }
}

function isEmptyName(der: Uint8Array): boolean {
  return der.length === 2;
}

/** All per-certificate findings for `cert` in `role`. Never throws. */
export function checkCertificate(cert: Certificate, role: Role, o: ProfileOptions): Finding[] {
  const out: Finding[] = [];
  const webpki = o.profile === 'webpki';
  const isCaRole = role === 'ca' || role === 'anchor';
  const step = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      out.push(findingFromError(e, what));
    }
  };
  const profile = (message: string): void => void out.push({ code: PathReason.PROFILE_VIOLATION, message });

  step('signature algorithm', () => {
    if (Buffer.compare(cert.signatureAlgorithmDer, cert.innerSignatureAlgorithmDer) !== 0) {
      out.push({ code: PathReason.SIGNATURE_ALGORITHM_MISMATCH, message: 'the signature algorithm inside TBSCertificate differs from the outer one' });
    }
    void cert.signatureAlgorithm;
  });
  step('public key', () => checkKey(cert, o, out));

  // Unknown critical extensions.
  for (const ext of cert.extensions) {
    if (ext.critical && !PROCESSED_EXTENSIONS.has(ext.oid)) {
      out.push({ code: PathReason.UNKNOWN_CRITICAL_EXTENSION, message: `unknown critical extension ${ext.oid}` });
    }
  }
  const crit = (oid: string): boolean | undefined => cert.getExtension(oid)?.critical;

  // Parse every extension we rely on, so a malformed one is found whatever the path.
  let bc: { ca: boolean; pathLength?: number } | undefined;
  let ku: ReadonlySet<string> | undefined;
  let eku: readonly string[] | undefined;
  step('basicConstraints', () => void (bc = cert.basicConstraints));
  step('keyUsage', () => void (ku = cert.keyUsage));
  step('extKeyUsage', () => void (eku = cert.extKeyUsage));
  step('subjectAltName', () => void cert.subjectAltNames);
  step('subjectKeyIdentifier', () => void cert.subjectKeyIdentifier);
  step('authorityKeyIdentifier', () => void cert.authorityKeyIdentifier);
  step('authorityInfoAccess', () => void cert.ocspUrls);
  step('cRLDistributionPoints', () => void cert.crlDistributionPoints);
  step('subject', () => void cert.subject);
  const ncExt = cert.getExtension(OID.nameConstraints);
  if (ncExt) step('nameConstraints', () => void parseNameConstraints(ncExt.value));

  // RFC 5280 structural rules (both profiles).
  if (crit(OID.authorityKeyIdentifier)) profile('authorityKeyIdentifier must not be critical (RFC 5280 §4.2.1.1)');
  if (crit(OID.subjectKeyIdentifier)) profile('subjectKeyIdentifier must not be critical (RFC 5280 §4.2.1.2)');
  if (crit(OID.authorityInfoAccess)) profile('authorityInfoAccess must not be critical (RFC 5280 §4.2.2.1)');
  if (isEmptyName(cert.issuerDer)) profile('empty issuer name (RFC 5280 §4.1.2.4)');
  if (isEmptyName(cert.subjectDer)) {
    if (isCaRole || bc?.ca) profile('CA certificate with an empty subject (RFC 5280 §4.1.2.6)');
    const san = cert.getExtension(OID.subjectAltName);
    if (!san) profile('empty subject without subjectAltName (RFC 5280 §4.1.2.6)');
    else if (!san.critical) profile('subjectAltName must be critical when the subject is empty (RFC 5280 §4.2.1.6)');
  }
  if (ncExt && !(isCaRole || bc?.ca)) profile('nameConstraints in a certificate that is not a CA (RFC 5280 §4.2.1.10)');
  if (ku?.has('keyCertSign') && bc?.ca !== true) {
    out.push({ code: PathReason.KEY_USAGE_INVALID, message: 'keyUsage asserts keyCertSign but basicConstraints cA is not TRUE (RFC 5280 §4.2.1.9)' });
  }

  if (webpki) {
    // RFC 5280 §4.2.1.11 says MUST be critical; PKITS (rfc5280 profile) carries non-critical ones, so only webpki enforces it.
    if (cert.getExtension(OID.policyConstraints) && !crit(OID.policyConstraints)) profile('policyConstraints must be critical (RFC 5280 §4.2.1.11)');
    if (cert.version !== 3) profile(`X.509 v${cert.version} certificate; only v3 is accepted`);
    // Serial rules (CA/B BR 7.1; RFC 5280 §4.1.2.2). Not applied to issuing trust anchors: old roots with serial 0 are still trusted.
    if (role !== 'anchor') {
      const serial = cert.serialBytes;
      if ((serial[0]! & 0x80) !== 0) profile('negative serial number');
      else if (/^0*$/.test(cert.serialHex)) profile('zero serial number');
      else if (cert.serialHex.length > 40) profile('serial number longer than 20 octets');
    }
    // RFC 5280 §4.2.1.1: keyIdentifier in every certificate that is not self-signed. A trust anchor is an input, not checked for it.
    if (!cert.isSelfIssued && role !== 'anchor') {
      step('authorityKeyIdentifier', () => {
        if (!akiFields(cert)) profile('missing authorityKeyIdentifier');
      });
    }
    if (isCaRole) {
      step('authorityKeyIdentifier', () => {
        const aki = akiFields(cert);
        if (aki && (!aki.keyId || aki.issuer || aki.serial)) profile('a CA authorityKeyIdentifier must hold only a keyIdentifier');
        if (aki?.keyId && cert.isSelfIssued && role === 'anchor') {
          const ski = cert.subjectKeyIdentifier;
          const akiId = cert.authorityKeyIdentifier;
          if (ski && akiId && Buffer.compare(ski, akiId) !== 0) profile('self-signed root whose authorityKeyIdentifier differs from its subjectKeyIdentifier');
        }
      });
      if (!cert.getExtension(OID.subjectKeyIdentifier)) profile('CA certificate without subjectKeyIdentifier');
      if (bc?.ca && !crit(OID.basicConstraints)) profile('basicConstraints must be critical in a CA certificate');
      if (role === 'anchor' && cert.isSelfIssued && cert.getExtension(OID.extKeyUsage)) profile('a self-signed root must not carry extKeyUsage (CA/B Forum BR 7.1.2.1.2)');
    }
    const san = cert.getExtension(OID.subjectAltName);
    if (san?.critical && !isEmptyName(cert.subjectDer)) profile('subjectAltName must not be critical when the subject is not empty');
  }

  // Role-specific rules.
  if (isCaRole) {
    if (!bc) out.push({ code: PathReason.NOT_A_CA, message: 'issuer certificate has no basicConstraints' });
    else if (!bc.ca) out.push({ code: PathReason.NOT_A_CA, message: 'issuer certificate has basicConstraints cA=FALSE' });
    if (ku && !ku.has('keyCertSign')) out.push({ code: PathReason.KEY_USAGE_MISSING_CERT_SIGN, message: 'issuer keyUsage does not assert keyCertSign' });
    if (o.purpose !== 'any' && eku && !(role === 'anchor' && cert.isSelfIssued)) {
      const want = o.purpose === 'serverAuth' ? OID.serverAuth : OID.clientAuth;
      if (!eku.includes(want) && !eku.includes(OID.anyExtendedKeyUsage)) {
        out.push({ code: PathReason.EKU_MISMATCH, message: `CA extKeyUsage does not allow ${o.purpose}` });
      }
    }
  } else {
    if (webpki && role === 'leaf' && bc?.ca) out.push({ code: PathReason.LEAF_IS_CA, message: 'end-entity certificate is a CA (basicConstraints cA=TRUE)' });
    if (webpki && role === 'leaf' && o.purpose === 'serverAuth' && !cert.getExtension(OID.subjectAltName)) profile('server certificate without subjectAltName');
    if (o.purpose !== 'any') {
      const want = o.purpose === 'serverAuth' ? OID.serverAuth : OID.clientAuth;
      const strict = webpki && role === 'leaf';
      if (eku === undefined) {
        if (strict && !out.some((f) => f.message.startsWith('extKeyUsage'))) out.push({ code: PathReason.EKU_MISMATCH, message: `end-entity certificate has no extKeyUsage (${o.purpose} required)` });
      } else if (strict) {
        if (!eku.includes(want)) out.push({ code: PathReason.EKU_MISMATCH, message: `extKeyUsage does not include ${o.purpose}` });
        else if (eku.includes(OID.anyExtendedKeyUsage)) profile('anyExtendedKeyUsage in an end-entity certificate (CA/B BR 7.1.2.7.10)');
        else if (crit(OID.extKeyUsage)) profile('extKeyUsage must not be critical in an end-entity certificate');
      } else if (!eku.includes(want) && !eku.includes(OID.anyExtendedKeyUsage)) {
        out.push({ code: PathReason.EKU_MISMATCH, message: `extKeyUsage does not allow ${o.purpose}` });
      }
    }
  }
  return out;
}
