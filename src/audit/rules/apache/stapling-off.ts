import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-stapling-off',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'apache',
  title: 'A TLS virtual host does not staple OCSP responses (SSLUseStapling is not on)',
  fix: 'Add `SSLUseStapling on` to the virtual host and `SSLStaplingCache shmcb:...` at server level.',
  source: `${APACHE_DOCS.ssl}#sslusestapling`,
  check(u) {
    if (!u.tls) return 'na';
    const d = lookup(u, 'sslusestapling');
    if (arg(d) === 'on') return [];
    const at = d ?? u.vhost;
    const edits = setDirective(u, 'SSLUseStapling', 'on');
    return [{ message: d ? `SSLUseStapling ${d.args[0] ?? ''}` : 'SSLUseStapling is not set (default off)', file: at?.file ?? u.config.file.display, line: at?.line ?? 1, ...(edits ? { edits } : {}) }];
  },
});
