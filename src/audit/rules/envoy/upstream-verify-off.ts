import { defineRule } from '../rule.ts';
import { value } from '../../config/structured.ts';
import { ENVOY_DOCS, validation, type EnvoyUnit } from './unit.ts';

export default defineRule<EnvoyUnit>({
  id: 'envoy-upstream-verify-off',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'envoy',
  title: 'An UpstreamTlsContext has no validation context (or `trust_chain_verification: ACCEPT_UNTRUSTED`): the upstream certificate is not verified',
  fix: 'Add `common_tls_context.validation_context.trusted_ca: { filename: FILE }` naming only the upstream\'s CA, with `match_typed_subject_alt_names` for its name.',
  source: `${ENVOY_DOCS.common}#envoy-v3-api-msg-extensions-transport-sockets-tls-v3-certificatevalidationcontext`,
  check(u) {
    if (u.side !== 'upstream') return 'na';
    const v = validation(u);
    if (!v) return [{ message: 'no validation_context: Envoy accepts any upstream certificate', file: u.context.file, line: u.context.line }];
    if (value(v.static, 'trust_chain_verification') === 'ACCEPT_UNTRUSTED') return [{ message: 'trust_chain_verification ACCEPT_UNTRUSTED: the chain is not verified', file: v.static!.file, line: v.static!.line }];
    if (v.static && !v.dynamic && !value(v.static, 'trusted_ca.filename') && !value(v.static, 'trusted_ca.inline_string') && !value(v.static, 'trusted_ca.environment_variable') && !v.static.children?.some((c) => c.key === 'trusted_ca')) {
      return [{ message: 'validation_context without trusted_ca: the chain is not verified (only SAN/hash matching, if any)', file: v.static.file, line: v.static.line }];
    }
    return [];
  },
});
