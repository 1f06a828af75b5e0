/** The Envoy rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { EnvoyUnit } from './unit.ts';
import staplingMissing from './stapling-missing.ts';
import clientVerifyOptional from './client-verify-optional.ts';
import clientCrlMissing from './client-crl-missing.ts';
import upstreamVerifyOff from './upstream-verify-off.ts';
import upstreamSanUnchecked from './upstream-san-unchecked.ts';

export const ENVOY_RULES: readonly Rule<EnvoyUnit>[] = [staplingMissing, clientVerifyOptional, clientCrlMissing, upstreamVerifyOff, upstreamSanUnchecked];
