import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-proxy-verify-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'SSLProxyEngine is on but backend certificates are not verified (SSLProxyVerify is not require)',
  fix: 'Add `SSLProxyVerify require` with SSLProxyCACertificateFile naming the backend\'s CA.',
  source: `${APACHE_DOCS.ssl}#sslproxyverify`,
  check(u) {
    if (arg(lookup(u, 'sslproxyengine')) !== 'on') return 'na';
    const d = lookup(u, 'sslproxyverify');
    if (arg(d) === 'require') return [];
    const at = d ?? lookup(u, 'sslproxyengine')!;
    const edits = setDirective(u, 'SSLProxyVerify', 'require');
    return [{ message: `SSLProxyVerify ${d?.args[0] ?? 'none (default)'}: any backend certificate is accepted`, file: at.file, line: at.line, ...(edits ? { edits } : {}) }];
  },
});
