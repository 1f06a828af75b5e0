/**
 * V9.2.1 (informational): the server key's type and size and the signature
 * algorithms of the served chain. Weak keys and weak signatures already fail
 * path validation (trust-chain); this check reports what is there so an
 * auditor can see it.
 */
import type { Check } from '../check.ts';
import { finding } from '../findings.ts';

const ID = 'key-strength';

export interface KeyStrengthDetails {
  keyType: string;
  keyBits?: number;
  curve?: string;
  signatureAlgorithms: string[];
}

export const keyStrengthCheck: Check<KeyStrengthDetails> = {
  id: ID,
  requirement: 'V9.2.1',
  title: 'Key and signature strength (informational)',
  needs: ['tls12-flight', 'handshakes'],
  async run(ctx) {
    const t = await ctx.trust();
    const leaf = t.served[0]!;
    const key = leaf.publicKey;
    const d = key.asymmetricKeyDetails ?? {};
    const details: KeyStrengthDetails = {
      keyType: key.asymmetricKeyType ?? 'unknown',
      ...(d.modulusLength ? { keyBits: d.modulusLength } : {}),
      ...(d.namedCurve ? { curve: d.namedCurve } : {}),
      signatureAlgorithms: t.served.map((c) => {
        try {
          return c.signatureAlgorithm.name;
        } catch {
          return 'unsupported';
        }
      }),
    };
    const size = details.keyBits ? `${details.keyBits}-bit` : details.curve ?? '';
    return {
      findings: [
        finding(ID, 'key-info', `server key: ${details.keyType}${size ? ` ${size}` : ''}`, { ...details }),
        finding(ID, 'signature-info', `signatures: ${details.signatureAlgorithms.join(', ')}`),
      ],
      details,
    };
  },
};
