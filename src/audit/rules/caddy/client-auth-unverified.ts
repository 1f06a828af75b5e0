import { defineRule } from '../rule.ts';
import { CADDY_DOCS, clientAuths, clientMode, locate, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-client-auth-unverified',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'caddy',
  title: 'client_auth mode `request` or `require` (or no trusted CA): client certificates are asked for but not verified',
  fix: 'Use `mode require_and_verify` with `trusted_ca_cert_file FILE` naming only the organisation\'s client CA.',
  source: CADDY_DOCS.clientAuth,
  check(u) {
    const all = clientAuths(u);
    if (all.length === 0) return 'na';
    return all.filter((c) => ['request', 'require'].includes(clientMode(c))).map((c) => ({ message: `client_auth mode ${clientMode(c)}: any client certificate is accepted unverified`, ...locate(u, c, /^\s*(mode\s+(request|require)\b|client_auth\b)/) }));
  },
});
