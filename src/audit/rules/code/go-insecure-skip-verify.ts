import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-go-insecure-skip-verify',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Go `tls.Config{InsecureSkipVerify: true}`: the server\'s certificate chain and name are not verified (token-level check)',
  fix: 'Remove `InsecureSkipVerify: true`; set `RootCAs` to a pool holding the organisation\'s CA (and `ServerName` when dialing an address).',
  source: CODE_DOCS.go,
  check: (u) =>
    factHits(u, ['go'], ['insecure-skip-verify'], (d) => `${d.args[0]}: certificate verification is off`, {
      // The field's zero value, false, verifies; a line holding only the field (gofmt's layout) is deleted.
      line: [/^InsecureSkipVerify\s*:\s*true\s*,$/],
      inline: [
        { from: /,\s*InsecureSkipVerify\s*:\s*true\b/, to: '' },
        { from: /\bInsecureSkipVerify\s*:\s*true\s*,\s*/, to: '' },
      ],
    }),
});
