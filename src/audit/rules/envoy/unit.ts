/**
 * Envoy units: one per TLS transport socket (`DownstreamTlsContext` of a
 * listener, `UpstreamTlsContext` of a cluster), found by the `@type` of a
 * typed config anywhere in the bootstrap (static resources or a file of
 * discovery resources).
 */
import type { Directive } from '../../config/model.ts';
import { at, child, descendants, value } from '../../config/structured.ts';
import type { LoadedConfig } from '../../load.ts';

export interface EnvoyUnit {
  config: LoadedConfig;
  side: 'downstream' | 'upstream';
  /** The typed config mapping (holds `@type`). */
  context: Directive;
}

const TLS_TYPE = /\.transport_sockets\.tls\.v3\.(Downstream|Upstream)TlsContext$/;

export function envoyUnits(config: LoadedConfig): EnvoyUnit[] {
  const units: EnvoyUnit[] = [];
  for (const d of descendants(config.file.directives)) {
    const type = value(child(d, '@type'));
    const m = type ? TLS_TYPE.exec(type) : null;
    if (m) units.push({ config, side: m[1] === 'Downstream' ? 'downstream' : 'upstream', context: d });
  }
  return units;
}

export function envoyTarget(u: EnvoyUnit): string {
  return `${u.context.file}:${u.context.line} ${u.side === 'downstream' ? 'DownstreamTlsContext' : 'UpstreamTlsContext'}${value(u.context, 'sni') ? ` sni ${value(u.context, 'sni')}` : ''}`;
}

/** The validation context in any of its three spellings (static, SDS, combined); undefined when there is none. */
export function validation(u: EnvoyUnit): { static?: Directive; dynamic: boolean } | undefined {
  const common = child(u.context, 'common_tls_context');
  const direct = child(common, 'validation_context');
  const combined = at(common, 'combined_validation_context.default_validation_context');
  const sds = child(common, 'validation_context_sds_secret_config') ?? at(common, 'combined_validation_context.validation_context_sds_secret_config');
  if (!direct && !combined && !sds) return undefined;
  const merged = direct ?? combined;
  return { ...(merged ? { static: merged } : {}), dynamic: sds !== undefined };
}

export function certificates(u: EnvoyUnit): Directive[] {
  return child(child(u.context, 'common_tls_context'), 'tls_certificates')?.children ?? [];
}

export const ENVOY_DOCS = {
  tls: 'https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/tls.proto',
  common: 'https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/transport_sockets/tls/v3/common.proto',
} as const;
