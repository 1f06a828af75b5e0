import { defineRule } from '../rule.ts';
import { value } from '../../config/structured.ts';
import { ENVOY_DOCS, validation, type EnvoyUnit } from './unit.ts';

export default defineRule<EnvoyUnit>({
  id: 'envoy-client-verify-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'envoy',
  title: 'A DownstreamTlsContext verifies client certificates but `require_client_certificate` is not true: a client without one is let through',
  fix: 'Add `require_client_certificate: true` to the DownstreamTlsContext (or check the client certificate in an RBAC filter on every route that needs it).',
  source: `${ENVOY_DOCS.tls}#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-require-client-certificate`,
  check(u) {
    if (u.side !== 'downstream' || !validation(u)) return 'na';
    if (value(u.context, 'require_client_certificate') === 'true') return [];
    return [{ message: 'client certificates are requested and verified, but optional', file: u.context.file, line: u.context.line }];
  },
});
