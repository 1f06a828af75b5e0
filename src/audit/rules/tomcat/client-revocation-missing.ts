import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, hostAttr, isTrue, securityProperty, systemProperty, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-revocation-missing',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'tomcat',
  title: 'Client certificates are verified without revocation checking (no certificateRevocationListFile/Path, revocationEnabled not true, or no OCSP/CRLDP source for it)',
  fix: 'Add `certificateRevocationListFile="FILE"` kept fresh from the CA, or `revocationEnabled="true"` with the Security property `ocsp.enable=true` (a java.security override) or `-Dcom.sun.security.enableCRLDP=true`.',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    if (v === 'none' || v === 'optionalNoCA') return 'na';
    if (hostAttr(u, 'certificateRevocationListFile', 'crlFile') ?? hostAttr(u, 'certificateRevocationListPath')) return [];
    const at = hostAt(u);
    if (!isTrue(hostAttr(u, 'revocationEnabled'))) return [{ message: `${at.name}: a revoked client certificate is accepted: no CRL and revocationEnabled is not true`, file: at.file, line: at.line }];
    // JSSE with revocation enabled and no CRL: OCSP only with the Security property ocsp.enable, CRLs only with enableCRLDP (JDK 17 RevocationChecker).
    const ocsp = isTrue(securityProperty(u.jvm, 'ocsp.enable')?.args[0]);
    const crldp = isTrue(systemProperty(u.jvm, 'com.sun.security.enableCRLDP')?.args[0]);
    if (ocsp || crldp) return [];
    const where = u.jvm.files.length > 0 ? u.jvm.files.join(', ') : 'no setenv.sh found next to this server.xml';
    return [{ message: `${at.name}: revocationEnabled="true" with no CRL file and neither ocsp.enable (Security property) nor -Dcom.sun.security.enableCRLDP=true (${where}): the JVM has no revocation source and every client certificate fails, or the check is not what was meant`, file: at.file, line: at.line }];
  },
});
