import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-python-unverified-context',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Python `ssl._create_unverified_context`, `CERT_NONE` or `check_hostname = False`: certificates or names are not verified',
  fix: 'Use `ssl.create_default_context(cafile="/path/to/org-ca.pem")` and keep `check_hostname` and `CERT_REQUIRED` (its defaults).',
  source: CODE_DOCS.python,
  check: (u) => factHits(u, ['python'], ['unverified-context'], (d) => `${d.args[0]}: verification is weakened`),
});
