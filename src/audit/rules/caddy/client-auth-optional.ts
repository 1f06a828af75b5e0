import { defineRule } from '../rule.ts';
import { child } from '../../config/structured.ts';
import { CADDY_DOCS, clientAuths, clientMode, lineEdit, locate, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-client-auth-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'caddy',
  title: 'client_auth mode `verify_if_given`: a connection without a client certificate is let through',
  fix: 'Use `mode require_and_verify`, or check `{tls_client_subject}` on every route that needs a client certificate.',
  source: CADDY_DOCS.clientAuth,
  check(u) {
    const all = clientAuths(u);
    if (all.length === 0) return 'na';
    return all.filter((c) => clientMode(c) === 'verify_if_given').map((c) => {
      const at = locate(u, child(c, 'mode') ?? c, /\bmode\s+verify_if_given\b/);
      const edits = lineEdit(u, at, { caddyfile: /^mode\s+verify_if_given$/, json: /^"mode"\s*:\s*"verify_if_given"$/ }, { caddyfile: ['mode require_and_verify'], json: ['"mode": "require_and_verify"'] });
      return { message: 'client certificates are optional', ...at, ...(edits ? { edits } : {}) };
    });
  },
});
