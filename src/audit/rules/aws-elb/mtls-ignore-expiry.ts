import { defineRule } from '../rule.ts';
import { at, value } from '../../config/structured.ts';
import { ELB_DOCS, mtlsMode, type ElbUnit } from './unit.ts';

export default defineRule<ElbUnit>({
  id: 'aws-elb-mtls-ignore-expiry',
  requirement: 'V9.2.1',
  severity: 'high',
  dialect: 'aws-elb',
  title: 'mTLS `verify` with `IgnoreClientCertificateExpiry: true`: expired client certificates are accepted',
  fix: 'Set `IgnoreClientCertificateExpiry=false` in the listener\'s MutualAuthentication (aws elbv2 modify-listener).',
  source: ELB_DOCS.mtls,
  check(u) {
    if (mtlsMode(u) !== 'verify') return 'na';
    if (value(u.listener, 'MutualAuthentication.IgnoreClientCertificateExpiry') !== 'true') return [];
    const d = at(u.listener, 'MutualAuthentication.IgnoreClientCertificateExpiry')!;
    return [{ message: 'expired client certificates pass verification', file: d.file, line: d.line }];
  },
});
