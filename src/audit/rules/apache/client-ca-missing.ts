import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-client-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'Client certificates are verified but neither SSLCACertificateFile nor SSLCACertificatePath is set',
  fix: 'Add `SSLCACertificateFile FILE` naming only the organisation\'s client CA (the --policy CA is used by --fix).',
  source: `${APACHE_DOCS.ssl}#sslcacertificatefile`,
  check(u, ctx) {
    const d = lookup(u, 'sslverifyclient');
    if (!d || arg(d) === 'none') return 'na';
    if (lookup(u, 'sslcacertificatefile') || lookup(u, 'sslcacertificatepath')) return [];
    const edits = ctx.fixCa ? setDirective(u, 'SSLCACertificateFile', ctx.fixCa) : undefined;
    return [{ message: `SSLVerifyClient ${d.args[0]} without a client CA`, file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
