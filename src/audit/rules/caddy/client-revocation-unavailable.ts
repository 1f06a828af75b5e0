import { defineRule } from '../rule.ts';
import { CADDY_DOCS, clientAuths, clientMode, locate, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-client-revocation-unavailable',
  requirement: 'V9.2.4',
  severity: 'medium',
  dialect: 'caddy',
  title: 'Client certificates are verified but Caddy (2.6) has no CRL or OCSP check for them: a revoked client certificate is accepted',
  fix: 'Keep client certificates short-lived (hours to days) from the organisation\'s CA, or terminate mTLS in front of Caddy with a server that checks CRLs (nginx `ssl_crl`, HAProxy `crl-file`).',
  source: CADDY_DOCS.clientAuth,
  check(u) {
    const verifying = clientAuths(u).filter((c) => ['require_and_verify', 'verify_if_given'].includes(clientMode(c)));
    if (verifying.length === 0) return 'na';
    return verifying.map((c) => ({ message: `client_auth ${clientMode(c)} without any revocation check`, ...locate(u, c, /\bclient_auth\b/) }));
  },
});
