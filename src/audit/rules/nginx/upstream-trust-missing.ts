import { defineRule, type Hit } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setForPass, TLS_SCHEMES, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-upstream-trust-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'nginx',
  title: 'A TLS upstream has no specific trust store (*_ssl_trusted_certificate is not set)',
  fix: 'Add `proxy_ssl_trusted_certificate FILE;` naming only the CA that issues the upstream\'s certificate (the --policy CA is used by --fix).',
  source: `${NGINX_DOCS.proxy}#proxy_ssl_trusted_certificate`,
  check(u, ctx) {
    const tls = u.passes.filter((p) => p.scheme !== undefined && TLS_SCHEMES.has(p.scheme));
    if (tls.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const p of tls) {
      if (lookup(p.scopes, `${p.module}_ssl_trusted_certificate`)) continue;
      const edits = ctx.fixCa ? setForPass(u, p, `${p.module}_ssl_trusted_certificate`, ctx.fixCa) : undefined;
      hits.push({ message: `${p.directive.name} ${p.directive.args[0]}: no ${p.module}_ssl_trusted_certificate, so no specific CA is trusted for this upstream`, file: p.directive.file, line: p.directive.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
