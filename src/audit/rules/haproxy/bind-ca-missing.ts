import { defineRule, type Hit } from '../rule.ts';
import { appendToLine, HAPROXY_DOCS, option, tlsBinds, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: 'Client certificates are requested (verify optional/required) with no ca-file',
  fix: 'Add `ca-file FILE` naming only the organisation\'s client CA to the bind line (the --policy CA is used by --fix).',
  source: `${HAPROXY_DOCS.bind}-ca-file`,
  check(u, ctx) {
    const binds = tlsBinds(u).filter((b) => option(b, 'verify') === 'required' || option(b, 'verify') === 'optional');
    if (binds.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const b of binds) {
      if (option(b, 'ca-file') !== undefined || b.included?.length) continue;
      const edits = ctx.fixCa ? appendToLine(u, b, `ca-file ${ctx.fixCa}`) : undefined;
      hits.push({ message: `bind ${b.args[0] ?? ''} verify ${option(b, 'verify')} without ca-file`, file: b.file, line: b.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
