import { defineRule, type Hit } from '../rule.ts';
import { contextLabel, HAPROXY_DOCS, verifyContexts, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-crl-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'haproxy',
  title: 'Client certificates are verified without a crl-file (on the bind or a crt-list line): a revoked client certificate is accepted',
  fix: 'Add `crl-file FILE` (kept fresh from the CA: `certwarden ca crl`, then `set ssl crl-file` on the runtime API) to the bind line (or the crt-list line\'s `[options]`).',
  source: `${HAPROXY_DOCS.bind}-crl-file`,
  check(u) {
    const contexts = verifyContexts(u).filter((c) => c.verify === 'required' || c.verify === 'optional');
    if (contexts.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const c of contexts) {
      if (c.crlFile !== undefined) continue;
      hits.push({ message: `${contextLabel(c)} verifies clients with no crl-file (HAProxy has no client-side OCSP)`, file: c.at.file, line: c.at.line });
    }
    return hits;
  },
});
