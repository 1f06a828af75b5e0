/** One PKI for the enforcement tests: root → intermediate → leaves, a delegated OCSP responder, and a policy builder. */
import { loadPolicy } from '../../../src/policy/load.ts';
import type { Policy } from '../../../src/policy/types.ts';
import { createCertificate } from '../../../src/x509/builder.ts';
import { generateKeyPair } from '../../../src/x509/sign.ts';
import { OID } from '../../../src/x509/oids.ts';
import { makeIntermediate, makeLeaf, makeOcspResponder, makeRoot, type TestIdentity } from '../../helpers/pki.ts';

export interface TestPki {
  root: TestIdentity;
  inter: TestIdentity;
  responder: TestIdentity;
}

export function makePki(name = 'Enforce'): TestPki {
  const root = makeRoot(`CN=${name} Root`);
  const inter = makeIntermediate(root, `CN=${name} Issuing CA`);
  return { root, inter, responder: makeOcspResponder(inter) };
}

/** A leaf for `host` under the intermediate, with the given revocation pointers. */
export function leafFor(pki: TestPki, host: string, o: { ocspUrl?: string; crlUrl?: string; mustStaple?: boolean; notAfter?: Date; notBefore?: Date } = {}): TestIdentity {
  return makeLeaf(pki.inter, host, {
    ...(o.ocspUrl ? { ocspUrls: [o.ocspUrl] } : {}),
    ...(o.crlUrl ? { crlUrls: [o.crlUrl] } : {}),
    ...(o.mustStaple ? { mustStaple: true } : {}),
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
  });
}

export function selfSigned(name: string): TestIdentity {
  const k = generateKeyPair();
  const certificate = createCertificate({ subject: `CN=${name}`, publicKey: k.publicKey, selfSignKey: k.privateKey, ca: false, san: [`DNS:${name}`, 'IP:127.0.0.1'], extKeyUsage: [OID.serverAuth, OID.clientAuth], keyUsage: ['digitalSignature'] });
  return { certificate, ...k };
}

/** A policy trusting the PKI's root, with revocation settings merged in. */
export function policyFor(pki: TestPki | undefined, o: { revocation?: Record<string, unknown>; pins?: string[]; inbound?: Record<string, unknown>; trust?: Record<string, unknown> } = {}): Policy {
  const trust: Record<string, unknown> = { ...(pki ? { cas: [pki.root.certificate.toPem()] } : {}), ...(o.pins ? { pins: o.pins } : {}), ...(o.trust ?? {}) };
  return loadPolicy({ version: 1, trust, revocation: { mode: 'hard-fail', check: 'leaf', ...(o.revocation ?? {}) }, ...(o.inbound ? { inbound: o.inbound } : {}) }, { baseDir: process.cwd() });
}
