import { defineRule } from '../rule.ts';
import { TRUST_DOCS, type TrustUnit } from './unit.ts';

export default defineRule<TrustUnit>({
  id: 'trust-store-foreign-ca',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'trust',
  title: 'A trust store holds a certificate that is neither an anchor nor a pin of the policy, nor a public root',
  fix: 'Remove the certificate from the file, or add it to the policy (trust.cas or pins) if the organisation owns it.',
  source: TRUST_DOCS,
  check(u) {
    const refs = u.refs.filter((r) => r.ref.role !== 'stapling' && r.store.ok);
    if (!u.policy || refs.length === 0) return 'na';
    return refs.flatMap(({ ref, store }) => {
      const unknown = store.ok ? store.certificates.filter((c) => c.class === 'unknown') : [];
      return unknown.length === 0 ? [] : [{ message: `${ref.at.name} ${ref.value} trusts ${unknown.length} certificate(s) the policy does not know (e.g. ${unknown[0]!.subject}, sha256 ${unknown[0]!.sha256.slice(0, 16)}…)`, file: ref.at.file, line: ref.at.line }];
    });
  },
});
