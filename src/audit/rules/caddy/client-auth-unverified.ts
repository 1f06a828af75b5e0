import { defineRule } from '../rule.ts';
import { child } from '../../config/structured.ts';
import { isCaddyfile } from '../../config/caddy.ts';
import { CADDY_DOCS, clientAuthActive, clientAuths, clientMode, lineEdit, locate, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-client-auth-unverified',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'caddy',
  title: 'client_auth mode `request` or `require` (or no trusted CA): client certificates are asked for but not verified',
  fix: 'Use `mode require_and_verify` with `trusted_ca_cert_file FILE` naming only the organisation\'s client CA.',
  source: CADDY_DOCS.clientAuth,
  check(u, ctx) {
    const all = clientAuths(u);
    if (all.length === 0) return 'na';
    return all.filter((c) => ['request', 'require'].includes(clientMode(c))).map((c) => {
      // A Caddyfile `mode request|require` line if there is one, else the client_auth block (mode left to its default).
      const mode = locate(u, child(c, 'mode') ?? c, /^\s*mode\s+(request|require)\b/);
      const at = child(c, 'mode') || !isCaddyfile(u.config.file.display) ? mode : locate(u, c, /^\s*client_auth\b/);
      // Caddyfile only: `mode request|require` becomes require_and_verify with the policy's CA (opened by caddy adapt, so it must exist).
      const edits = ctx.fixCa ? lineEdit(u, at, { caddyfile: /^mode\s+(request|require)$/, json: /(?!)/ }, { caddyfile: ['mode require_and_verify', `trusted_ca_cert_file ${ctx.fixCa}`], json: [] }) : undefined;
      // An empty block is inactive in Caddy: no certificate is even asked for (still a failure, said as it is).
      const message = clientAuthActive(c) ? `client_auth mode ${clientMode(c)}: any client certificate is accepted unverified` : 'client_auth sets no mode and no trusted CA: Caddy does not ask for a client certificate at all';
      return { message, ...at, ...(edits ? { edits } : {}) };
    });
  },
});
