/**
 * The PKI the server tests share: root → intermediate → leaves with DNS
 * SANs and an AIA OCSP URL, a delegated OCSP responder, and staples of
 * every kind the scanner must tell apart. Minted at run time; nothing is
 * written to the repository.
 */
import { buildOcspResponse } from '../../../src/ocsp/builder.ts';
import type { Certificate } from '../../../src/x509/certificate.ts';
import { keyPem, makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, type TestIdentity } from '../pki.ts';

export interface ServerIdentity {
  identity: TestIdentity;
  /** Leaf then intermediate, PEM. */
  certChain: string;
  cert: string;
  key: string;
}

export interface TestPki {
  root: TestIdentity;
  intermediate: TestIdentity;
  responder: TestIdentity;
  /** The root, PEM: the one trust anchor. */
  rootPem: string;
  intermediatePem: string;
  /** The AIA OCSP URL written into leaves minted from now on. */
  ocspUrl: string;
  leaf: (dnsName: string, o?: Parameters<typeof makeLeaf>[2]) => ServerIdentity;
  /** A staple for `leaf` signed by the delegated responder, with overrides. */
  staple: (leaf: Certificate, o?: StapleOptions) => Buffer;
}

export interface StapleOptions {
  status?: 'good' | 'revoked' | 'unknown';
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  /** Sign with this identity instead of the delegated responder. */
  signer?: TestIdentity;
  /** Answer for this certificate instead (a staple for the wrong certificate). */
  about?: Certificate;
}

/**
 * Mint a PKI. Leaves point their AIA OCSP URL at `pki.ocspUrl`: set it once
 * a responder for this PKI listens (the responder needs the CA first).
 */
export function makeTestPki(ocspUrl = 'http://127.0.0.1:9/ocsp'): TestPki {
  const root = makeRoot('CN=certwarden Integration Root');
  const intermediate = makeIntermediate(root, 'CN=certwarden Integration Intermediate');
  const responder = makeOcspResponder(intermediate);
  const intermediatePem = intermediate.certificate.toPem();
  const pki: TestPki = {
    ocspUrl,
    root,
    intermediate,
    responder,
    rootPem: root.certificate.toPem(),
    intermediatePem,
    leaf: (dnsName, o = {}) => {
      const identity = makeLeaf(intermediate, dnsName, { ocspUrls: [pki.ocspUrl], ...o });
      const cert = identity.certificate.toPem();
      return { identity, cert, certChain: cert + intermediatePem, key: keyPem(identity.privateKey) };
    },
    staple: (leaf, o = {}) =>
      buildOcspResponse({
        issuer: intermediate.certificate,
        signer: o.signer ?? responder,
        ...(o.signer && !o.signer.certificate.equals(intermediate.certificate) ? { includeSignerCert: true } : {}),
        responses: [
          {
            certificate: o.about ?? leaf,
            status: o.status ?? 'good',
            ...(o.status === 'revoked' ? { revocationTime: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' as const } : {}),
            ...(o.thisUpdate ? { thisUpdate: o.thisUpdate } : {}),
            ...(o.nextUpdate !== undefined ? { nextUpdate: o.nextUpdate } : {}),
          },
        ],
      }),
  };
  return pki;
}
