import { defineRule, type Hit } from '../rule.ts';
import { HAPROXY_DOCS, option, tlsBinds, type HaproxyUnit } from './unit.ts';

export default defineRule<HaproxyUnit>({
  id: 'haproxy-bind-crl-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'haproxy',
  title: 'Client certificates are verified without a crl-file: a revoked client certificate is accepted',
  fix: 'Add `crl-file FILE` (kept fresh from the CA: `certwarden ca crl`, then `set ssl crl-file` on the runtime API) to the bind line.',
  source: `${HAPROXY_DOCS.bind}-crl-file`,
  check(u) {
    const binds = tlsBinds(u).filter((b) => option(b, 'verify') === 'required' || option(b, 'verify') === 'optional');
    if (binds.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const b of binds) {
      if (option(b, 'crl-file') !== undefined) continue;
      hits.push({ message: `bind ${b.args[0] ?? ''} verifies clients with no crl-file (HAProxy has no client-side OCSP)`, file: b.file, line: b.line });
    }
    return hits;
  },
});
