import { defineRule, type Hit } from '../rule.ts';
import { globalServerVerify, HAPROXY_DOCS, option, rewriteLine, serverOption, tlsServers, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-server-verify-none',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'haproxy',
  title: 'A TLS server line does not verify the backend certificate (`verify none`, or `ssl-server-verify none` in global)',
  fix: 'Use `verify required ca-file FILE` on the server line (and `verifyhost NAME` or `sni`), and remove `ssl-server-verify none`.',
  source: `${HAPROXY_DOCS.server}-verify`,
  check(u, ctx) {
    const servers = tlsServers(u);
    if (servers.length === 0) return 'na';
    const global = globalServerVerify(u)?.args[0];
    const hits: Hit[] = [];
    for (const s of servers) {
      const verify = serverOption(s, 'verify') ?? (global === 'none' ? 'none' : 'required');
      if (verify !== 'none') continue;
      const ca = serverOption(s, 'ca-file') ?? ctx.fixCa;
      const edits = option(s.server, 'verify') === 'none' && ca ? rewriteLine(u, s.server, /\bverify\s+none\b/, serverOption(s, 'ca-file') ? 'verify required' : `verify required ca-file ${ca}`) : undefined;
      hits.push({ message: `server ${s.server.args[0] ?? ''} ${s.server.args[1] ?? ''}: the backend certificate is not verified${option(s.server, 'verify') ? '' : ' (ssl-server-verify none in global)'}`, file: s.server.file, line: s.server.line, ...(edits ? { edits } : {}) });
    }
    return hits;
  },
});
