/** The nginx rules, in the order they are reported. Adding one touches this list and one new file. */
import type { Rule } from '../rule.ts';
import type { NginxUnit } from './unit.ts';
import staplingOff from './stapling-off.ts';
import staplingVerifyOff from './stapling-verify-off.ts';
import staplingTrustedMissing from './stapling-trusted-certificate-missing.ts';
import staplingResolverMissing from './stapling-resolver-missing.ts';
import clientVerifyOptionalNoCa from './client-verify-optional-no-ca.ts';
import clientVerifyOptional from './client-verify-optional.ts';
import clientCaMissing from './client-ca-missing.ts';
import clientRevocationMissing from './client-revocation-missing.ts';
import upstreamVerifyOff from './upstream-verify-off.ts';
import upstreamTrustMissing from './upstream-trust-missing.ts';
import upstreamSniOff from './upstream-sni-off.ts';

export const NGINX_RULES: readonly Rule<NginxUnit>[] = [
  staplingOff,
  staplingVerifyOff,
  staplingTrustedMissing,
  staplingResolverMissing,
  clientVerifyOptionalNoCa,
  clientVerifyOptional,
  clientCaMissing,
  clientRevocationMissing,
  upstreamVerifyOff,
  upstreamTrustMissing,
  upstreamSniOff,
];
