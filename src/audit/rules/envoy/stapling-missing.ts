import { defineRule } from '../rule.ts';
import { child } from '../../config/structured.ts';
import { certificates, ENVOY_DOCS, type EnvoyUnit } from './unit.ts';

export default defineRule<EnvoyUnit>({
  id: 'envoy-stapling-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'envoy',
  title: 'A DownstreamTlsContext staples nothing: no `ocsp_staple` on its certificates (Envoy never fetches OCSP responses itself)',
  fix: 'Add `ocsp_staple: { filename: CERT.ocsp }` (a DER OCSP response kept fresh by a job, e.g. `certwarden staple`) to each tls_certificates entry, and consider `ocsp_staple_policy: MUST_STAPLE`.',
  source: `${ENVOY_DOCS.tls}#envoy-v3-api-field-extensions-transport-sockets-tls-v3-downstreamtlscontext-ocsp-staple-policy`,
  check(u) {
    if (u.side !== 'downstream') return 'na';
    const certs = certificates(u);
    if (certs.length > 0 && certs.every((c) => child(c, 'ocsp_staple'))) return [];
    const sds = child(child(u.context, 'common_tls_context'), 'tls_certificate_sds_secret_configs');
    const message = certs.length === 0 && sds ? 'certificates come from SDS: no ocsp_staple can be seen in this file (the SDS secret must carry it)' : 'a certificate without ocsp_staple: clients get no stapled OCSP response';
    return [{ message, file: u.context.file, line: u.context.line }];
  },
});
