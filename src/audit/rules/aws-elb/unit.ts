/**
 * AWS Elastic Load Balancing (v2) from the JSON the AWS CLI exports:
 * `aws elbv2 describe-listeners`, `describe-trust-stores` and
 * `describe-trust-store-revocations`. One unit per HTTPS/TLS listener; the
 * trust stores and revocation lists of every aws-elb file of the same audit
 * are joined to the listeners by ARN, so the three exports can be given as
 * three files.
 */
import type { Directive } from '../../config/model.ts';
import { child, value } from '../../config/structured.ts';
import type { LoadedConfig } from '../../load.ts';

export interface ElbExports {
  /** TrustStoreArn → the trust store's entry (from describe-trust-stores). */
  trustStores: Map<string, Directive>;
  /** TrustStoreArn → its revocation entries (from describe-trust-store-revocations). */
  revocations: Map<string, Directive[]>;
  /** Whether any describe-trust-store-revocations export was given at all. */
  revocationsExported: boolean;
}

export interface ElbUnit {
  config: LoadedConfig;
  listener: Directive;
  exports: ElbExports;
}

const items = (config: LoadedConfig, key: string): Directive[] => config.file.directives.flatMap((root) => child(root, key)?.children ?? []);

export function collectExports(configs: readonly LoadedConfig[]): ElbExports {
  const out: ElbExports = { trustStores: new Map(), revocations: new Map(), revocationsExported: false };
  for (const c of configs) {
    for (const t of items(c, 'TrustStores')) {
      const arn = value(t, 'TrustStoreArn');
      if (arn) out.trustStores.set(arn, t);
    }
    for (const root of c.file.directives) if (child(root, 'TrustStoreRevocations')) out.revocationsExported = true;
    for (const r of items(c, 'TrustStoreRevocations')) {
      const arn = value(r, 'TrustStoreArn');
      if (arn) out.revocations.set(arn, [...(out.revocations.get(arn) ?? []), r]);
    }
  }
  return out;
}

export function elbUnits(config: LoadedConfig, exports: ElbExports): ElbUnit[] {
  return items(config, 'Listeners').filter((l) => ['HTTPS', 'TLS'].includes(value(l, 'Protocol') ?? '')).map((listener) => ({ config, listener, exports }));
}

export function elbTarget(u: ElbUnit): string {
  const arn = value(u.listener, 'ListenerArn') ?? '';
  return `${u.listener.file}:${u.listener.line} listener ${value(u.listener, 'Protocol')}:${value(u.listener, 'Port') ?? '?'}${arn ? ` ${arn.split('/').slice(-3).join('/')}` : ''}`;
}

/** `MutualAuthentication.Mode`: off when absent (AWS's default). */
export function mtlsMode(u: ElbUnit): string {
  return (value(u.listener, 'MutualAuthentication.Mode') ?? 'off').toLowerCase();
}

export const ELB_DOCS = {
  mtls: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html',
  listener: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html',
} as const;
