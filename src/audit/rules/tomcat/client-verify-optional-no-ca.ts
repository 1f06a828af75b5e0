import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, requireClientCertificates, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-verify-optional-no-ca',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'tomcat',
  title: 'certificateVerification="optionalNoCA": client certificates are requested but not verified against any CA',
  fix: 'Use `certificateVerification="required"` on the SSLHostConfig with `caCertificateFile` or `truststoreFile` naming only the organisation\'s client CA.',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    if (v === 'none') return 'na';
    const at = hostAt(u);
    if (v !== 'optionalNoCA') return [];
    const edits = requireClientCertificates(u);
    return [{ message: `${at.name}: certificateVerification optionalNoCA accepts a client certificate from any issuer`, file: at.file, line: at.line, ...(edits ? { edits } : {}) }];
  },
});
