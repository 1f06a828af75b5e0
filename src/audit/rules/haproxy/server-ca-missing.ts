import { defineRule, type Hit } from '../rule.ts';
import { appendToLine, HAPROXY_DOCS, serverOption, tlsServers, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-server-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: 'A verifying TLS server line names no ca-file: no specific CA is trusted for the backend',
  fix: 'Add `ca-file FILE` naming only the backend\'s CA to the server (or default-server) line (the --policy CA is used by --fix).',
  source: `${HAPROXY_DOCS.server}-ca-file`,
  check(u, ctx) {
    // The global default is ignored on purpose: once `ssl-server-verify none` is fixed, these lines verify and need a CA.
    const servers = tlsServers(u).filter((s) => serverOption(s, 'verify') !== 'none');
    if (servers.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const s of servers) {
      if (serverOption(s, 'ca-file') !== undefined) continue;
      const edits = ctx.fixCa ? appendToLine(u, s.server, `ca-file ${ctx.fixCa}`) : undefined;
      hits.push({ message: `server ${s.server.args[0] ?? ''}: verify required with no ca-file`, file: s.server.file, line: s.server.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
