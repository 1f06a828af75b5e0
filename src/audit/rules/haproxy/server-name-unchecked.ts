import { isIP } from 'node:net';
import { defineRule, type Hit } from '../rule.ts';
import { HAPROXY_DOCS, serverOption, tlsServers, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-server-name-unchecked',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'haproxy',
  title: 'A verifying TLS server line has neither `verifyhost` nor `sni`: any certificate from the CA is accepted, whatever name it is for',
  fix: 'Add `verifyhost NAME` (or `sni str(NAME)`, which HAProxy 2.2+ also checks the certificate against) to the server line.',
  source: `${HAPROXY_DOCS.server}-verifyhost`,
  check(u) {
    const servers = tlsServers(u).filter((s) => serverOption(s, 'verify') !== 'none');
    if (servers.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const s of servers) {
      if (serverOption(s, 'verifyhost') !== undefined || serverOption(s, 'sni') !== undefined) continue;
      const address = (s.server.args[1] ?? '').replace(/:\d+$/, '');
      hits.push({ message: `server ${s.server.args[0] ?? ''} ${s.server.args[1] ?? ''}: the certificate's name is not checked${isIP(address) ? ' (the server is named by address)' : ''}`, file: s.server.file, line: s.server.line });
    }
    return hits;
  },
});
