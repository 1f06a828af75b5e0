import { defineRule } from '../rule.ts';
import { at, value } from '../../config/structured.ts';
import { ELB_DOCS, mtlsMode, type ElbUnit } from './unit.ts';

export default defineRule<ElbUnit>({
  id: 'aws-elb-trust-store-no-revocation',
  requirement: 'V9.2.4',
  severity: 'high',
  dialect: 'aws-elb',
  title: 'mTLS `verify` with a trust store that has no revocation list (CRL): a revoked client certificate is accepted (ALB and NLB trust stores take only CRLs: there is no OCSP for client certificates); or no export shows the trust store\'s revocations',
  fix: 'Add the CA\'s CRL to the trust store (`aws elbv2 add-trust-store-revocations --revocation-contents S3Bucket=…,S3Key=…`) and keep it fresh; audit the `describe-trust-stores` and `describe-trust-store-revocations` exports with the listeners.',
  source: ELB_DOCS.mtls,
  check(u) {
    if (mtlsMode(u) !== 'verify') return 'na';
    const arn = value(u.listener, 'MutualAuthentication.TrustStoreArn');
    const d = at(u.listener, 'MutualAuthentication.TrustStoreArn') ?? at(u.listener, 'MutualAuthentication')!;
    if (!arn) return [{ message: 'verify mode without a TrustStoreArn in the export', file: d.file, line: d.line }];
    const revoked = Number(value(u.exports.trustStores.get(arn), 'TotalRevokedEntries') ?? 0);
    const lists = u.exports.revocations.get(arn) ?? [];
    if (lists.length > 0 || revoked > 0) return [];
    const known = u.exports.trustStores.has(arn) || u.exports.revocationsExported;
    return [{ message: known ? `trust store ${arn.split('/').slice(-2, -1)[0] ?? arn} has no revocation list: revoked client certificates are accepted` : `trust store ${arn} is in no describe-trust-stores/describe-trust-store-revocations export given: its revocation lists cannot be shown`, file: d.file, line: d.line }];
  },
});
