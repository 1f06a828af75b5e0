import { defineRule } from '../rule.ts';
import { child, value } from '../../config/structured.ts';
import { CADDY_DOCS, locate, proxyTransports, type CaddyUnit } from './unit.ts';

export default defineRule<CaddyUnit>({
  id: 'caddy-proxy-insecure-skip-verify',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'caddy',
  title: 'reverse_proxy transport with `insecure_skip_verify` (Caddyfile `tls_insecure_skip_verify`): the backend certificate is not verified',
  fix: 'Remove `tls_insecure_skip_verify`; name the backend\'s CA with `tls_trusted_ca_certs FILE` (JSON `root_ca_pem_files`) and its name with `tls_server_name`.',
  source: CADDY_DOCS.transport,
  check(u) {
    const transports = proxyTransports(u);
    if (transports.length === 0) return 'na';
    return transports.filter((t) => value(t, 'insecure_skip_verify') === 'true').map((t) => ({ message: 'the backend certificate is not verified', ...locate(u, child(t, 'insecure_skip_verify')!, /\btls_insecure_skip_verify\b/) }));
  },
});
