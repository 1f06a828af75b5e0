/**
 * V9.2.1 (informational): the server key's type and size and the signature
 * algorithms of the served chain. Weak keys and weak signatures already fail
 * path validation (trust-chain); this check reports what is there so an
 * auditor can see it.
 */
import { findingsOf, type Check } from '../check.ts';
import { findingSpec } from '../../report/model.ts';

const ID = 'key-strength';

/** Every finding this check emits (docs/scan.md, schema/scan-report.schema.json). */
export const KEY_STRENGTH_FINDINGS = {
  'key-info': findingSpec('V9.2.1', 'info', 'Key type and size of the server certificate'),
  'signature-info': findingSpec('V9.2.1', 'info', 'Signature algorithms in the chain'),
} as const;
type KeyStrengthFindingId = keyof typeof KEY_STRENGTH_FINDINGS;
const finding = findingsOf(ID, KEY_STRENGTH_FINDINGS);

export interface KeyStrengthDetails {
  keyType: string;
  keyBits?: number;
  curve?: string;
  signatureAlgorithms: string[];
}

export const keyStrengthCheck: Check<typeof ID, KeyStrengthFindingId, KeyStrengthDetails> = {
  id: ID,
  findings: KEY_STRENGTH_FINDINGS,
  requirement: 'V9.2.1',
  title: 'Key and signature strength (informational)',
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
        finding('key-info', `server key: ${details.keyType}${size ? ` ${size}` : ''}`, { ...details }),
        finding('signature-info', `signatures: ${details.signatureAlgorithms.join(', ')}`),
      ],
      details,
    };
  },
};
