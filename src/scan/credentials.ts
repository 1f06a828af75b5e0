/**
 * Client credentials for the client-authentication probes, minted at scan
 * time (never stored): a self-signed certificate, one issued by a CA nobody
 * trusts, and an expired one from that same CA. A server that verifies client
 * certificates against specific internal CAs (ASVS V9.2.1) must refuse all of
 * them, and must refuse a client that presents none.
 */
import type { KeyObject } from 'node:crypto';
import { createCertificate } from '../x509/builder.ts';
import { generateKeyPair } from '../x509/sign.ts';
import { OID } from '../x509/oids.ts';

export const PROBE_CREDENTIALS = ['none', 'self-signed', 'untrusted-ca', 'expired'] as const;
export type ProbeCredential = (typeof PROBE_CREDENTIALS)[number];

export interface MintedCredential {
  certPem: string;
  keyPem: string;
}

const pem = (k: KeyObject): string => k.export({ format: 'pem', type: 'pkcs8' }) as string;

const DAY = 86_400_000;

export function mintProbeCredentials(now = new Date()): Record<Exclude<ProbeCredential, 'none'>, MintedCredential> {
  const clientProfile = { ca: false, keyUsage: ['digitalSignature' as const], extKeyUsage: [OID.clientAuth] };
  const self = generateKeyPair();
  const selfCert = createCertificate({ subject: 'CN=certwarden probe (self-signed)', publicKey: self.publicKey, selfSignKey: self.privateKey, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + DAY), ...clientProfile });
  const ca = generateKeyPair();
  const caCert = createCertificate({ subject: 'CN=certwarden probe untrusted CA', publicKey: ca.publicKey, selfSignKey: ca.privateKey, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() + DAY) });
  const issuer = { certificate: caCert, privateKey: ca.privateKey };
  const leaf = generateKeyPair();
  const leafCert = createCertificate({ subject: 'CN=certwarden probe (untrusted CA)', publicKey: leaf.publicKey, issuer, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + DAY), ...clientProfile });
  const old = generateKeyPair();
  const oldCert = createCertificate({ subject: 'CN=certwarden probe (expired)', publicKey: old.publicKey, issuer, notBefore: new Date(now.getTime() - 20 * DAY), notAfter: new Date(now.getTime() - 10 * DAY), ...clientProfile });
  return {
    'self-signed': { certPem: selfCert.toPem(), keyPem: pem(self.privateKey) },
    'untrusted-ca': { certPem: leafCert.toPem() + caCert.toPem(), keyPem: pem(leaf.privateKey) },
    expired: { certPem: oldCert.toPem() + caCert.toPem(), keyPem: pem(old.privateKey) },
  };
}
