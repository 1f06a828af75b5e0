import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-proxy-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'SSLProxyEngine is on with no SSLProxyCACertificateFile/Path: no specific CA is trusted for backends',
  fix: 'Add `SSLProxyCACertificateFile FILE` naming only the backend\'s CA (the --policy CA is used by --fix).',
  source: `${APACHE_DOCS.ssl}#sslproxycacertificatefile`,
  check(u, ctx) {
    const engine = lookup(u, 'sslproxyengine');
    if (arg(engine) !== 'on') return 'na';
    if (lookup(u, 'sslproxycacertificatefile') || lookup(u, 'sslproxycacertificatepath')) return [];
    const edits = ctx.fixCa ? setDirective(u, 'SSLProxyCACertificateFile', ctx.fixCa) : undefined;
    return [{ message: 'no SSLProxyCACertificateFile or SSLProxyCACertificatePath', file: engine!.file, line: engine!.line, ...(edits ? { edits } : {}) }];
  },
});
