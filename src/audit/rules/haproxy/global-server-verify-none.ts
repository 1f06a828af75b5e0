import { defineRule } from '../rule.ts';
import { globalServerVerify, HAPROXY_DOCS, rewriteLine, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-global-server-verify-none',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: '`ssl-server-verify none` in global: every server line without its own `verify` skips certificate verification',
  fix: 'Remove `ssl-server-verify none` from global (or set it `required`).',
  source: HAPROXY_DOCS.global,
  check(u) {
    if (u.section.key !== 'global') return 'na';
    const d = globalServerVerify(u);
    if (d?.args[0] !== 'none') return [];
    const edits = rewriteLine(u, d, /\bssl-server-verify\s+none\b/, 'ssl-server-verify required');
    return [{ message: 'ssl-server-verify none turns off backend certificate verification by default', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
