import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-client-verify-optional-no-ca',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'nginx',
  title: 'ssl_verify_client optional_no_ca: client certificates are requested but not verified against any CA',
  fix: 'Use `ssl_verify_client on;` with ssl_client_certificate naming the organisation\'s client CA.',
  source: `${NGINX_DOCS.ssl}#ssl_verify_client`,
  check(u) {
    const d = lookup(u.scopes, 'ssl_verify_client');
    if (!d || d.args[0] === 'off') return 'na';
    if (d.args[0] !== 'optional_no_ca') return [];
    const edits = setDirective(u, 'ssl_verify_client', 'on');
    return [{ message: 'ssl_verify_client optional_no_ca accepts any client certificate, trusted or not', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
