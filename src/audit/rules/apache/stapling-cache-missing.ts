import { defineRule } from '../rule.ts';
import { APACHE_DOCS, insertServerWide, lookup, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-stapling-cache-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'apache',
  title: 'No SSLStaplingCache: Apache cannot staple (it refuses to start with SSLUseStapling on and no cache)',
  fix: 'Add `SSLStaplingCache "shmcb:logs/ssl_stapling(32768)"` at server level (outside <VirtualHost>).',
  source: `${APACHE_DOCS.ssl}#sslstaplingcache`,
  check(u) {
    if (!u.tls) return 'na';
    if (u.global.some((d) => d.key === 'sslstaplingcache')) return [];
    const edits = insertServerWide(u, 'SSLStaplingCache', '"shmcb:logs/ssl_stapling(32768)"');
    const at = lookup(u, 'sslusestapling') ?? u.vhost;
    return [{ message: 'SSLStaplingCache is not configured at server level', file: at?.file ?? u.config.file.display, line: at?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
