/** The Caddy rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { CaddyUnit } from './unit.ts';
import staplingOff from './stapling-off.ts';
import proxyInsecureSkipVerify from './proxy-insecure-skip-verify.ts';
import clientAuthUnverified from './client-auth-unverified.ts';
import clientAuthOptional from './client-auth-optional.ts';
import clientRevocationUnavailable from './client-revocation-unavailable.ts';

export const CADDY_RULES: readonly Rule<CaddyUnit>[] = [staplingOff, proxyInsecureSkipVerify, clientAuthUnverified, clientAuthOptional, clientRevocationUnavailable];
