/** Every scan check, in one typed table: adding a check touches its module and one line here. */
import type { Check } from './check.ts';
import { trustChainCheck } from './checks/trust-chain.ts';
import { keyStrengthCheck } from './checks/key-strength.ts';
import { clientAuthCheck } from './checks/client-auth.ts';
import { staplingCheck } from './checks/stapling.ts';
import { revocationStatusCheck } from './checks/revocation-status.ts';
import { certificateExpiryCheck } from './checks/certificate-expiry.ts';

export const CHECKS: readonly Check<unknown>[] = [
  trustChainCheck as Check<unknown>,
  keyStrengthCheck as Check<unknown>,
  certificateExpiryCheck as Check<unknown>,
  clientAuthCheck as Check<unknown>,
  staplingCheck as Check<unknown>,
  revocationStatusCheck as Check<unknown>,
];
