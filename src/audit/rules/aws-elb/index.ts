/** The AWS Elastic Load Balancing (v2) rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { ElbUnit } from './unit.ts';
import mtlsPassthrough from './mtls-passthrough.ts';
import mtlsIgnoreExpiry from './mtls-ignore-expiry.ts';
import trustStoreNoRevocation from './trust-store-no-revocation.ts';
import noStapling from './no-stapling.ts';

export const AWS_ELB_RULES: readonly Rule<ElbUnit>[] = [mtlsPassthrough, mtlsIgnoreExpiry, trustStoreNoRevocation, noStapling];
