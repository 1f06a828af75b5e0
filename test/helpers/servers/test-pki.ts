/**
 * The PKI the server tests and scan benchmarks share: root → intermediate →
 * leaves with DNS SANs, every certificate below the root pointing its AIA
 * OCSP URL at a live loopback responder (so a scanner that checks the whole
 * chain gets real answers), and staples of every kind a scanner must tell
 * apart. Minted at run time; nothing is written to the repository.
 *
 * Order matters: a responder needs its CA before it can start, and a
 * certificate needs its responder's URL before it is signed, so the root
 * comes first, then the root's responder, the intermediate, its responder,
 * and leaves last.
 */
import { startDemoResponder, type DemoResponder } from '../../../src/demo/responder.ts';
import { buildTamperedOcspResponse, type OcspTamper } from '../../../src/ocsp/internal/response-encoder.ts';
import type { Certificate } from '../../../src/x509/certificate.ts';
import { keyPem, makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, type TestIdentity } from '../pki.ts';

export interface ServerIdentity {
  identity: TestIdentity;
  /** Leaf then intermediate, PEM. */
  certChain: string;
  cert: string;
  key: string;
}

export interface StapleOptions {
  status?: 'good' | 'revoked' | 'unknown';
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  /** Sign with this identity instead of the delegated responder. */
  signer?: TestIdentity;
  /** Answer for this certificate instead (a staple for the wrong certificate). */
  about?: Certificate;
  /** Precise breakage (e.g. a flipped signature bit). */
  tamper?: OcspTamper;
}

export interface TestPki {
  root: TestIdentity;
  intermediate: TestIdentity;
  /** The intermediate's delegated OCSP responder (id-kp-OCSPSigning). */
  responder: TestIdentity;
  /** The root, PEM: the one trust anchor. */
  rootPem: string;
  intermediatePem: string;
  /** The live responder answering for the intermediate's leaves. */
  ocspUrl: string;
  /** Mint a leaf for `dnsName`, known to the live responder as good. */
  leaf: (dnsName: string, o?: Parameters<typeof makeLeaf>[2]) => ServerIdentity;
  /** From now on the live responder answers `revoked` for this leaf. */
  revoke: (leaf: Certificate) => void;
  /** A staple for `leaf` signed by the delegated responder, with overrides. */
  staple: (leaf: Certificate, o?: StapleOptions) => Buffer;
  /** Stop both responders. */
  stop: () => Promise<void>;
}

/** Mint a PKI named `label` with its two live responders on loopback. */
export async function startTestPki(label = 'certwarden Integration'): Promise<TestPki> {
  const root = makeRoot(`CN=${label} Root`);
  // The demo responder reads these sets at request time, so certificates minted after it starts are known to it.
  const rootIssued = new Set<string>();
  const forRoot = await startDemoResponder({ issuer: root, signer: makeOcspResponder(root), revoked: new Set(), issued: rootIssued });
  const intermediate = makeIntermediate(root, `CN=${label} Intermediate`, { ocspUrls: [forRoot.ocspUrl] });
  rootIssued.add(intermediate.certificate.serialHex);
  const issued = new Set<string>();
  const revoked = new Set<string>();
  const interResponder = makeOcspResponder(intermediate);
  let forIntermediate: DemoResponder;
  try {
    forIntermediate = await startDemoResponder({ issuer: intermediate, signer: interResponder, revoked, issued });
  } catch (err) {
    await forRoot.close();
    throw err;
  }
  const intermediatePem = intermediate.certificate.toPem();
  return {
    root,
    intermediate,
    responder: interResponder,
    rootPem: root.certificate.toPem(),
    intermediatePem,
    ocspUrl: forIntermediate.ocspUrl,
    leaf: (dnsName, o = {}) => {
      const identity = makeLeaf(intermediate, dnsName, { ocspUrls: [forIntermediate.ocspUrl], ...o });
      issued.add(identity.certificate.serialHex);
      const cert = identity.certificate.toPem();
      return { identity, cert, certChain: cert + intermediatePem, key: keyPem(identity.privateKey) };
    },
    revoke: (leaf) => revoked.add(leaf.serialHex),
    staple: (leaf, o = {}) =>
      buildTamperedOcspResponse({
        issuer: intermediate.certificate,
        signer: o.signer ?? interResponder,
        ...(o.signer && !o.signer.certificate.equals(intermediate.certificate) ? { includeSignerCert: true } : {}),
        ...(o.tamper ? { tamper: o.tamper } : {}),
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
    stop: async () => {
      await Promise.all([forRoot.close(), forIntermediate.close()]);
    },
  };
}
