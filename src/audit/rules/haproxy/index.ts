/** The HAProxy rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { HaproxyUnit } from './unit.ts';
import bindVerifyOptional from './bind-verify-optional.ts';
import bindCaMissing from './bind-ca-missing.ts';
import bindCrlMissing from './bind-crl-missing.ts';
import crtListVerifyNone from './crt-list-verify-none.ts';
import staplingMissing from './stapling-missing.ts';
import serverVerifyNone from './server-verify-none.ts';
import serverCaMissing from './server-ca-missing.ts';
import serverNameUnchecked from './server-name-unchecked.ts';
import globalServerVerifyNone from './global-server-verify-none.ts';

export const HAPROXY_RULES: readonly Rule<HaproxyUnit>[] = [bindVerifyOptional, bindCaMissing, bindCrlMissing, crtListVerifyNone, staplingMissing, serverVerifyNone, serverCaMissing, serverNameUnchecked, globalServerVerifyNone];
