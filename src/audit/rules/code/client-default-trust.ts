import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, internalOnly, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-client-default-trust',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'code',
  title: 'An HTTPS client with the runtime\'s default (public) trust while the policy trusts only the organisation\'s CAs (`trust.system: false`): `new https.Agent({...})` without `ca`, `requests.get(...)` without `verify=`',
  fix: 'Pass the organisation\'s CA: `new https.Agent({ ca })` in Node, `verify="/path/to/org-ca.pem"` in requests/httpx.',
  source: CODE_DOCS.requests,
  check: (u, ctx) => (internalOnly(ctx) ? factHits(u, ['javascript', 'python'], ['agent-without-ca', 'requests-without-ca'], (d) => `${d.args[0]}: trusts every public CA, the policy trusts only its own`) : 'na'),
});
