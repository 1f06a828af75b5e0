import { defineRule } from '../rule.ts';
import { TRUST_DOCS, type TrustUnit } from './unit.ts';

export default defineRule<TrustUnit>({
  id: 'trust-store-public-root-not-allowed',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'trust',
  title: 'An upstream trust store holds public roots while the policy says `system: false`',
  fix: 'Name a file holding only the CAs and pinned certificates of the policy, or allow public roots in the policy on purpose.',
  source: TRUST_DOCS,
  check(u) {
    const refs = u.refs.filter((r) => r.ref.role === 'upstream' && r.store.ok);
    if (!u.policy || refs.length === 0) return 'na';
    if (u.policy.trust.system) return [];
    return refs.flatMap(({ ref, store }) => {
      const pub = store.ok ? store.certificates.filter((c) => c.class === 'public') : [];
      return pub.length === 0 ? [] : [{ message: `${ref.at.name} ${ref.value} holds ${pub.length} public root(s) (e.g. ${pub[0]!.subject}); the policy trusts none`, file: ref.at.file, line: ref.at.line }];
    });
  },
});
