import { defineRule, type Hit } from '../rule.ts';
import { contextLabel, HAPROXY_DOCS, rewriteLine, verifyContexts, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-verify-optional',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: '`bind ... verify optional` (or `[verify optional]` on a crt-list line): clients without a valid certificate are let through',
  fix: 'Use `verify required` on the bind line or crt-list line that says `verify optional` (with ca-file and crl-file).',
  source: `${HAPROXY_DOCS.bind}-verify`,
  check(u) {
    const contexts = verifyContexts(u).filter((c) => c.verify !== 'none');
    if (contexts.length === 0) return 'na';
    const hits: Hit[] = [];
    const seen = new Set<string>();
    for (const c of contexts) {
      const at = c.where.verify;
      if (c.verify === 'required' || seen.has(`${at.file}:${at.line}`)) continue;
      seen.add(`${at.file}:${at.line}`);
      const edits = rewriteLine(u, at, /\bverify\s+optional\b/, 'verify required');
      hits.push({ message: `${contextLabel({ ...c, at })} verify ${c.verify}: a missing or failed client certificate does not end the handshake`, file: at.file, line: at.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
