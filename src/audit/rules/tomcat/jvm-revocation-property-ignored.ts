import { defineRule, type Hit } from '../rule.ts';
import { TOMCAT_DOCS, type TomcatUnit } from './unit.ts';

/** Names guides give for revocation that the JDK does not read (checked against JDK 17's java.base: no class mentions them). */
const NOT_JDK = new Set(['jdk.tls.ocsp.enable']);
/** Security properties (java.security) that do nothing as `-D` System properties (JDK 17 RevocationChecker reads them with Security.getProperty). */
const SECURITY_ONLY = new Set(['ocsp.enable', 'ocsp.responderURL', 'com.sun.security.onlyCheckRevocationOfEECert']);

export default defineRule<TomcatUnit>({
  id: 'tomcat-jvm-revocation-property-ignored',
  requirement: 'V9.2.4',
  severity: 'medium',
  dialect: 'tomcat',
  title: 'A JVM option meant to turn on OCSP does nothing: `jdk.tls.ocsp.enable` is not a JDK property, and `ocsp.enable` is a Security property, not a -D System property',
  fix: 'Remove `jdk.tls.ocsp.enable`. Server stapling: `-Djdk.tls.server.enableStatusRequestExtension=true`. Client revocation: `-Dcom.sun.net.ssl.checkRevocation=true` with `ocsp.enable=true` in a java.security override (`-Djava.security.properties=FILE`) and/or `-Dcom.sun.security.enableCRLDP=true`.',
  source: TOMCAT_DOCS.pki,
  check(u) {
    const all = [...u.jvm.system.map((d) => ({ d, system: true })), ...u.jvm.security.map((d) => ({ d, system: false }))];
    if (all.length === 0) return 'na';
    const hits: Hit[] = [];
    for (const { d, system } of all) {
      if (NOT_JDK.has(d.key)) hits.push({ message: `${d.key} is not a JDK property (no JDK reads it): it neither staples nor checks revocation`, file: d.file, line: d.line });
      else if (system && SECURITY_ONLY.has(d.key)) hits.push({ message: `-D${d.key} sets a System property; the JDK reads ${d.key} only as a Security property (java.security or a -Djava.security.properties override)`, file: d.file, line: d.line });
    }
    return hits;
  },
});
