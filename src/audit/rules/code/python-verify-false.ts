import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-python-verify-false',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Python HTTP call with `verify=False` (requests, httpx, ...): any certificate is accepted',
  fix: 'Remove `verify=False`; pass `verify="/path/to/org-ca.pem"` naming the CA that issues the server\'s certificate.',
  source: CODE_DOCS.requests,
  check: (u) =>
    factHits(u, ['python'], ['verify-false'], (d) => `${d.args[0]}: certificate verification is off`, {
      // Removing the argument restores requests/httpx's default, verify=True.
      line: [/^verify\s*=\s*False\s*,?$/],
      inline: [
        { from: /,\s*verify\s*=\s*False\b/, to: '' },
        { from: /\(\s*verify\s*=\s*False\s*,\s*/, to: '(' },
      ],
    }),
});
