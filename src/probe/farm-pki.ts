/**
 * The farm's PKI, minted at run time with the project's builders: the
 * internal root (`{ca}`, the one CA a client is meant to trust), its issuing
 * CA, the odd CAs some cases need, and per case the served chain, its key and
 * its staple. Nothing is stored: every run has fresh keys.
 */
import type { KeyObject } from 'node:crypto';
import { createCertificate, type CertificateTemplate } from '../x509/builder.ts';
import type { Certificate } from '../x509/certificate.ts';
import { OID } from '../x509/oids.ts';
import { generateKeyPair, type KeySpec } from '../x509/sign.ts';
import { buildOcspResponse } from '../ocsp/builder.ts';
import type { CaseId } from './cases.ts';
import type { RevocationServer } from './revocation-server.ts';

const DAY_MS = 86_400_000;
/** CAs were made a year ago and last another; leaves a month ago (older than the stale staple) and for two more. */
const CA_AGE_MS = 365 * DAY_MS;
const LEAF_AGE_MS = 30 * DAY_MS;
const LEAF_LIFETIME_MS = 90 * DAY_MS;
/** The stale staple was produced ten days ago, so its one-day window closed nine days ago. */
const STALE_STAPLE_AGE_MS = 10 * DAY_MS;

/** The host every case is served under except the pinned one: resolvable without DNS (/etc/hosts, or curl's built-in). */
export const CASE_HOST = 'localhost';
/**
 * The pinned self-signed certificate is served under its own host, an IP
 * literal, so a pinning client can pin that one destination and keep trusting
 * {ca} everywhere else (pins and CAs are per destination in real clients).
 */
export const PIN_HOST = '127.0.0.1';

export interface Identity {
  certificate: Certificate;
  privateKey: KeyObject;
}

export interface CaseMaterial {
  /** Served chain, leaf first. */
  chain: Certificate[];
  key: KeyObject;
  /** DER OCSP response stapled when the client asks. */
  staple?: Buffer;
  /** Name in the case URL. */
  host: string;
  /** Serve at OpenSSL security level 0: Node's default (level 1+) refuses to load an RSA-1024 or SHA-1 certificate. */
  weakTls?: boolean;
}

export interface FarmPki {
  root: Identity;
  /** The pinned self-signed certificate (its SPKI pin is `{pin}`). */
  pinned: Identity;
  cases: Map<CaseId, CaseMaterial>;
}

type Issuer = Identity & { name: string };

const ec: KeySpec = { type: 'ec', curve: 'P-256' };

