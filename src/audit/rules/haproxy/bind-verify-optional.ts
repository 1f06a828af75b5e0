import { defineRule, type Hit } from '../rule.ts';
import { HAPROXY_DOCS, option, rewriteLine, tlsBinds, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-verify-optional',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: '`bind ... verify optional`: clients without a valid certificate are let through',
  fix: 'Use `verify required` on the bind line (with ca-file and crl-file).',
  source: `${HAPROXY_DOCS.bind}-verify`,
  check(u) {
    const binds = tlsBinds(u).filter((b) => option(b, 'verify') !== undefined && option(b, 'verify') !== 'none');
    if (binds.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const b of binds) {
      if (option(b, 'verify') === 'required') continue;
      const edits = rewriteLine(u, b, /\bverify\s+optional\b/, 'verify required');
      hits.push({ message: `bind ${b.args[0] ?? ''} verify ${option(b, 'verify')}: a missing or failed client certificate does not end the handshake`, file: b.file, line: b.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
