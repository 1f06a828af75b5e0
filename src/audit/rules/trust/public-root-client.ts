import { defineRule } from '../rule.ts';
import { TRUST_DOCS, type TrustUnit } from './unit.ts';

export default defineRule<TrustUnit>({
  id: 'trust-store-public-root-client',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'trust',
  title: 'A client-CA file holds public roots (often the OS bundle): anyone with a certificate from a public CA can authenticate',
  fix: 'Name a file holding only the organisation\'s client CA (the policy\'s inbound client-cas).',
  source: TRUST_DOCS,
  check(u) {
    const client = u.refs.filter((r) => r.ref.role === 'client' && r.store.ok);
    if (client.length === 0) return 'na';
    return client.flatMap(({ ref, store }) => {
      const pub = store.ok ? store.certificates.filter((c) => c.class === 'public') : [];
      return pub.length === 0 ? [] : [{ message: `${ref.at.name} ${ref.value} holds ${pub.length} public root(s) (e.g. ${pub[0]!.subject})`, file: ref.at.file, line: ref.at.line }];
    });
  },
});
