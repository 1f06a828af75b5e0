/**
 * The demo fleet: a PKI minted on the spot (root, issuing CA, delegated OCSP
 * responder, CRL, served by responder.ts on loopback) and a handful of Node
 * TLS servers configured well and badly, each with the verdicts the scanner
 * must reach. Everything listens on 127.0.0.1 and is stopped by close().
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { createCertificate, type CertificateTemplate } from '../x509/builder.ts';
import type { Certificate } from '../x509/certificate.ts';
import { generateKeyPair } from '../x509/sign.ts';
import { OID } from '../x509/oids.ts';
import { buildOcspResponse } from '../ocsp/builder.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/types.ts';
import type { RequirementStatus } from '../scan/report.ts';
import { startDemoResponder, type DemoResponder } from './responder.ts';

interface Identity {
  certificate: Certificate;
  privateKey: KeyObject;
}

/** One server of the fleet and what the scan must say about it. */
export interface DemoServer {
  name: string;
  host: string;
  port: number;
  why: string;
  expect: { 'V9.2.1': RequirementStatus; 'V9.2.4': RequirementStatus; findings?: string[] };
}

export interface DemoFleet {
  policy: Policy;
  servers: DemoServer[];
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

function leaf(host: string, issuer: Identity, t: Partial<CertificateTemplate> = {}): Identity {
  return mint(`CN=${host}`, issuer, { ca: false, keyUsage: ['digitalSignature'], extKeyUsage: [OID.serverAuth], san: [`DNS:${host}`], ...t });
}

const pem = (k: KeyObject): string => k.export({ format: 'pem', type: 'pkcs8' }) as string;

interface ServerOptions {
  identity: Identity;
  chain: Identity[];
  staple?: Buffer;
  clientCa?: Identity;
  /** Request a client certificate; `lax` accepts any (rejectUnauthorized: false). */
  mtls?: 'lax' | 'strict';
}

async function serve(o: ServerOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: o.identity.certificate.toPem() + o.chain.map((c) => c.certificate.toPem()).join(''),
      key: pem(o.identity.privateKey),
      ...(o.mtls ? { requestCert: true, rejectUnauthorized: o.mtls === 'strict', ...(o.clientCa ? { ca: o.clientCa.certificate.toPem() } : {}) } : {}),
    },
    (s) => {
      s.on('error', () => {});
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n'));
    },
  );
  server.on('tlsClientError', () => {});
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if (o.staple) {
    const staple = o.staple;
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) => cb(null, staple));
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function buildDemoFleet(): Promise<DemoFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'certwarden-demo-'));
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.map((c) => c()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const root = mint('CN=Demo Root CA, O=certwarden demo', null, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notAfter: new Date(Date.now() + 3650 * DAY) });
    const rootIssued = new Set<string>();
    const rootResponder: DemoResponder = await startDemoResponder({ issuer: root, signer: root, revoked: new Set(), issued: rootIssued });
    closers.push(() => rootResponder.close());
    const issuing = mint('CN=Demo Issuing CA, O=certwarden demo', root, { ca: { pathLength: 0 }, keyUsage: ['keyCertSign', 'cRLSign'], ocspUrls: [rootResponder.ocspUrl], crlUrls: [rootResponder.crlUrl] });
    rootIssued.add(issuing.certificate.serialHex);
    const responderCert = mint('CN=Demo OCSP Responder', issuing, { ca: false, keyUsage: ['digitalSignature'], extKeyUsage: [OID.ocspSigning], ocspNoCheck: true, notAfter: new Date(Date.now() + 7 * DAY) });
    const revoked = new Set<string>();
    const issued = new Set<string>();
    const responder = await startDemoResponder({ issuer: issuing, signer: responderCert, revoked, issued });
    closers.push(() => responder.close());
    const sources = { ocspUrls: [responder.ocspUrl], crlUrls: [responder.crlUrl] };
    const issue = (host: string): Identity => {
      const id = leaf(host, issuing, sources);
      issued.add(id.certificate.serialHex);
      return id;
    };
    const staple = (id: Identity, status: 'good' | 'revoked' = 'good'): Buffer =>
      buildOcspResponse({ issuer: issuing.certificate, signer: responderCert, responses: [{ certificate: id.certificate, status, ...(status === 'revoked' ? { revocationTime: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' as const } : {}) }] });

    const good = issue('good.demo');
    const unstapled = issue('nostaple.demo');
    const revokedLeaf = issue('revoked.demo');
    revoked.add(revokedLeaf.certificate.serialHex);
    const rogueRoot = mint('CN=Rogue Root CA', null, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
    const rogue = leaf('rogue.demo', rogueRoot);
    const lax = issue('mtls-lax.demo');
    const strict = issue('mtls-strict.demo');
    const clientCa = mint('CN=Demo Client CA', null, { ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });

    writeFileSync(join(dir, 'root.pem'), root.certificate.toPem());
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\ntrust:\n  cas: [root.pem]   # only the demo root\n  system: false\nrevocation:\n  mode: hard-fail\n  check: chain\n');
    const policy = loadPolicy(join(dir, 'policy.yaml'));

    const specs: Array<Omit<DemoServer, 'port'> & { options: ServerOptions }> = [
      { name: 'good', host: 'good.demo', why: 'internal CA, good staple on TLS 1.2 and 1.3, OCSP and CRL good', options: { identity: good, chain: [issuing], staple: staple(good) }, expect: { 'V9.2.1': 'pass', 'V9.2.4': 'pass' } },
      { name: 'stapling off', host: 'nostaple.demo', why: 'trusted chain, but no OCSP staple', options: { identity: unstapled, chain: [issuing] }, expect: { 'V9.2.1': 'pass', 'V9.2.4': 'fail', findings: ['staple-missing'] } },
      { name: 'revoked', host: 'revoked.demo', why: 'the certificate is revoked (staple and responder say so)', options: { identity: revokedLeaf, chain: [issuing], staple: staple(revokedLeaf, 'revoked') }, expect: { 'V9.2.1': 'pass', 'V9.2.4': 'fail', findings: ['staple-revoked', 'revoked'] } },
      { name: 'untrusted CA', host: 'rogue.demo', why: 'issued by a CA the policy does not trust', options: { identity: rogue, chain: [rogueRoot] }, expect: { 'V9.2.1': 'fail', 'V9.2.4': 'fail', findings: ['chain-untrusted'] } },
      { name: 'lax mTLS', host: 'mtls-lax.demo', why: 'asks for a client certificate and accepts any (rejectUnauthorized: false)', options: { identity: lax, chain: [issuing], staple: staple(lax), mtls: 'lax', clientCa }, expect: { 'V9.2.1': 'fail', 'V9.2.4': 'pass', findings: ['client-auth-accepts-untrusted'] } },
      { name: 'strict mTLS', host: 'mtls-strict.demo', why: 'requires a client certificate from its client CA', options: { identity: strict, chain: [issuing], staple: staple(strict), mtls: 'strict', clientCa }, expect: { 'V9.2.1': 'pass', 'V9.2.4': 'pass', findings: ['client-auth-enforced'] } },
    ];
    const servers: DemoServer[] = [];
    for (const s of specs) {
      const running = await serve(s.options);
      closers.push(running.close);
      servers.push({ name: s.name, host: s.host, port: running.port, why: s.why, expect: s.expect });
    }
    return { policy, servers, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