export function mintFarmPki(rev: RevocationServer, now = Date.now()): FarmPki {
  const caValidity = { notBefore: new Date(now - CA_AGE_MS), notAfter: new Date(now + CA_AGE_MS) };

  const ca = (name: string, subject: string, parent: Issuer | undefined, o: Partial<CertificateTemplate> = {}): Issuer => {
    const keys = generateKeyPair(ec);
    const certificate = createCertificate({
      subject,
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
      ...caValidity,
      ...(parent ? { issuer: parent, ocspUrls: [rev.ocspUrl(parent.name)], crlUrls: [rev.crlUrl(parent.name)] } : { selfSignKey: keys.privateKey }),
      ...o,
      publicKey: keys.publicKey,
    });
    const issuer = { name, certificate, privateKey: keys.privateKey };
    rev.addIssuer(issuer);
    if (parent) rev.setStatus(parent.name, certificate.serialHex, 'good');
    return issuer;
  };

  interface LeafOptions extends Partial<CertificateTemplate> {
    key?: KeySpec;
    /** Advertise the issuer's OCSP responder (default true). */
    ocsp?: boolean;
    /** Advertise the issuer's CRL (default true). */
    crl?: boolean;
    status?: 'good' | 'revoked';
  }
  const leaf = (issuer: Issuer, o: LeafOptions = {}): Identity => {
    const keys = generateKeyPair(o.key ?? ec);
    const { key: _k, ocsp = true, crl = true, status = 'good', ...template } = o;
    const certificate = createCertificate({
      subject: `CN=${CASE_HOST}`,
      ca: false,
      keyUsage: keys.publicKey.asymmetricKeyType === 'rsa' ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'],
      extKeyUsage: [OID.serverAuth],
      san: [`DNS:${CASE_HOST}`],
      notBefore: new Date(now - LEAF_AGE_MS),
      notAfter: new Date(now + LEAF_LIFETIME_MS),
      ...(ocsp ? { ocspUrls: [rev.ocspUrl(issuer.name)] } : {}),
      ...(crl ? { crlUrls: [rev.crlUrl(issuer.name)] } : {}),
      ...template,
      publicKey: keys.publicKey,
      issuer,
    });
    rev.setStatus(issuer.name, certificate.serialHex, status);
    return { certificate, privateKey: keys.privateKey };
  };

  const root = ca('root', 'CN=certwarden probe internal root, O=certwarden probe', undefined);
  const issuing = ca('issuing', 'CN=certwarden probe issuing CA, O=certwarden probe', root, { ca: { pathLength: 0 } });
  const revokedCa = ca('revoked-ca', 'CN=certwarden probe revoked CA, O=certwarden probe', root, { ca: { pathLength: 0 } });
  rev.setStatus('root', revokedCa.certificate.serialHex, 'revoked');
  const pathZero = ca('path-zero', 'CN=certwarden probe CA pathLen 0, O=certwarden probe', root, { ca: { pathLength: 0 } });
  const belowPathZero = ca('below-path-zero', 'CN=certwarden probe CA below pathLen 0, O=certwarden probe', pathZero);
  const constrained = ca('constrained', 'CN=certwarden probe constrained CA, O=certwarden probe', root, { ca: { pathLength: 0 }, nameConstraints: { permitted: ['DNS:probe.internal'] } });
  const lookalikeRoot = ca('lookalike-root', 'C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert Global Root G2', undefined);
  const lookalikeCa = ca('lookalike-ca', 'C=US, O=DigiCert Inc, CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1', lookalikeRoot, { ca: { pathLength: 0 } });

  const selfSigned = (host: string, san: string[]): Identity => {
    const keys = generateKeyPair(ec);
    const certificate = createCertificate({
      subject: `CN=${host}`,
      ca: false,
      keyUsage: ['digitalSignature'],
      extKeyUsage: [OID.serverAuth],
      san,
      notBefore: new Date(now - LEAF_AGE_MS),
      notAfter: new Date(now + LEAF_LIFETIME_MS),
      publicKey: keys.publicKey,
      selfSignKey: keys.privateKey,
    });
    return { certificate, privateKey: keys.privateKey };
  };
  const pinned = selfSigned(PIN_HOST, [`IP:${PIN_HOST}`, `DNS:${CASE_HOST}`]);

  const cases = new Map<CaseId, CaseMaterial>();
  const serve = (id: CaseId, l: Identity, chainAbove: Issuer[], extra: Partial<CaseMaterial> = {}): void => {
    cases.set(id, { chain: [l.certificate, ...chainAbove.map((x) => x.certificate)], key: l.privateKey, host: CASE_HOST, ...extra });
  };
  const goodStaple = (issuer: Issuer, l: Identity): Buffer => rev.staple(issuer.name, l.certificate, 'good');

  const control = leaf(issuing);
  serve('control', control, [issuing], { staple: goodStaple(issuing, control) });

  const expired = leaf(issuing, { notBefore: new Date(now - LEAF_LIFETIME_MS), notAfter: new Date(now - DAY_MS) });
  serve('expired', expired, [issuing]);
  const future = leaf(issuing, { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + LEAF_LIFETIME_MS) });
  serve('not-yet-valid', future, [issuing]);
  const wrongHost = leaf(issuing, { subject: 'CN=wrong-host.invalid', san: ['DNS:wrong-host.invalid'] });
  serve('wrong-host', wrongHost, [issuing], { staple: goodStaple(issuing, wrongHost) });
  serve('self-signed', selfSigned(CASE_HOST, [`DNS:${CASE_HOST}`]), []);
  const lookalike = leaf(lookalikeCa);
  serve('untrusted-root', lookalike, [lookalikeCa], { staple: goodStaple(lookalikeCa, lookalike) });
  const incomplete = leaf(issuing);
  serve('incomplete-chain', incomplete, [], { staple: goodStaple(issuing, incomplete) });
  const clientOnly = leaf(issuing, { extKeyUsage: [OID.clientAuth] });
  serve('wrong-eku', clientOnly, [issuing], { staple: goodStaple(issuing, clientOnly) });
  const caLeaf = leaf(issuing, { ca: true, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'] });
  serve('ca-as-leaf', caLeaf, [issuing], { staple: goodStaple(issuing, caLeaf) });
  const tooDeep = leaf(belowPathZero);
  serve('path-len-exceeded', tooDeep, [belowPathZero, pathZero], { staple: goodStaple(belowPathZero, tooDeep) });
  const outside = leaf(constrained);
  serve('name-constraints-violated', outside, [constrained], { staple: goodStaple(constrained, outside) });
  const weak = leaf(issuing, { key: { type: 'rsa', bits: 1024 } });
  serve('weak-key', weak, [issuing], { staple: goodStaple(issuing, weak), weakTls: true });
  const sha1 = leaf(issuing, { hash: 'sha1' });
  serve('sha1-signature', sha1, [issuing], { staple: goodStaple(issuing, sha1), weakTls: true });
  cases.set('pinned-self-signed', { chain: [pinned.certificate], key: pinned.privateKey, host: PIN_HOST });

  const revokedStaple = leaf(issuing, { ocsp: false, crl: false, status: 'revoked' });
  serve('revoked-staple', revokedStaple, [issuing], { staple: rev.staple(issuing.name, revokedStaple.certificate, 'revoked') });
  serve('revoked-ocsp', leaf(issuing, { crl: false, status: 'revoked' }), [issuing]);
  serve('revoked-crl', leaf(issuing, { ocsp: false, status: 'revoked' }), [issuing]);
  const underRevoked = leaf(revokedCa);
  serve('revoked-intermediate', underRevoked, [revokedCa], { staple: goodStaple(revokedCa, underRevoked) });
  serve('must-staple-no-staple', leaf(issuing, { mustStaple: true }), [issuing]);
  const stale = leaf(issuing, { status: 'revoked' });
  serve('stale-staple', stale, [issuing], { staple: rev.staple(issuing.name, stale.certificate, 'good', new Date(now - STALE_STAPLE_AGE_MS)) });
  const forged = leaf(issuing, { status: 'revoked' });
  const sibling = leaf(issuing);
  serve('forged-staple', forged, [issuing], {
    staple: buildOcspResponse({ issuer: issuing.certificate, signer: sibling, includeSignerCert: true, responses: [{ certificate: forged.certificate, status: 'good', thisUpdate: new Date(now - 60_000) }] }),
  });
  serve('responder-down', leaf(issuing, { ocspUrls: [rev.downOcspUrl()], crlUrls: [rev.downCrlUrl()], ocsp: false, crl: false }), [issuing]);
  const unknownLeaf = leaf(issuing, { crl: false });
  rev.setStatus(issuing.name, unknownLeaf.certificate.serialHex, 'unknown');
  serve('unknown-status', unknownLeaf, [issuing]);

  return { root, pinned, cases };
}
