import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-proxy-peer-name-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'apache',
  title: 'SSLProxyCheckPeerName off: a backend certificate for any name is accepted',
  fix: 'Remove `SSLProxyCheckPeerName off` or set it `on` (the default).',
  source: `${APACHE_DOCS.ssl}#sslproxycheckpeername`,
  check(u) {
    if (arg(lookup(u, 'sslproxyengine')) !== 'on') return 'na';
    const d = lookup(u, 'sslproxycheckpeername');
    if (arg(d) !== 'off') return [];
    const edits = setDirective(u, 'SSLProxyCheckPeerName', 'on');
    return [{ message: 'SSLProxyCheckPeerName off: the backend certificate\'s name is not checked', file: d!.file, line: d!.line, ...(edits ? { edits } : {}) }];
  },
});
