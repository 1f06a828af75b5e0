import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-node-reject-unauthorized-false',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Node.js TLS client with `rejectUnauthorized: false`: any certificate, from anyone, is accepted',
  fix: 'Remove `rejectUnauthorized: false` and pass `ca:` with the CA that issues the server\'s certificate (or a pinned certificate with checkServerIdentity).',
  source: CODE_DOCS.node,
  check: (u) =>
    factHits(u, ['javascript'], ['reject-unauthorized-false'], (d) => `${d.args[0]}: certificate verification is off`, {
      // Removing the option restores Node's default, rejectUnauthorized: true.
      line: [/^rejectUnauthorized\s*:\s*false\s*,?$/, /^[\w$.]+\.rejectUnauthorized\s*=\s*false\s*;?$/],
      inline: [
        { from: /\{\s*rejectUnauthorized\s*:\s*false\s*\}/, to: '{}' },
        { from: /,\s*rejectUnauthorized\s*:\s*false\b/, to: '' },
        { from: /\brejectUnauthorized\s*:\s*false\s*,\s*/, to: '' },
      ],
    }),
});
