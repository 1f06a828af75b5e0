import { defineRule } from '../rule.ts';
import { isTrue, securityProperty, systemProperty, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-jvm-client-revocation-off',
  requirement: 'V9.2.4',
  severity: 'medium',
  dialect: 'tomcat',
  title: 'The JVM\'s outbound TLS (the applications\' HTTPS clients) does not check revocation: com.sun.net.ssl.checkRevocation is not true, or no OCSP/CRLDP source is on',
  fix: 'Add `-Dcom.sun.net.ssl.checkRevocation=true` and `-Dcom.sun.security.enableCRLDP=true` to CATALINA_OPTS, and/or `ocsp.enable=true` in a java.security override named by `-Djava.security.properties=FILE`.',
  source: TOMCAT_DOCS.pki,
  check(u) {
    // Judged on the option files themselves (setenv.sh, catalina.sh); a lone java.security override is not a JVM's whole options.
    if (u.kind !== 'jvm' || u.jvm.system.length === 0 && !/\.sh$|(^|\/)(setenv|catalina)$/.test(u.config.file.display)) return 'na';
    const check = systemProperty(u.jvm, 'com.sun.net.ssl.checkRevocation');
    const file = u.config.file.display;
    if (!isTrue(check?.args[0])) return [{ message: `com.sun.net.ssl.checkRevocation is ${check ? check.args[0] : 'not set'} (the JDK's default is false): outbound TLS accepts revoked certificates`, file: check?.file ?? file, line: check?.line ?? 1 }];
    const ocsp = isTrue(securityProperty(u.jvm, 'ocsp.enable')?.args[0]);
    const crldp = isTrue(systemProperty(u.jvm, 'com.sun.security.enableCRLDP')?.args[0]);
    if (ocsp || crldp) return [];
    return [{ message: 'com.sun.net.ssl.checkRevocation=true with neither ocsp.enable (Security property) nor -Dcom.sun.security.enableCRLDP=true: the JVM has no source to check revocation from', file: check!.file, line: check!.line }];
  },
});
