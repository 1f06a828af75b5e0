import { isIP } from 'node:net';
import { defineRule, type Hit } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { isOn, lookup, setForPass, TLS_SCHEMES, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-upstream-sni-off',
  requirement: 'V9.2.1',
  severity: 'low',
  dialect: 'nginx',
  title: 'A TLS upstream is contacted without SNI (*_ssl_server_name is not on), or its certificate is checked against an address or upstream group name',
  fix: 'Add `proxy_ssl_server_name on;` and, when proxy_pass names an address or an upstream group, `proxy_ssl_name SERVICE-NAME;`.',
  source: `${NGINX_DOCS.proxy}#proxy_ssl_server_name`,
  check(u) {
    const tls = u.passes.filter((p) => p.scheme !== undefined && TLS_SCHEMES.has(p.scheme));
    if (tls.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const p of tls) {
      const name = lookup(p.scopes, `${p.module}_ssl_name`);
      const host = (p.host ?? '').replace(/^\[|\]$/g, '');
      if (!name && (isIP(host) !== 0 || u.upstreamNames.has(host) || host.includes('$'))) {
        hits.push({ message: `${p.directive.name} ${p.directive.args[0]}: the certificate is checked against "${host}" (an address, a variable or an upstream group), not the service's name; set ${p.module}_ssl_name`, file: p.directive.file, line: p.directive.line });
        continue;
      }
      if (isOn(lookup(p.scopes, `${p.module}_ssl_server_name`))) continue;
      const edits = setForPass(u, p, `${p.module}_ssl_server_name`, 'on');
      hits.push({ message: `${p.directive.name} ${p.directive.args[0]}: SNI is not sent (${p.module}_ssl_server_name off), so a shared upstream may present another name's certificate`, file: p.directive.file, line: p.directive.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
