import { defineRule } from '../rule.ts';
import { TRUST_DOCS, type TrustUnit } from './unit.ts';

export default defineRule<TrustUnit>({
  id: 'trust-store-unclassified',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'trust',
  title: 'Without --policy, a trust store holds certificates that are not public roots: whether they are the organisation\'s own cannot be told',
  fix: 'Run the audit with --policy naming the organisation\'s CAs and pins.',
  source: TRUST_DOCS,
  check(u) {
    const refs = u.refs.filter((r) => r.ref.role !== 'stapling' && r.store.ok);
    if (u.policy || refs.length === 0) return 'na';
    return refs.flatMap(({ ref, store }) => {
      const unknown = store.ok ? store.certificates.filter((c) => c.class === 'unknown') : [];
      return unknown.length === 0 ? [] : [{ message: `${ref.at.name} ${ref.value}: ${unknown.length} certificate(s) cannot be classified without a policy (e.g. ${unknown[0]!.subject})`, file: ref.at.file, line: ref.at.line }];
    });
  },
});
