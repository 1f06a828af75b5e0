/**
 * The demo: a small PKI minted on the spot, a revocation responder on
 * loopback, and a set of chains that certwarden must accept or reject.
 * Everything lives in a temporary folder and in memory, and is removed after.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import type { KeyObject } from 'node:crypto';
import { createCertificate, type CertificateTemplate } from '../x509/builder.ts';
import type { Certificate } from '../x509/certificate.ts';
import { generateKeyPair } from '../x509/sign.ts';
import { OID } from '../x509/oids.ts';
import { buildOcspResponse } from '../ocsp/builder.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/types.ts';
import { startDemoResponder, type DemoResponder } from './responder.ts';

interface Identity {
  certificate: Certificate;
  privateKey: KeyObject;
}

export interface DemoCase {
  name: string;
  host: string;
  chain: Certificate[];
  staple?: Uint8Array;
  expectTrusted: boolean;
  why: string;
}

export interface DemoFleet {
  policy: Policy;
  cases: DemoCase[];
  close(): Promise<void>;
}

const DAY = 86_400_000;

function mint(subject: string, issuer: Identity | null, t: Partial<CertificateTemplate> = {}): Identity {
  const keys = generateKeyPair();
  const certificate = createCertificate({
    subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 90 * DAY),
    ...t,
    publicKey: keys.publicKey,
    ...(issuer ? { issuer } : { selfSignKey: keys.privateKey }),
  });
  return { certificate, privateKey: keys.privateKey };
}

function serverLeaf(host: string, issuer: Identity, t: Partial<CertificateTemplate> = {}): Identity {
  return mint(`CN=${host}`, issuer, { ca: false, keyUsage: ['digitalSignature'], extKeyUsage: [OID.serverAuth], san: [`DNS:${host}`], ...t });
}

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function buildDemoFleet(): Promise<DemoFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'certwarden-demo-'));
  const root = mint('CN=Demo Root CA, O=certwarden demo', null, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notAfter: new Date(Date.now() + 3650 * DAY) });
  const revoked = new Set<string>();
  const issued = new Set<string>();
  let responder: DemoResponder | undefined;
  let rootResponder: DemoResponder | undefined;
  try {
    // The root answers for the issuing CA itself (signed by the root key), so the whole chain is checked.
    const rootIssued = new Set<string>();
    rootResponder = await startDemoResponder({ issuer: root, signer: root, revoked: new Set(), issued: rootIssued });
    const issuing = mint('CN=Demo Issuing CA, O=certwarden demo', root, {
      ca: { pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      ocspUrls: [rootResponder.ocspUrl],
      crlUrls: [rootResponder.crlUrl],
    });
    rootIssued.add(issuing.certificate.serialHex);
    const responderCert = mint('CN=Demo OCSP Responder', issuing, { ca: false, keyUsage: ['digitalSignature'], extKeyUsage: [OID.ocspSigning], ocspNoCheck: true, notAfter: new Date(Date.now() + 7 * DAY) });
    responder = await startDemoResponder({ issuer: issuing, signer: responderCert, revoked, issued });
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const withOcsp = { ocspUrls: [responder.ocspUrl], crlUrls: [responder.crlUrl] };
    const track = (id: Identity): Identity => (issued.add(id.certificate.serialHex), id);

    const good = track(serverLeaf('good.demo', issuing, withOcsp));
    const revokedLeaf = track(serverLeaf('revoked.demo', issuing, withOcsp));
    revoked.add(revokedLeaf.certificate.serialHex);
    const crlRevoked = track(serverLeaf('crl-only.demo', issuing, { crlUrls: [responder.crlUrl] }));
    revoked.add(crlRevoked.certificate.serialHex);
    const expired = track(serverLeaf('expired.demo', issuing, { ...withOcsp, notBefore: new Date(Date.now() - 100 * DAY), notAfter: new Date(Date.now() - 10 * DAY) }));
    const mustStaple = track(serverLeaf('must-staple.demo', issuing, { ...withOcsp, mustStaple: true }));
    const stapled = track(serverLeaf('stapled.demo', issuing, withOcsp));
    const unreachable = track(serverLeaf('down.demo', issuing, { ocspUrls: [`${dead}/ocsp`], crlUrls: [`${dead}/crl`] }));
    const unreachableSoft = track(serverLeaf('api.soft.demo', issuing, { ocspUrls: [`${dead}/ocsp`], crlUrls: [`${dead}/crl`] }));
    const rogueRoot = mint('CN=Rogue Root CA', null, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
    const rogue = serverLeaf('good.demo', rogueRoot);
    const pinnedSelf = mint('CN=pinned.demo', null, { ca: false, san: ['DNS:pinned.demo'], extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'] });
    const unpinnedSelf = mint('CN=unpinned.demo', null, { ca: false, san: ['DNS:unpinned.demo'], extKeyUsage: [OID.serverAuth], keyUsage: ['digitalSignature'] });
    const backupKey = generateKeyPair();
    const backupPin = createCertificate({ subject: 'CN=backup', publicKey: backupKey.publicKey, selfSignKey: backupKey.privateKey }).spkiSha256;

    const goodStaple = buildOcspResponse({ issuer: issuing.certificate, signer: responderCert, responses: [{ certificate: stapled.certificate, status: 'good' }] });
    const sibling = serverLeaf('sibling.demo', issuing);
    const forgedStaple = buildOcspResponse({ issuer: issuing.certificate, signer: sibling, includeSignerCert: true, responses: [{ certificate: stapled.certificate, status: 'good' }] });

    writeFileSync(join(dir, 'root.pem'), root.certificate.toPem());
    writeFileSync(
      join(dir, 'policy.yaml'),
      [
        'version: 1',
        'trust:',
        '  cas: [root.pem]          # only the demo root: a rogue CA is rejected',
        '  system: false',
        'revocation:',
        '  mode: hard-fail',
        'destinations:',
        '  - match: "pinned.demo"',
        '    trust:',
        `      pins: ["sha256/${pinnedSelf.certificate.spkiSha256}", "sha256/${backupPin}"]`,
        '  - match: "*.soft.demo"',
        '    revocation:',
        '      mode: soft-fail',
        '',
      ].join('\n'),
    );
    const policy = loadPolicy(join(dir, 'policy.yaml'));
    const chain = (leaf: Identity): Certificate[] => [leaf.certificate, issuing.certificate];
    const cases: DemoCase[] = [
      { name: 'good', host: 'good.demo', chain: chain(good), expectTrusted: true, why: 'chains to the internal root, OCSP says good' },
      { name: 'revoked (OCSP)', host: 'revoked.demo', chain: chain(revokedLeaf), expectTrusted: false, why: 'the responder says revoked' },
      { name: 'revoked (CRL)', host: 'crl-only.demo', chain: chain(crlRevoked), expectTrusted: false, why: 'no OCSP URL; listed on the CRL' },
      { name: 'untrusted CA', host: 'good.demo', chain: [rogue.certificate], expectTrusted: false, why: 'issued by a CA the policy does not trust' },
      { name: 'expired', host: 'expired.demo', chain: chain(expired), expectTrusted: false, why: 'validity ended 10 days ago' },
      { name: 'wrong host', host: 'other.demo', chain: chain(good), expectTrusted: false, why: 'the name is not in the subjectAltName' },
      { name: 'pinned self-signed', host: 'pinned.demo', chain: [pinnedSelf.certificate], expectTrusted: true, why: 'its key is pinned: it is its own anchor' },
      { name: 'unpinned self-signed', host: 'unpinned.demo', chain: [unpinnedSelf.certificate], expectTrusted: false, why: 'self-signed and not pinned' },
      { name: 'valid staple', host: 'stapled.demo', chain: chain(stapled), staple: goodStaple, expectTrusted: true, why: 'stapled response signed by the delegated responder' },
      { name: 'forged staple', host: 'stapled.demo', chain: chain(stapled), staple: forgedStaple, expectTrusted: false, why: 'staple signed by a sibling leaf without OCSPSigning' },
      { name: 'Must-Staple, no staple', host: 'must-staple.demo', chain: chain(mustStaple), expectTrusted: false, why: 'RFC 7633 certificate served without a staple' },
      { name: 'responder down, hard-fail', host: 'down.demo', chain: chain(unreachable), expectTrusted: false, why: 'status cannot be established' },
      { name: 'responder down, soft-fail', host: 'api.soft.demo', chain: chain(unreachableSoft), expectTrusted: true, why: 'soft-fail rule: admitted, and reported as soft-failed' },
    ];
    const r = responder;
    const rr = rootResponder;
    return {
      policy,
      cases,
      close: async () => {
        await Promise.all([r.close(), rr.close()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await responder?.close();
    await rootResponder?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
