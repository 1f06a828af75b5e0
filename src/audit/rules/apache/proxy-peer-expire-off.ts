import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-proxy-peer-expire-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'SSLProxyCheckPeerExpire off: an expired backend certificate is accepted',
  fix: 'Remove `SSLProxyCheckPeerExpire off` or set it `on` (the default).',
  source: `${APACHE_DOCS.ssl}#sslproxycheckpeerexpire`,
  check(u) {
    if (arg(lookup(u, 'sslproxyengine')) !== 'on') return 'na';
    const d = lookup(u, 'sslproxycheckpeerexpire');
    if (arg(d) !== 'off') return [];
    const edits = setDirective(u, 'SSLProxyCheckPeerExpire', 'on');
    return [{ message: 'SSLProxyCheckPeerExpire off: the backend certificate\'s validity dates are not checked', file: d!.file, line: d!.line, ...(edits ? { edits } : {}) }];
  },
});
