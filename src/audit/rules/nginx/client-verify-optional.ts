import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-client-verify-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'nginx',
  title: 'ssl_verify_client optional: a connection without a client certificate is let through',
  fix: 'Use `ssl_verify_client on;`, or check `$ssl_client_verify = SUCCESS` on every location that needs it.',
  source: `${NGINX_DOCS.ssl}#ssl_verify_client`,
  check(u) {
    const d = lookup(u.scopes, 'ssl_verify_client');
    if (!d || d.args[0] === 'off') return 'na';
    if (d.args[0] !== 'optional') return [];
    const edits = setDirective(u, 'ssl_verify_client', 'on');
    return [{ message: 'ssl_verify_client optional lets clients without a certificate in; only $ssl_client_verify tells them apart', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
