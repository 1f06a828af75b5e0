import { defineRule } from '../rule.ts';
import { APACHE_DOCS, arg, lookup, setDirective, type ApacheUnit } from './unit.ts';

export default defineRule<ApacheUnit>({
  id: 'apache-client-revocation-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'apache',
  title: 'Client certificates are verified without revocation checking (no CRL with SSLCARevocationCheck, SSLOCSPEnable off)',
  fix: 'Add `SSLOCSPEnable on`, or SSLCARevocationFile with `SSLCARevocationCheck chain` (the default `none` ignores the CRL).',
  source: `${APACHE_DOCS.ssl}#sslcarevocationcheck`,
  check(u) {
    const d = lookup(u, 'sslverifyclient');
    if (!d || arg(d) === 'none') return 'na';
    const crl = lookup(u, 'sslcarevocationfile') ?? lookup(u, 'sslcarevocationpath');
    const check = arg(lookup(u, 'sslcarevocationcheck')) ?? 'none';
    const ocsp = arg(lookup(u, 'sslocspenable'));
    if ((crl && check !== 'none') || ocsp === 'on' || ocsp === 'leaf') return [];
    if (crl) {
      const edits = setDirective(u, 'SSLCARevocationCheck', 'chain');
      return [{ message: `${crl.name} is set but SSLCARevocationCheck is ${check}: the CRL is never consulted`, file: crl.file, line: crl.line, ...(edits ? { edits } : {}) }];
    }
    const edits = setDirective(u, 'SSLOCSPEnable', 'on');
    return [{ message: 'a revoked client certificate is accepted: no CRL and SSLOCSPEnable off', file: d.file, line: d.line, ...(edits ? { edits } : {}) }];
  },
});
