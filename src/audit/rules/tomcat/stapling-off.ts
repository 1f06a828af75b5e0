import { defineRule } from '../rule.ts';
import { hostAt, isTrue, systemProperty, TOMCAT_DOCS, usesOpenSsl, type TomcatUnit } from './unit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-stapling-off',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'tomcat',
  title: 'A JSSE TLS connector does not staple OCSP responses: -Djdk.tls.server.enableStatusRequestExtension=true is not set (JSSE\'s default is false)',
  fix: 'Add `-Djdk.tls.server.enableStatusRequestExtension=true` to CATALINA_OPTS in CATALINA_BASE/bin/setenv.sh (JDK 9+, and JDK 8 from 8u261). `jdk.tls.ocsp.enable`, suggested by some guides, is not a JDK property and does nothing.',
  source: TOMCAT_DOCS.jsse,
  check(u) {
    if (u.kind !== 'host') return 'na';
    // The OpenSSL implementation (tcnative/APR, or OpenSSLImplementation) does not take its TLS settings from the JVM's JSSE properties.
    if (usesOpenSsl(u)) return 'na';
    const prop = systemProperty(u.jvm, 'jdk.tls.server.enableStatusRequestExtension');
    if (isTrue(prop?.args[0])) return [];
    const at = hostAt(u);
    if (prop) return [{ message: `jdk.tls.server.enableStatusRequestExtension=${prop.args[0]}: the server staples nothing`, file: prop.file, line: prop.line }];
    const where = u.jvm.files.length > 0 ? `not set in ${u.jvm.files.join(', ')}` : 'no CATALINA_BASE/bin/setenv.sh found next to this server.xml';
    return [{ message: `${at.name}: -Djdk.tls.server.enableStatusRequestExtension=true is ${where}: JSSE does not staple by default`, file: at.file, line: at.line }];
  },
});
