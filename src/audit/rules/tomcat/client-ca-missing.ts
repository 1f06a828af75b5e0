import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, hostAttr, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'tomcat',
  title: 'Client certificates are verified but no truststoreFile, caCertificateFile or caCertificatePath is set: the JVM default trust store (public roots) decides',
  fix: 'Add `caCertificateFile="FILE"` (PEM) or `truststoreFile="FILE"` (JKS/PKCS#12) naming only the organisation\'s client CA to the SSLHostConfig.',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    if (v === 'none' || v === 'optionalNoCA') return 'na';
    if (hostAttr(u, 'truststoreFile') ?? hostAttr(u, 'caCertificateFile') ?? hostAttr(u, 'caCertificatePath')) return [];
    const at = hostAt(u);
    return [{ message: `${at.name}: client certificates are verified against the JVM's default trust store (javax.net.ssl.trustStore or cacerts: public roots)`, file: at.file, line: at.line }];
  },
});
