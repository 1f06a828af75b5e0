import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-node-check-server-identity-noop',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Node.js `checkServerIdentity` that returns nothing: a certificate for any name is accepted',
  fix: 'Call `tls.checkServerIdentity(host, cert)` first and return its error; add pin checks after it, never instead of it.',
  source: `${CODE_DOCS.node.replace(/#.*$/, '')}#tlscheckserveridentityhostname-cert`,
  check: (u) => factHits(u, ['javascript'], ['check-server-identity-noop'], (d) => `${d.args[0]}: the host name is never checked`),
});
