import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, hostAttr, systemProperty, TOMCAT_DOCS, usesOpenSsl, type TomcatUnit } from './unit.ts';
import { setAttribute } from './edit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'tomcat',
  title: 'Client certificates are verified but no trust store the TLS implementation reads is set (JSSE: truststoreFile; OpenSSL: caCertificateFile/Path): the JVM default trust store (public roots) decides',
  fix: 'JSSE (Tomcat\'s default): add `truststoreFile="FILE"` (PKCS#12 or JKS, e.g. `keytool -importcert -storetype PKCS12 -file org-ca.pem -keystore client-ca.p12`) with `truststorePassword` naming only the organisation\'s client CA; `caCertificateFile` is ignored by JSSE. OpenSSL implementation: `caCertificateFile="FILE"` (PEM; the --policy CA is used by --fix).',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u, ctx) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    // optionalNoCA is judged too: its fix (tomcat-client-verify-optional-no-ca) makes it required, which then needs a CA.
    if (v === 'none') return 'na';
    const openssl = usesOpenSsl(u);
    // Tomcat 10.1's JSSE trust managers come from truststoreFile only (SSLUtilBase.getTrustManagers → SSLHostConfig.getTruststore); only OpenSSLContext reads caCertificateFile/Path.
    if (hostAttr(u, 'truststoreFile', 'truststoreFile') !== undefined) return []; // the SSLHostConfig's, else the pre-8.5 Connector attribute of the same name
    if (!openssl && systemProperty(u.jvm, 'javax.net.ssl.trustStore')) return [];
    if (openssl && (hostAttr(u, 'caCertificateFile') ?? hostAttr(u, 'caCertificatePath')) !== undefined) return [];
    const at = hostAt(u);
    const ignored = !openssl && (hostAttr(u, 'caCertificateFile') ?? hostAttr(u, 'caCertificatePath')) !== undefined;
    // A PEM CA file is a line edit only for the OpenSSL implementation; JSSE needs a keystore made with keytool (a site step, text only).
    const edits = openssl && ctx.fixCa && u.host ? setAttribute(u.config.file.text, u.host, ['caCertificateFile'], ctx.fixCa) : undefined;
    const why = ignored
      ? 'caCertificateFile/caCertificatePath is read only by the OpenSSL implementation; this connector runs JSSE, which ignores it and verifies clients against the JVM\'s default trust store (cacerts: public roots)'
      : v === 'optionalNoCA'
        ? 'client certificates are requested with no CA named (optionalNoCA)'
        : "client certificates are verified against the JVM's default trust store (javax.net.ssl.trustStore or cacerts: public roots)";
    return [{ message: `${at.name}: ${why}`, file: at.file, line: at.line, ...(edits ? { edits } : {}) }];
  },
});
