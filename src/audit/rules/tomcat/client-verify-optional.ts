import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, requireClientCertificates, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-verify-optional',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'tomcat',
  title: 'certificateVerification="optional" (or clientAuth="want"): a connection without a client certificate is let through',
  fix: 'Use `certificateVerification="required"`, or require a verified client certificate in every web application that needs one (CLIENT-CERT login).',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    if (v === 'none') return 'na';
    const at = hostAt(u);
    if (v !== 'optional') return [];
    const edits = requireClientCertificates(u);
    return [{ message: `${at.name}: client certificates are optional`, file: at.file, line: at.line, ...(edits ? { edits } : {}) }];
  },
});
