/**
 * Tomcat server.xml fixes proven by Tomcat 10 itself: a weak connector
 * (client certificates optional, no client CA) is audited with a policy, the
 * fixes are applied as attribute edits (`certificateVerification="required"`,
 * `caCertificateFile` = the policy's CA), and the fixed server.xml is started
 * with catalina.sh in a temporary CATALINA_BASE on loopback (JSSE, PEM
 * certificate minted here). The closed loop: `runScan` sees the weak Tomcat
 * let a client without a certificate in, and the fixed one ask for a
 * certificate and refuse every untrusted credential; the re-audit no longer
 * fires the fixed rules. Skips only where Tomcat is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/run.ts';
import { applyEdits } from '../../src/audit/fix.ts';
import { runScan } from '../../src/scan/runner.ts';
import type { ClientAuthDetails } from '../../src/scan/checks/client-auth.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/types.ts';
import { keyPem, makeLeaf, makeRoot, tempDir, type TestIdentity } from '../helpers/pki.ts';
import { hasTomcat, startTomcat } from '../helpers/servers/tomcat.ts';

const NAME = 'tomcat.audit.test';
/** Room for the client-certificate probes against a JVM on a shared 2-core machine. */
const SCAN_TIMEOUT_MS = 20_000;

/**
 * A server.xml as written by a person: comments, attributes over several
 * lines, client certificates optional, JSSE (Tomcat's default) with the
 * organisation's CA in a PKCS#12 truststore. `@PORT@` is the loopback port,
 * `@DIR@` the folder of the PEM and truststore files minted by the test.
 */
const WEAK = `<?xml version="1.0" encoding="UTF-8"?>
<!-- weak on purpose: the audit must fix it -->
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="@PORT@" address="127.0.0.1"
               protocol="org.apache.coyote.http11.Http11NioProtocol"
               SSLEnabled="true" scheme="https" secure="true">
      <!-- partners log in with certificates -->
      <SSLHostConfig certificateVerification="optional" protocols="TLSv1.2+TLSv1.3"
                     truststoreFile="@DIR@/client-ca.p12" truststoreType="PKCS12" truststorePassword="changeit">
        <Certificate certificateFile="@DIR@/cert.pem"
                     certificateKeyFile="@DIR@/key.pem" />
      </SSLHostConfig>
    </Connector>
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" />
    </Engine>
  </Service>
</Server>
`;

/** `keytool -importcert` of one PEM certificate into a new PKCS#12 truststore (a test-only password). */
const KEYTOOL_TIMEOUT_MS = 30_000;

