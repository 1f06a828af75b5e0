/** The Apache httpd rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { ApacheUnit } from './unit.ts';
import staplingOff from './stapling-off.ts';
import staplingCacheMissing from './stapling-cache-missing.ts';
import staplingResponderErrors from './stapling-responder-errors.ts';
import clientVerifyOptionalNoCa from './client-verify-optional-no-ca.ts';
import clientVerifyOptional from './client-verify-optional.ts';
import clientCaMissing from './client-ca-missing.ts';
import clientRevocationMissing from './client-revocation-missing.ts';
import proxyVerifyOff from './proxy-verify-off.ts';
import proxyCaMissing from './proxy-ca-missing.ts';
import proxyPeerNameOff from './proxy-peer-name-off.ts';
import proxyPeerExpireOff from './proxy-peer-expire-off.ts';

export const APACHE_RULES: readonly Rule<ApacheUnit>[] = [
  staplingOff,
  staplingCacheMissing,
  staplingResponderErrors,
  clientVerifyOptionalNoCa,
  clientVerifyOptional,
  clientCaMissing,
  clientRevocationMissing,
  proxyVerifyOff,
  proxyCaMissing,
  proxyPeerNameOff,
  proxyPeerExpireOff,
];
