import { defineRule } from '../rule.ts';
import { child } from '../../config/structured.ts';
import { ENVOY_DOCS, validation, type EnvoyUnit } from './unit.ts';

export default defineRule<EnvoyUnit>({
  id: 'envoy-client-crl-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'envoy',
  title: 'Client certificates are verified without a `crl` in the validation context: a revoked client certificate is accepted (Envoy has no OCSP for client certificates)',
  fix: 'Add `crl: { filename: FILE }` to the validation context, kept fresh from the CA (Envoy reloads it through SDS or a restart).',
  source: `${ENVOY_DOCS.common}#envoy-v3-api-field-extensions-transport-sockets-tls-v3-certificatevalidationcontext-crl`,
  check(u) {
    const v = u.side === 'downstream' ? validation(u) : undefined;
    if (!v) return 'na';
    if (child(v.static, 'crl') || (v.dynamic && !v.static)) return [];
    const where = v.static ?? u.context;
    return [{ message: 'no crl: client certificate revocation is not checked', file: where.file, line: where.line }];
  },
});
