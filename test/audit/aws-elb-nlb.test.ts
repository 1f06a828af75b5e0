/**
 * Network Load Balancers verify client certificates too: AWS's "Authenticate
 * clients using mutual TLS for Network Load Balancers" says NLB TLS listeners
 * support mutual TLS in verify mode only, against a trust store that may
 * hold CRLs (docs/audit.md, Sources checked). The aws-elb rules must judge an
 * NLB `TLS` listener's MutualAuthentication as they judge an ALB's.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runAudit } from '../../src/audit/run.ts';
import { tempDir } from '../helpers/pki.ts';

const TRUST_STORE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:truststore/devices/5a1f2e3d4c5b6a79';

function nlbListener(mutualAuthentication?: Record<string, unknown>): string {
  return JSON.stringify({
    Listeners: [
      {
        ListenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/devices/0f1e2d3c4b5a6978/1a2b3c4d5e6f7a8b',
        LoadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/devices/0f1e2d3c4b5a6978',
        Port: 8883,
        Protocol: 'TLS',
        Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devices/1234567890abcdef' }],
        ...(mutualAuthentication ? { MutualAuthentication: mutualAuthentication } : {}),
      },
    ],
  }, null, 2);
}

function ids(files: string[]): string[] {
  return runAudit({ paths: files, dialect: 'aws-elb' }).report.results.flatMap((r) => Object.values(r.requirements).flatMap((q) => q.findings.map((f) => f.id)));
}

describe('aws-elb: Network Load Balancer TLS listeners with mutual TLS (verify mode only)', () => {
  const tmp = tempDir('certwarden-audit-nlb-');
  after(() => tmp.cleanup());
  const verify = { Mode: 'verify', TrustStoreArn: TRUST_STORE };
  const store = (revoked: number): string => tmp.write(`stores-${revoked}.json`, JSON.stringify({ TrustStores: [{ Name: 'devices', TrustStoreArn: TRUST_STORE, Status: 'ACTIVE', NumberOfCaCertificates: 1, TotalRevokedEntries: revoked }] }));

  test('an NLB TLS listener verifying against a trust store without a CRL fires aws-elb-trust-store-no-revocation', () => {
    const found = ids([tmp.write('nlb-verify.json', nlbListener(verify)), store(0)]);
    assert.ok(found.includes('aws-elb-trust-store-no-revocation'), found.join(', '));
    assert.ok(!found.includes('aws-elb-mtls-passthrough'), found.join(', '));
  });
  test('the same listener is silent on revocation once the trust store holds a CRL', () => {
    const found = ids([tmp.write('nlb-verify-crl.json', nlbListener(verify)), store(3)]);
    assert.ok(!found.includes('aws-elb-trust-store-no-revocation'), found.join(', '));
  });
  test('an NLB TLS listener with IgnoreClientCertificateExpiry fires aws-elb-mtls-ignore-expiry; no listener is ever said to staple', () => {
    const found = ids([tmp.write('nlb-expiry.json', nlbListener({ ...verify, IgnoreClientCertificateExpiry: true })), store(3)]);
    assert.ok(found.includes('aws-elb-mtls-ignore-expiry'), found.join(', '));
    assert.ok(found.includes('aws-elb-no-stapling'), found.join(', '));
  });
});
