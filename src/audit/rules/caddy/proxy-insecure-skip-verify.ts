import { defineRule } from '../rule.ts';
import { child, value } from '../../config/structured.ts';
import { CADDY_DOCS, lineEdit, locate, proxyTransports, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-proxy-insecure-skip-verify',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'caddy',
  title: 'reverse_proxy transport with `insecure_skip_verify` (Caddyfile `tls_insecure_skip_verify`): the backend certificate is not verified',
  fix: 'Remove `tls_insecure_skip_verify`; name the backend\'s CA with `tls_trusted_ca_certs FILE` (JSON `root_ca_pem_files`) and its name with `tls_server_name`.',
  source: CADDY_DOCS.transport,
  check(u, ctx) {
    const transports = proxyTransports(u);
    if (transports.length === 0) return 'na';
    return transports.filter((t) => value(t, 'insecure_skip_verify') === 'true').map((t) => {
      const at = locate(u, child(t, 'insecure_skip_verify')!, /\btls_insecure_skip_verify\b/);
      // The skip is removed; where the transport names no CA yet, the policy's CA takes its place (Caddy 2.6: tls_trusted_ca_certs / root_ca_pem_files).
      const ca = ctx.fixCa && !child(t, 'root_ca_pem_files') ? ctx.fixCa : undefined;
      const edits = lineEdit(u, at, { caddyfile: /^tls_insecure_skip_verify$/, json: /^"insecure_skip_verify"\s*:\s*true$/ }, { caddyfile: ca ? [`tls_trusted_ca_certs ${ca}`] : [], json: ca ? [`"root_ca_pem_files": [${JSON.stringify(ca)}]`] : [] });
      return { message: 'the backend certificate is not verified', ...at, ...(edits ? { edits } : {}) };
    });
  },
});
