/** The code and deployment-file rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { CodeUnit } from './unit.ts';
import nodeRejectUnauthorizedFalse from './node-reject-unauthorized-false.ts';
import envVerifyOff from './env-verify-off.ts';
import nodeCheckServerIdentityNoop from './node-check-server-identity-noop.ts';
import pythonVerifyFalse from './python-verify-false.ts';
import pythonUnverifiedContext from './python-unverified-context.ts';
import goInsecureSkipVerify from './go-insecure-skip-verify.ts';
import javaTrustAll from './java-trust-all.ts';
import clientDefaultTrust from './client-default-trust.ts';

export const CODE_RULES: readonly Rule<CodeUnit>[] = [nodeRejectUnauthorizedFalse, envVerifyOff, nodeCheckServerIdentityNoop, pythonVerifyFalse, pythonUnverifiedContext, goInsecureSkipVerify, javaTrustAll, clientDefaultTrust];
