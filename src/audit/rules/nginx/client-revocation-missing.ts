import { defineRule } from '../rule.ts';
import { NGINX_DOCS } from './docs.ts';
import { lookup, setDirective, type NginxUnit } from './unit.ts';

export default defineRule<NginxUnit>({
  id: 'nginx-client-revocation-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'nginx',
  title: 'Client certificates are verified without revocation checking (no ssl_crl, ssl_ocsp off)',
  fix: 'Add `ssl_ocsp on;` (nginx 1.19+, with a resolver when responders are names) or `ssl_crl FILE;` kept fresh from the CA.',
  source: `${NGINX_DOCS.ssl}#ssl_ocsp`,
  check(u) {
    const d = lookup(u.scopes, 'ssl_verify_client');
    if (!d || d.args[0] === 'off') return 'na';
    const ocsp = lookup(u.scopes, 'ssl_ocsp')?.args[0];
    if (lookup(u.scopes, 'ssl_crl') || ocsp === 'on' || ocsp === 'leaf') return [];
    const edits = setDirective(u, 'ssl_ocsp', 'on');
    return [{ message: 'a revoked client certificate is accepted: neither ssl_crl nor ssl_ocsp is set', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
