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

/** The weak server.xml as written by a person: comments, attributes over several lines, client certificates optional. */
const WEAK = `<?xml version="1.0" encoding="UTF-8"?>
<!-- weak on purpose: the audit must fix it -->
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="@PORT@" address="127.0.0.1"
               protocol="org.apache.coyote.http11.Http11NioProtocol"
               SSLEnabled="true" scheme="https" secure="true">
      <!-- partners log in with certificates -->
      <SSLHostConfig certificateVerification="optional" protocols="TLSv1.2+TLSv1.3">
        <Certificate certificateFile="@BASE@/cert.pem"
                     certificateKeyFile="@BASE@/key.pem" />
      </SSLHostConfig>
    </Connector>
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" />
    </Engine>
  </Service>
</Server>
`;

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

  before(() => {
    root = makeRoot('CN=Tomcat Fix Root');
    leaf = makeLeaf(root, NAME);
    caFile = tmp.write('org-ca.pem', root.certificate.toPem());
    policy = loadPolicy(tmp.write('policy.yaml', `version: 1\ntrust:\n  cas: [${caFile}]\nrevocation:\n  mode: soft-fail\n  check: leaf\n`));
  });
  after(() => tmp.cleanup());
  /** A server.xml under its own CATALINA_BASE/conf (the audit looks for ../bin/setenv.sh next to it). */
  const writeConf = (base: string, text: string): string => {
    mkdirSync(join(tmp.dir, base, 'conf'), { recursive: true });
    return tmp.write(join(base, 'conf', 'server.xml'), text);
  };

  test('the audit proposes certificateVerification="required" and caCertificateFile in place; comments and other lines stay byte for byte; the re-audit is silent on both', () => {
    const conf = writeConf('base', WEAK);
    const before = ids(conf, policy);
    for (const id of ['tomcat-client-verify-optional', 'tomcat-client-ca-missing']) assert.ok(before.includes(id), `${id} fired before: ${before.join(', ')}`);
    const run = runAudit({ paths: [conf], policy });
    const [changed] = applyEdits(run.edits, run.load.texts, run.load.diskPaths);
    assert.ok(changed);
    fixedXml = changed.after;
    const was = WEAK.split('\n');
    const now = fixedXml.split('\n');
    assert.equal(now.length, was.length);
    const differ = now.flatMap((l, i) => (l !== was[i] ? [i] : []));
    assert.deepEqual(differ, [8], 'only the SSLHostConfig line changes (two edits on one line compose)');
    assert.equal(now[8], `      <SSLHostConfig caCertificateFile="${caFile}" certificateVerification="required" protocols="TLSv1.2+TLSv1.3">`);
    const fixed = writeConf('fixed', fixedXml);
    const afterIds = ids(fixed, policy);
    for (const id of ['tomcat-client-verify-optional', 'tomcat-client-ca-missing', 'tomcat-client-verify-optional-no-ca']) assert.ok(!afterIds.includes(id), `${id} still fires`);
    // Text only: a CRL must come from the CA; stapling is a JVM option in setenv.sh (not part of this audit).
    assert.ok(afterIds.includes('tomcat-client-revocation-missing'));
  });

  test('optionalNoCA and the legacy clientAuth="want" become required too', () => {
    const noCa = writeConf('noca', WEAK.replace('certificateVerification="optional"', 'certificateVerification="optionalNoCA"'));
    const a = runAudit({ paths: [noCa], policy });
    assert.match(applyEdits(a.edits, a.load.texts, a.load.diskPaths)[0]!.after, /<SSLHostConfig caCertificateFile="[^"]+" certificateVerification="required"/);
    const legacy = writeConf('legacy', WEAK.replace('SSLEnabled="true"', 'SSLEnabled="true" clientAuth="want"').replace(' certificateVerification="optional"', ''));
    const b = runAudit({ paths: [legacy], policy });
    const out = applyEdits(b.edits, b.load.texts, b.load.diskPaths)[0]!.after;
    assert.match(out, /SSLEnabled="true" clientAuth="true"/);
    assert.ok(!ids(writeConf('legacy-fixed', out), policy).includes('tomcat-client-verify-optional'));
  });

  test('an attribute name inside another attribute\'s value is not taken for the attribute', () => {
    const tricky = writeConf('tricky', WEAK.replace('protocols="TLSv1.2+TLSv1.3"', 'ciphers="certificateVerification=&quot;none&quot;"'));
    const run = runAudit({ paths: [tricky], policy });
    const line = applyEdits(run.edits, run.load.texts, run.load.diskPaths)[0]!.after.split('\n')[8]!;
    assert.match(line, /certificateVerification="required" ciphers="certificateVerification=&quot;none&quot;"/);
  });

  async function clientAuth(port: number): Promise<ClientAuthDetails> {
    const report = await runScan({ policy, targets: [{ input: `${NAME}:${port}`, host: NAME, port, address: '127.0.0.1' }], targetTimeoutMs: SCAN_TIMEOUT_MS });
    const d = report.results[0]!.evidence.checks['client-auth'] as ClientAuthDetails | undefined;
    assert.ok(d, JSON.stringify(report.results[0]!.attempts));
    return d;
  }

  test('closed loop: the weak server.xml lets a client without a certificate in; the fixed one starts, asks for a certificate and refuses every untrusted credential', { skip: !hasTomcat() && 'tomcat10 not installed (apt-get install tomcat10)', timeout: 60_000 }, async () => {
    assert.ok(fixedXml, 'the fix test ran first');
    const files = { 'cert.pem': leaf.certificate.toPem() + root.certificate.toPem(), 'key.pem': keyPem(leaf.privateKey) };
    // The fixed file names the CA by the path it had when audited; Tomcat must find it there.
    const [weak, fixed] = await Promise.all([startTomcat({ serverXml: WEAK, files }), startTomcat({ serverXml: fixedXml, files })]);
    try {
      const before = await clientAuth(weak.port);
      assert.ok(before.probes.some((p) => p.credential === 'none' && p.accepted), `weak: a client without a certificate is let in: ${JSON.stringify(before.probes)}`);
      const after = await clientAuth(fixed.port);
      assert.equal(after.requested, true, JSON.stringify(after));
      assert.ok(after.probes.length > 0);
      for (const p of after.probes) assert.equal(p.accepted, false, `fixed: ${p.version}/${p.credential} accepted: ${p.detail}`);
      assert.ok(after.acceptableCaNames.some((n) => n.includes('Tomcat Fix Root')), `the policy CA is the one Tomcat names: ${after.acceptableCaNames.join('; ')}`);
    } finally {
      await Promise.all([weak.stop(), fixed.stop()]);
    }
  });
});
