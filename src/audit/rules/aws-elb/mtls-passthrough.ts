import { defineRule } from '../rule.ts';
import { at } from '../../config/structured.ts';
import { ELB_DOCS, mtlsMode, type ElbUnit } from './unit.ts';

export default defineRule<ElbUnit>({
  id: 'aws-elb-mtls-passthrough',
  requirement: 'V9.2.1',
  severity: 'medium',
  dialect: 'aws-elb',
  title: 'mTLS `passthrough`: the load balancer does not verify client certificates, it forwards them (X-Amzn-Mtls-Clientcert) for the targets to verify',
  fix: 'Use `MutualAuthentication={Mode=verify,TrustStoreArn=ARN}` with a trust store holding only the organisation\'s client CA and its CRLs, or verify the forwarded certificate in every target (and say so in the policy).',
  source: ELB_DOCS.mtls,
  check(u) {
    if (u.listener.children?.some((c) => c.key === 'MutualAuthentication') !== true) return 'na';
    if (mtlsMode(u) !== 'passthrough') return [];
    const d = at(u.listener, 'MutualAuthentication.Mode')!;
    return [{ message: 'client certificates are forwarded unverified', file: d.file, line: d.line }];
  },
});
