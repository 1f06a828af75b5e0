import { defineRule } from '../rule.ts';
import { child } from '../../config/structured.ts';
import { ENVOY_DOCS, validation, type EnvoyUnit } from './unit.ts';

export default defineRule<EnvoyUnit>({
  id: 'envoy-upstream-san-unchecked',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'envoy',
  title: 'An UpstreamTlsContext verifies the chain but not the name: no `match_typed_subject_alt_names` (Envoy does not check the upstream\'s name by default)',
  fix: 'Add `match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: SERVICE-NAME } }]` to the validation context (or `auto_sni_san_validation: true` in the cluster\'s upstream HTTP protocol options).',
  source: `${ENVOY_DOCS.common}#envoy-v3-api-field-extensions-transport-sockets-tls-v3-certificatevalidationcontext-match-typed-subject-alt-names`,
  check(u) {
    const v = u.side === 'upstream' ? validation(u) : undefined;
    if (!v?.static) return 'na';
    if (child(v.static, 'match_typed_subject_alt_names') || child(v.static, 'match_subject_alt_names') || child(v.static, 'verify_certificate_spki') || child(v.static, 'verify_certificate_hash')) return [];
    return [{ message: 'any certificate the CA issued is accepted, whatever name it is for', file: v.static.file, line: v.static.line }];
  },
});
