/**
 * Tomcat and its JVM: trust stores in JKS/PKCS#12 (read with the JDK's
 * keytool, minted here at test time), the XML parser's refusal of DTDs, and
 * the JVM properties the seed guide gets wrong.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, isCertwardenError } from '../../src/errors.ts';
import { parseTomcat } from '../../src/audit/config/tomcat.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { runAudit } from '../../src/audit/run.ts';
import type { AuditReport } from '../../src/audit/report.ts';
import { makeRoot, tempDir } from '../helpers/pki.ts';

const hasKeytool = spawnSync('keytool', ['-help'], { stdio: 'ignore' }).error === undefined;

function serverXml(hostAttrs: string): string {
  return `<?xml version="1.0"?>\n<Server port="-1">\n  <Service name="Catalina">\n    <Connector port="8443" SSLEnabled="true">\n      <SSLHostConfig certificateVerification="required" certificateRevocationListFile="conf/c.crl" ${hostAttrs}>\n        <Certificate certificateFile="conf/s.pem"/>\n      </SSLHostConfig>\n    </Connector>\n  </Service>\n</Server>\n`;
}

function findings(report: AuditReport): { id: string; message: string; line: number }[] {
  return report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => ({ id: f.id, message: f.message, line: f.line }))));
}

describe('audit tomcat', () => {
  const tmp = tempDir('certwarden-audit-tomcat-');
  let policy: ReturnType<typeof loadPolicy>;
  before(() => {
    tmp.write('org.pem', makeRoot('CN=Org Client Root').certificate.toPem());
    tmp.write('foreign.pem', makeRoot('CN=Someone Else Root').certificate.toPem());
    tmp.write('policy.yaml', 'version: 1\ntrust:\n  cas: [org.pem]\n  system: false\n');
    policy = loadPolicy(join(tmp.dir, 'policy.yaml'));
    mkdirSync(join(tmp.dir, 'conf'), { recursive: true });
    if (hasKeytool) {
      for (const [store, pem, type] of [['org.p12', 'org.pem', 'PKCS12'], ['foreign.jks', 'foreign.pem', 'JKS']] as const) {
        const r = spawnSync('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', join(tmp.dir, pem), '-keystore', join(tmp.dir, 'conf', store), '-storetype', type, '-storepass', 'changeit'], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr + r.stdout);
      }
    }
  });
  after(() => tmp.cleanup());

  const audit = (name: string, xml: string, withPath = process.env.PATH): AuditReport => {
    const path = tmp.write(join('conf', name), xml);
    const saved = process.env.PATH;
    process.env.PATH = withPath;
    try {
      return runAudit({ paths: [path], dialect: 'tomcat', policy }).report;
    } finally {
      process.env.PATH = saved;
    }
  };

  test('a PKCS#12 truststoreFile holding the policy anchor is classified through keytool: no trust-store finding', { skip: !hasKeytool && 'keytool (JDK) not installed' }, () => {
    const ids = findings(audit('p12.xml', serverXml('truststoreFile="conf/org.p12" truststoreType="PKCS12" truststorePassword="changeit"'))).map((f) => f.id);
    assert.ok(!ids.some((i) => i.startsWith('trust-store-')), ids.join(' '));
  });

  test('a JKS truststoreFile holding a CA the policy does not know is trust-store-foreign-ca (read without its password, as Tomcat may)', { skip: !hasKeytool && 'keytool (JDK) not installed' }, () => {
    const ids = findings(audit('jks.xml', serverXml('truststoreFile="conf/foreign.jks"'))).map((f) => f.id);
    assert.ok(ids.includes('trust-store-foreign-ca'), ids.join(' '));
  });

  test('caCertificateFile resolves from CATALINA_BASE (the folder above conf/), as Tomcat does', () => {
    const ids = findings(audit('pem.xml', serverXml('caCertificateFile="org.pem"'))).map((f) => f.id);
    assert.ok(!ids.some((i) => i.startsWith('trust-store-')), ids.join(' '));
  });

  test('without keytool a keystore is trust-store-unreadable "could not be classified", never a pass', () => {
    const f = findings(audit('nokeytool.xml', serverXml('truststoreFile="conf/foreign.jks"'), '/nonexistent')).find((x) => x.id === 'trust-store-unreadable');
    assert.ok(f, 'trust-store-unreadable expected');
    assert.match(f.message, /could not be classified|no such file/);
  });

  test('a wrong truststore password is a store that could not be classified', { skip: !hasKeytool && 'keytool (JDK) not installed' }, () => {
    const f = findings(audit('badpass.xml', serverXml('truststoreFile="conf/org.p12" truststoreType="PKCS12" truststorePassword="wrong"'))).find((x) => x.id === 'trust-store-unreadable');
    assert.ok(f, 'trust-store-unreadable expected');
    assert.match(f.message, /could not be classified/);
  });

  test('revocationEnabled="true" without a CRL and without ocsp.enable/enableCRLDP is still tomcat-client-revocation-missing', () => {
    const xml = serverXml('caCertificateFile="../org.pem" revocationEnabled="true"').replace(' certificateRevocationListFile="conf/c.crl"', '');
    const f = findings(audit('revon.xml', xml)).find((x) => x.id === 'tomcat-client-revocation-missing');
    assert.ok(f);
    assert.match(f.message, /no revocation source/);
  });

  test('the seed guide\'s jdk.tls.ocsp.enable is reported as not a JDK property, in catalina.sh and in the java.security override', () => {
    const sec = tmp.write('java.security.config', 'jdk.tls.ocsp.enable=true\n');
    const sh = tmp.write('catalina.sh', `#!/bin/sh\nCATALINA_OPTS="$CATALINA_OPTS -Djava.security.properties=${sec}"\n`);
    const all = findings(runAudit({ paths: [sh], dialect: 'tomcat' }).report).filter((f) => f.id === 'tomcat-jvm-revocation-property-ignored');
    assert.equal(all.length, 1);
    assert.match(all[0]!.message, /not a JDK property/);
    assert.equal(all[0]!.line, 1);
  });

  test('server.xml with a DOCTYPE (entity expansion) is CW_ERR_CONFIG_PARSE with file and line, not expanded', () => {
    const laughs = `<?xml version="1.0"?>\n<!DOCTYPE Server [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<Server port="&c;"/>\n`;
    for (const text of [laughs, '<!DOCTYPE Server SYSTEM "file:///etc/passwd">\n<Server/>', '<Server a="&ext;"/>']) {
      try {
        parseTomcat(text, 'server.xml', 'xml');
        assert.fail('parsed');
      } catch (err) {
        assert.ok(isCertwardenError(err) && err.code === ErrorCode.CONFIG_PARSE, String(err));
        assert.equal(err.details.file, 'server.xml');
        assert.ok((err.details.line as number) >= 1);
      }
    }
    const r = audit('dtd.xml', laughs);
    assert.equal(r.results[0]!.requirements['V9.2.1'].status, 'error');
  });

  test('element lines are those of the opening tag, attributes across lines included', () => {
    const [server] = parseTomcat('<Server>\n\n  <Connector\n     port="8443"\n     SSLEnabled="true"/>\n</Server>\n', 's.xml', 'xml');
    assert.equal(server!.children![0]!.line, 3);
    assert.equal(server!.children![0]!.attrs!.port, '8443');
  });
});

test('server.xml: a self-closing element (<Certificate …/>) does not close its parent: the next SSLHostConfig and Connector keep their places', () => {
  const tree = parseTomcat('<Server><Connector port="1"><SSLHostConfig hostName="a"><Certificate certificateFile="x.pem"/></SSLHostConfig><SSLHostConfig hostName="b"/></Connector><Connector port="2"/></Server>', 'server.xml', 'xml');
  const server = tree[0]!;
  assert.deepEqual(server.children!.map((c) => [c.key, c.attrs?.port]), [['Connector', '1'], ['Connector', '2']]);
  assert.deepEqual(server.children![0]!.children!.map((c) => [c.key, c.attrs?.hostName, c.children?.length]), [['SSLHostConfig', 'a', 1], ['SSLHostConfig', 'b', 0]]);
});
