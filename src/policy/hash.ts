/**
 * The policy hash recorded in evidence: SHA-256 over the canonical source
 * (the parsed document as JSON with sorted keys: comments and formatting do
 * not count) and the DER of every resolved CA certificate, so that replacing a
 * CA file's contents changes the hash even though the policy text did not.
 */
import { createHash } from 'node:crypto';
import type { CaSource, Policy } from './types.ts';

const DOMAIN = 'certwarden-policy-hash/1';

function caSourceLists(policy: Pick<Policy, 'trust' | 'destinations' | 'inbound'>): (readonly CaSource[])[] {
  return [policy.trust.caSources, ...policy.destinations.map((d) => d.trust.caSources), policy.inbound?.trust.caSources ?? []];
}

/** Lowercase hex SHA-256. */
export function computePolicyHash(policy: Pick<Policy, 'canonical' | 'trust' | 'destinations' | 'inbound'>): string {
  const h = createHash('sha256');
  const frame = (bytes: Uint8Array): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  };
  frame(Buffer.from(DOMAIN));
  frame(Buffer.from(policy.canonical, 'utf8'));
  for (const list of caSourceLists(policy)) {
    frame(Buffer.from(String(list.length)));
    for (const source of list) {
      frame(Buffer.from(String(source.certificates.length)));
      for (const cert of source.certificates) frame(cert.der);
    }
  }
  return h.digest('hex');
}

/** SHA-256 (hex) of the policy's canonical source and resolved CA DER, for evidence. */
export function policyHash(policy: Policy): string {
  return computePolicyHash(policy);
}