function ids(path: string, policy: Policy): string[] {
  return runAudit({ paths: [path], policy }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
}

describe('Tomcat server.xml fixes: attribute edits that Tomcat 10 starts with, closing the loop with scan', () => {
  const tmp = tempDir('certwarden-tomcat-fix-');
  let root: TestIdentity;
  let leaf: TestIdentity;
  let policy: Policy;
  let caFile: string;
  let fixedXml: string;
  let weak: string;

  before(() => {
    root = makeRoot('CN=Tomcat Fix Root');
    leaf = makeLeaf(root, NAME);
    caFile = tmp.write('org-ca.pem', root.certificate.toPem());
    tmp.write('cert.pem', leaf.certificate.toPem() + root.certificate.toPem());
    tmp.write('key.pem', keyPem(leaf.privateKey));
    const k = spawnSync('keytool', ['-importcert', '-noprompt', '-alias', 'org', '-file', caFile, '-keystore', join(tmp.dir, 'client-ca.p12'), '-storetype', 'PKCS12', '-storepass', 'changeit'], { encoding: 'utf8', timeout: KEYTOOL_TIMEOUT_MS });
    assert.equal(k.status, 0, `${k.stdout}${k.stderr}`);
    weak = WEAK.replaceAll('@DIR@', tmp.dir);
    policy = loadPolicy(tmp.write('policy.yaml', `version: 1\ntrust:\n  cas: [${caFile}]\nrevocation:\n  mode: soft-fail\n  check: leaf\n`));
  });
  after(() => tmp.cleanup());
  /** A server.xml under its own CATALINA_BASE/conf (the audit looks for ../bin/setenv.sh next to it). */
  const writeConf = (base: string, text: string): string => {
    mkdirSync(join(tmp.dir, base, 'conf'), { recursive: true });
    return tmp.write(join(base, 'conf', 'server.xml'), text);
  };

  test('JSSE with a truststore: the audit proposes certificateVerification="required" in place; comments and other lines stay byte for byte; the re-audit is silent on it', () => {
    const conf = writeConf('base', weak);
    const before = ids(conf, policy);
    assert.ok(before.includes('tomcat-client-verify-optional'), before.join(', '));
    assert.ok(!before.includes('tomcat-client-ca-missing') && !before.includes('trust-store-foreign-ca'), `the PKCS#12 truststore holds the policy CA: ${before.join(', ')}`);
    const run = runAudit({ paths: [conf], policy });
    const [changed] = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
    assert.ok(changed);
    fixedXml = changed.after;
    const was = weak.split('\n');
    const now = fixedXml.split('\n');
    assert.deepEqual(now.flatMap((l, i) => (l !== was[i] ? [i] : [])), [8], 'only the SSLHostConfig line changes');
    assert.equal(now[8], '      <SSLHostConfig certificateVerification="required" protocols="TLSv1.2+TLSv1.3"');
    const afterIds = ids(writeConf('fixed', fixedXml), policy);
    for (const id of ['tomcat-client-verify-optional', 'tomcat-client-ca-missing', 'tomcat-client-verify-optional-no-ca']) assert.ok(!afterIds.includes(id), `${id} still fires`);
    // Text only: a CRL must come from the CA; stapling is a JVM option in setenv.sh (not part of this audit).
    assert.ok(afterIds.includes('tomcat-client-revocation-missing'));
  });

  test('JSSE ignores caCertificateFile (Tomcat 10.1 reads it only in OpenSSLContext): tomcat-client-ca-missing fires, no edit is proposed, the file is not taken for the client trust store', () => {
    const conf = writeConf('jsse-pem', weak.replace(/truststoreFile="[^"]+" truststoreType="PKCS12" truststorePassword="changeit"/, `caCertificateFile="${join(tmp.dir, 'org-ca.pem')}"`));
    const run = runAudit({ paths: [conf], policy });
    const f = run.report.results[0]!.requirements['V9.2.1'].findings.find((x) => x.id === 'tomcat-client-ca-missing');
    assert.ok(f, JSON.stringify(run.report.results[0]));
    assert.match(f.message, /read only by the OpenSSL implementation.*JSSE, which ignores it/);
    const changed = applyEdits(run.edits, run.load.texts, run.load.diskPaths)[0]!.after;
    assert.ok(!/caCertificateFile="[^"]*".*caCertificateFile/.test(changed));
  });

  test('OpenSSL implementation: caCertificateFile from the policy and certificateVerification="required" compose on one line', () => {
    const openssl = weak.replace('protocol="org.apache.coyote.http11.Http11NioProtocol"', 'protocol="org.apache.coyote.http11.Http11NioProtocol" sslImplementationName="org.apache.tomcat.util.net.openssl.OpenSSLImplementation"').replace(/\n\s+truststoreFile="[^"]+" truststoreType="PKCS12" truststorePassword="changeit">/, '>');
    const conf = writeConf('openssl', openssl);
    const before = ids(conf, policy);
    assert.ok(before.includes('tomcat-client-ca-missing') && before.includes('tomcat-client-verify-optional'), before.join(', '));
    const run = runAudit({ paths: [conf], policy });
    const out = applyEdits(run.edits, run.load.texts, run.load.diskPaths)[0]!.after;
    assert.equal(out.split('\n')[8], `      <SSLHostConfig caCertificateFile="${caFile}" certificateVerification="required" protocols="TLSv1.2+TLSv1.3">`);
    const afterIds = ids(writeConf('openssl-fixed', out), policy);
    for (const id of ['tomcat-client-verify-optional', 'tomcat-client-ca-missing']) assert.ok(!afterIds.includes(id), `${id} still fires`);
  });

  test('optionalNoCA and the legacy clientAuth="want" become required too', () => {
    const noCa = writeConf('noca', weak.replace('certificateVerification="optional"', 'certificateVerification="optionalNoCA"'));
    const a = runAudit({ paths: [noCa], policy });
    assert.match(applyEdits(a.edits, a.load.texts, a.load.diskPaths)[0]!.after, /<SSLHostConfig certificateVerification="required"/);
    const legacy = writeConf('legacy', weak.replace('SSLEnabled="true"', 'SSLEnabled="true" clientAuth="want"').replace(' certificateVerification="optional"', ''));
    const b = runAudit({ paths: [legacy], policy });
    const out = applyEdits(b.edits, b.load.texts, b.load.diskPaths)[0]!.after;
    assert.match(out, /SSLEnabled="true" clientAuth="true"/);
    assert.ok(!ids(writeConf('legacy-fixed', out), policy).includes('tomcat-client-verify-optional'));
  });

  test('an attribute name inside another attribute\'s value is not taken for the attribute', () => {
    const tricky = writeConf('tricky', weak.replace('protocols="TLSv1.2+TLSv1.3"', 'ciphers="certificateVerification=&quot;none&quot;"'));
    const run = runAudit({ paths: [tricky], policy });
    const line = applyEdits(run.edits, run.load.texts, run.load.diskPaths)[0]!.after.split('\n')[8]!;
    assert.match(line, /<SSLHostConfig certificateVerification="required" ciphers="certificateVerification=&quot;none&quot;"/);
  });

  test('ocspEnabled="true" (Tomcat 10.1.60 SSLUtilBase: a PKIXRevocationChecker) is revocation checking; with ocspSoftFail="true" tomcat-client-revocation-missing fires', () => {
    const revocation = (extra: string): string[] => ids(writeConf(`ocsp-${extra.length}`, weak.replace('protocols="TLSv1.2+TLSv1.3"', `protocols="TLSv1.2+TLSv1.3" ${extra}`)), policy);
    assert.ok(revocation('').includes('tomcat-client-revocation-missing'));
    assert.ok(!revocation('ocspEnabled="true"').includes('tomcat-client-revocation-missing'));
    assert.ok(revocation('ocspEnabled="true" ocspSoftFail="true"').includes('tomcat-client-revocation-missing'));
  });

  async function clientAuth(port: number): Promise<ClientAuthDetails> {
    const report = await runScan({ policy, targets: [{ input: `${NAME}:${port}`, host: NAME, port, address: '127.0.0.1' }], targetTimeoutMs: SCAN_TIMEOUT_MS });
    const d = report.results[0]!.evidence.checks['client-auth'] as ClientAuthDetails | undefined;
    assert.ok(d, JSON.stringify(report.results[0]!.attempts));
    return d;
  }

  test('closed loop: the weak server.xml lets a client without a certificate in; the fixed one starts, asks for a certificate from the policy CA only and refuses every untrusted credential', { skip: !hasTomcat() && 'Tomcat 10 not installed (apt-get install tomcat10-common)', timeout: 60_000 }, async () => {
    assert.ok(fixedXml, 'the fix test ran first');
    const [before, after] = await Promise.all([startTomcat({ serverXml: weak }), startTomcat({ serverXml: fixedXml })]);
    try {
      const open = await clientAuth(before.port);
      assert.ok(open.probes.some((p) => p.credential === 'none' && p.accepted), `weak: a client without a certificate is let in: ${JSON.stringify(open.probes)}`);
      const closed = await clientAuth(after.port);
      assert.equal(closed.requested, true, JSON.stringify(closed));
      assert.ok(closed.probes.length > 0);
      for (const p of closed.probes) assert.equal(p.accepted, false, `fixed: ${p.version}/${p.credential} accepted: ${p.detail}`);
      assert.deepEqual(closed.acceptableCaNames.map((n) => n.replace(/^.*CN=/, '')), ['Tomcat Fix Root'], 'Tomcat names the policy CA, and only it');
    } finally {
      await Promise.all([before.stop(), after.stop()]);
    }
  });

  test('Tomcat proves the JSSE rule: certificateVerification="required" with only caCertificateFile verifies clients against the JVM\'s public roots', { skip: !hasTomcat() && 'Tomcat 10 not installed (apt-get install tomcat10-common)', timeout: 60_000 }, async () => {
    const pemOnly = fixedXml.replace(/\n\s+truststoreFile="[^"]+" truststoreType="PKCS12" truststorePassword="changeit"/, ` caCertificateFile="${caFile}"`);
    assert.match(pemOnly, /certificateVerification="required" protocols="TLSv1.2\+TLSv1.3" caCertificateFile=/);
    const server = await startTomcat({ serverXml: pemOnly });
    try {
      const d = await clientAuth(server.port);
      assert.ok(!d.acceptableCaNames.some((n) => n.includes('Tomcat Fix Root')), 'the PEM CA file was ignored');
      assert.ok(d.acceptableCaNames.length > 10, `the JVM's default trust store: ${d.acceptableCaNames.length} names`);
    } finally {
      await server.stop();
    }
  });
});
