import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, hostAttr, isTrue, securityProperty, systemProperty, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-revocation-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'tomcat',
  title: 'Client certificates are verified without revocation checking (no certificateRevocationListFile/Path or ocspEnabled, revocationEnabled not true, or no OCSP/CRLDP source for it; or OCSP in soft-fail)',
  fix: 'Add `certificateRevocationListFile="FILE"` kept fresh from the CA, or `ocspEnabled="true"` (Tomcat versions that have it, e.g. 10.1.60; without `ocspSoftFail="true"`), or `revocationEnabled="true"` with the Security property `ocsp.enable=true` (a java.security override) or `-Dcom.sun.security.enableCRLDP=true`.',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    if (v === 'none' || v === 'optionalNoCA') return 'na';
    if (hostAttr(u, 'certificateRevocationListFile', 'crlFile') ?? hostAttr(u, 'certificateRevocationListPath')) return [];
    const at = hostAt(u);
    // Tomcat 10.1.60 (SSLUtilBase for JSSE, OpenSSLContext): ocspEnabled adds a PKIXRevocationChecker (OCSP from the certificate's AIA); ocspSoftFail lets a client in when no answer comes.
    if (isTrue(hostAttr(u, 'ocspEnabled'))) {
      if (!isTrue(hostAttr(u, 'ocspSoftFail'))) return [];
      return [{ message: `${at.name}: ocspEnabled="true" with ocspSoftFail="true": a client certificate whose OCSP responder does not answer is accepted (soft-fail)`, file: at.file, line: at.line }];
    }
    if (!isTrue(hostAttr(u, 'revocationEnabled'))) return [{ message: `${at.name}: a revoked client certificate is accepted: no CRL and revocationEnabled is not true`, file: at.file, line: at.line }];
    // JSSE with revocation enabled and no CRL: OCSP only with the Security property ocsp.enable, CRLs only with enableCRLDP (JDK 17 RevocationChecker).
    const ocsp = isTrue(securityProperty(u.jvm, 'ocsp.enable')?.args[0]);
    const crldp = isTrue(systemProperty(u.jvm, 'com.sun.security.enableCRLDP')?.args[0]);
    if (ocsp || crldp) return [];
    const where = u.jvm.files.length > 0 ? u.jvm.files.join(', ') : 'no setenv.sh found next to this server.xml';
    return [{ message: `${at.name}: revocationEnabled="true" with no CRL file and neither ocsp.enable (Security property) nor -Dcom.sun.security.enableCRLDP=true (${where}): the JVM has no revocation source and every client certificate fails, or the check is not what was meant`, file: at.file, line: at.line }];
  },
});
