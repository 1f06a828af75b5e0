import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-client-verify-optional-no-ca',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'SSLVerifyClient optional_no_ca: client certificates are not verified against any CA',
  fix: 'Use `SSLVerifyClient require` with SSLCACertificateFile naming the organisation\'s client CA.',
  source: `${APACHE_DOCS.ssl}#sslverifyclient`,
  check(u) {
    const d = lookup(u, 'sslverifyclient');
    if (!d || arg(d) === 'none') return 'na';
    if (arg(d) !== 'optional_no_ca') return [];
    const edits = setDirective(u, 'SSLVerifyClient', 'require');
    return [{ message: 'SSLVerifyClient optional_no_ca accepts any client certificate', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
