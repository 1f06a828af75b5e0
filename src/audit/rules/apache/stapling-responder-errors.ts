import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-stapling-responder-errors',
  requirement: 'V9.2.4',
  severity: 'low',
  dialect: 'apache',
  title: 'SSLStaplingReturnResponderErrors is on (the default): responder errors are stapled to clients instead of a valid response',
  fix: 'Add `SSLStaplingReturnResponderErrors off` next to SSLUseStapling.',
  source: `${APACHE_DOCS.ssl}#sslstaplingreturnrespondererrors`,
  check(u) {
    if (!u.tls) return 'na';
    const d = lookup(u, 'sslstaplingreturnrespondererrors');
    if (arg(d) === 'off') return [];
    const at = d ?? u.vhost;
    const edits = setDirective(u, 'SSLStaplingReturnResponderErrors', 'off');
    return [{ message: 'OCSP responder errors (tryLater, unauthorized, stale responses) are passed to clients as staples', file: at?.file ?? u.config.file.display, line: at?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
