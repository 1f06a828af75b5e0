import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-client-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'nginx',
  title: 'Client certificates are verified but no client CA file is named',
  fix: 'Add `ssl_client_certificate FILE;` naming only the organisation\'s client CA (the --policy inbound CA is used by --fix).',
  source: `${NGINX_DOCS.ssl}#ssl_client_certificate`,
  check(u, ctx) {
    const d = lookup(u.scopes, 'ssl_verify_client');
    if (!d || d.args[0] === 'off') return 'na';
    if (lookup(u.scopes, 'ssl_client_certificate') || lookup(u.scopes, 'ssl_trusted_certificate')) return [];
    const edits = ctx.fixCa ? setDirective(u, 'ssl_client_certificate', ctx.fixCa) : undefined;
    return [{ message: `ssl_verify_client ${d.args[0]} without ssl_client_certificate or ssl_trusted_certificate`, file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
