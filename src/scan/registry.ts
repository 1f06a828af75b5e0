/**
 * Every scan check, in one typed table, in the order they run and are
 * reported: adding a check touches its module and one line here. Finding ids
 * (findings.ts), the check-id union and the HTML sections all derive from it.
 */
import type { Check } from './check.ts';
import { trustChainCheck } from './checks/trust-chain.ts';
import { keyStrengthCheck } from './checks/key-strength.ts';
import { clientAuthCheck } from './checks/client-auth.ts';
import { staplingCheck } from './checks/stapling.ts';
import { revocationStatusCheck } from './checks/revocation-status.ts';
import { certificateExpiryCheck } from './checks/certificate-expiry.ts';

export const CHECKS = [trustChainCheck, keyStrengthCheck, certificateExpiryCheck, clientAuthCheck, staplingCheck, revocationStatusCheck] as const satisfies readonly Check[];

export type RegisteredCheck = (typeof CHECKS)[number];
export type CheckId = RegisteredCheck['id'];
