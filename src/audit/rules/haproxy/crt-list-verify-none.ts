import { defineRule, type Hit } from '../rule.ts';
import { contextLabel, HAPROXY_DOCS, option, rewriteLine, verifyContexts, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-crt-list-verify-none',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: 'A crt-list line says `[verify none]` under a bind that verifies clients: connections selecting that certificate are not asked for one',
  fix: 'Remove `verify none` from the crt-list line\'s `[options]` (or make it `verify required`), so the bind\'s client verification applies to that certificate too.',
  source: `${HAPROXY_DOCS.bind}-crt-list`,
  check(u) {
    const overrides = verifyContexts(u).filter((c) => c.at !== c.bind && c.where.verify === c.at);
    if (overrides.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const c of overrides) {
      const bindVerify = option(c.bind, 'verify') ?? 'none';
      if (c.verify !== 'none' || bindVerify === 'none') continue;
      const edits = rewriteLine(u, c.at, /\bverify\s+none\b/, 'verify required');
      hits.push({ message: `${contextLabel(c)} says verify none while the bind says verify ${bindVerify}`, file: c.at.file, line: c.at.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
