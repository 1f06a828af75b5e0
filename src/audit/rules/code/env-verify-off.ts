import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-env-verify-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: '`NODE_TLS_REJECT_UNAUTHORIZED=0` (or `PYTHONHTTPSVERIFY=0`) turns certificate verification off for the whole process (code, env file, Dockerfile or Kubernetes manifest)',
  fix: 'Remove the variable; give the client the CA it needs instead (`NODE_EXTRA_CA_CERTS=FILE` for Node, `SSL_CERT_FILE`/`REQUESTS_CA_BUNDLE` for Python).',
  source: CODE_DOCS.nodeEnv,
  check: (u) =>
    factHits(u, ['javascript', 'python', 'env', 'dockerfile', 'manifest'], ['env-verify-off'], (d) => `${d.args[0]}: every TLS connection of the process skips certificate verification`, {
      // Only lines that set the variable and nothing else are deleted (a Kubernetes name/value pair spans two lines: text only).
      line: [
        /^(export\s+)?(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)\s*=\s*(["']?)0\3$/,
        /^(ENV|ARG)\s+(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)(\s*=\s*|\s+)(["']?)0\4$/,
        /^process\.env(\.|\[["'])(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)(["']\])?\s*=\s*(["']?)0\4\s*;?$/,
        /^os\.environ\[(["'])(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)\1\]\s*=\s*(["'])0\3$/,
        /^-\s*(["']?)(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)=0\1$/,
      ],
      inline: [],
    }),
});
