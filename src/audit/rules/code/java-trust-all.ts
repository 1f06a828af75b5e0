import { defineRule } from '../rule.ts';
import { CODE_DOCS, factHits, type CodeUnit } from './unit.ts';

export default defineRule<CodeUnit>({
  id: 'code-java-trust-all',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'code',
  title: 'Java trust-all: an X509TrustManager whose checkServerTrusted is empty, or a HostnameVerifier that returns true (token-level check)',
  fix: 'Delete the custom TrustManager/HostnameVerifier; build an SSLContext from a KeyStore holding the organisation\'s CA (TrustManagerFactory.getInstance("PKIX")) and keep the default hostname verification.',
  source: CODE_DOCS.java,
  check: (u) => factHits(u, ['java'], ['java-trust-all'], (d) => `${d.args[0]}: every certificate or host name is accepted`),
});
