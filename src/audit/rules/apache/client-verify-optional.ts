import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-client-verify-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'apache',
  title: 'SSLVerifyClient optional: a connection without a client certificate is let through',
  fix: 'Use `SSLVerifyClient require`, or require `%{SSL_CLIENT_VERIFY} == "SUCCESS"` where access needs it.',
  source: `${APACHE_DOCS.ssl}#sslverifyclient`,
  check(u) {
    const d = lookup(u, 'sslverifyclient');
    if (!d || arg(d) === 'none') return 'na';
    if (arg(d) !== 'optional') return [];
    const edits = setDirective(u, 'SSLVerifyClient', 'require');
    return [{ message: 'SSLVerifyClient optional lets clients without a certificate in', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
