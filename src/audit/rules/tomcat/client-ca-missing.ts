import { defineRule } from '../rule.ts';
import { clientVerification, hostAt, hostAttr, TOMCAT_DOCS, type TomcatUnit } from './unit.ts';
import { setAttribute } from './edit.ts';

export default defineRule<TomcatUnit>({
  id: 'tomcat-client-ca-missing',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'tomcat',
  title: 'Client certificates are verified but no truststoreFile, caCertificateFile or caCertificatePath is set: the JVM default trust store (public roots) decides',
  fix: 'Add `caCertificateFile="FILE"` (PEM) or `truststoreFile="FILE"` (JKS/PKCS#12) naming only the organisation\'s client CA to the SSLHostConfig.',
  source: TOMCAT_DOCS.sslHostConfig,
  check(u, ctx) {
    if (u.kind !== 'host') return 'na';
    const v = clientVerification(u);
    // optionalNoCA is judged too: its fix (tomcat-client-verify-optional-no-ca) makes it required, which then needs a CA.
    if (v === 'none') return 'na';
    if (hostAttr(u, 'truststoreFile') ?? hostAttr(u, 'caCertificateFile') ?? hostAttr(u, 'caCertificatePath')) return [];
    const at = hostAt(u);
    // PEM, read by both the JSSE and the OpenSSL implementation (Tomcat 8.5+); only on an SSLHostConfig (the legacy Connector form has no PEM CA attribute for JSSE).
    const edits = ctx.fixCa && u.host ? setAttribute(u.config.file.text, u.host, ['caCertificateFile'], ctx.fixCa) : undefined;
    return [{ message: `${at.name}: client certificates are ${v === 'optionalNoCA' ? 'requested with no CA named (optionalNoCA)' : "verified against the JVM's default trust store (javax.net.ssl.trustStore or cacerts: public roots)"}`, file: at.file, line: at.line, ...(edits ? { edits } : {}) }];
  },
});
