import { defineRule, type Hit } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { isOn, lookup, setForPass, TLS_SCHEMES, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-upstream-verify-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'nginx',
  title: 'A TLS upstream (https://, grpcs://, suwsgi://) is used without verifying its certificate (*_ssl_verify is not on)',
  fix: 'Add `proxy_ssl_verify on;` (grpc_ssl_verify / uwsgi_ssl_verify) with *_ssl_trusted_certificate naming the CA that issues the upstream\'s certificate.',
  source: `${NGINX_DOCS.proxy}#proxy_ssl_verify`,
  check(u) {
    const tls = u.passes.filter((p) => p.scheme !== undefined && TLS_SCHEMES.has(p.scheme));
    if (tls.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const p of tls) {
      if (isOn(lookup(p.scopes, `${p.module}_ssl_verify`))) continue;
      const edits = setForPass(u, p, `${p.module}_ssl_verify`, 'on');
      hits.push({ message: `${p.directive.name} ${p.directive.args[0]} (${p.scheme}) accepts any certificate: ${p.module}_ssl_verify is off`, file: p.directive.file, line: p.directive.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
