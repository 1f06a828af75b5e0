import { defineRule } from '../rule.ts';
import { TRUST_DOCS, type TrustUnit } from './unit.ts';

export default defineRule<TrustUnit>({
  id: 'trust-store-unreadable',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'trust',
  title: 'A CA file the configuration names cannot be read or holds no certificate: what it trusts cannot be shown',
  fix: 'Point the directive at a readable PEM bundle holding only the CAs meant (or run the audit where the files are).',
  source: TRUST_DOCS,
  check(u) {
    if (u.refs.length === 0) return 'na';
    return u.refs.filter((r) => !r.store.ok).map(({ ref, store }) => ({ message: `${ref.at.name} ${ref.value}: ${store.ok ? '' : store.reason}`, file: ref.at.file, line: ref.at.line }));
  },
});
