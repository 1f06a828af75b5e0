/**
 * Test PKIs minted at test time. No private key is ever committed: every
 * test builds the certificates it needs with these helpers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createCertificate, type CertificateTemplate } from '../../src/x509/builder.ts';
import type { Certificate } from '../../src/x509/certificate.ts';
import { OID } from '../../src/x509/oids.ts';
import { generateKeyPair, type KeySpec } from '../../src/x509/sign.ts';

export interface TestIdentity {
  certificate: Certificate;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

type Overrides = Partial<Omit<CertificateTemplate, 'publicKey'>> & { key?: KeySpec };

/** A CA certificate: self-signed when `parent` is absent. */
function makeCa(parent: TestIdentity | undefined, name: string, lifetimeDays: number, o: Overrides): TestIdentity {
  const keys = generateKeyPair(o.key);
  const certificate = createCertificate({
    subject: name,
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + lifetimeDays * 86_400_000),
    ...o,
    publicKey: keys.publicKey,
    ...(parent ? { issuer: { certificate: parent.certificate, privateKey: parent.privateKey } } : { selfSignKey: keys.privateKey }),
  });
  return { certificate, ...keys };
}

export function makeRoot(name = 'CN=Test Root CA', o: Overrides = {}): TestIdentity {
  return makeCa(undefined, name, 3650, o);
}

export function makeIntermediate(parent: TestIdentity, name = 'CN=Test Intermediate CA', o: Overrides = {}): TestIdentity {
  return makeCa(parent, name, 1825, o);
}

export function makeLeaf(issuer: TestIdentity, dnsName = 'localhost', o: Overrides = {}): TestIdentity {
  const keys = generateKeyPair(o.key);
  const certificate = createCertificate({
    subject: `CN=${dnsName}`,
    ca: false,
    keyUsage: ['digitalSignature', 'keyEncipherment'].filter((k) => o.key?.type === 'rsa' || k === 'digitalSignature') as ['digitalSignature'],
    extKeyUsage: [OID.serverAuth, OID.clientAuth],
    san: [`DNS:${dnsName}`, 'IP:127.0.0.1'],
    ...o,
    publicKey: keys.publicKey,
    issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey },
  });
  return { certificate, ...keys };
}

/** A delegated OCSP responder certificate (RFC 6960 §4.2.2.2). */
export function makeOcspResponder(issuer: TestIdentity, o: Overrides = {}): TestIdentity {
  return makeLeaf(issuer, 'OCSP Responder', {
    san: undefined,
    extKeyUsage: [OID.ocspSigning],
    keyUsage: ['digitalSignature'],
    ocspNoCheck: true,
    ...o,
  });
}

export function keyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'certwarden-test-'): { dir: string; cleanup: () => void; write: (name: string, data: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}
