import { defineRule, type Hit } from '../rule.ts';
import { addToContext, contextLabel, HAPROXY_DOCS, verifyContexts, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: 'Client certificates are requested (verify optional/required, on the bind or a crt-list line) with no ca-file',
  fix: 'Add `ca-file FILE` naming only the organisation\'s client CA to the bind line (or the crt-list line\'s `[options]`) (the --policy CA is used by --fix).',
  source: `${HAPROXY_DOCS.bind}-ca-file`,
  check(u, ctx) {
    const contexts = verifyContexts(u).filter((c) => c.verify === 'required' || c.verify === 'optional');
    if (contexts.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const c of contexts) {
      if (c.caFile !== undefined) continue;
      const edits = ctx.fixCa ? addToContext(u, c, `ca-file ${ctx.fixCa}`) : undefined;
      hits.push({ message: `${contextLabel(c)} verify ${c.verify} without ca-file`, file: c.at.file, line: c.at.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
