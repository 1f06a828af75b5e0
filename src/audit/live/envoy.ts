/**
 * The live declaration of an Envoy DownstreamTlsContext: the listener whose
 * filter chain (or default filter chain) carries it as its transport socket,
 * at the listener's `address.socket_address` and each of its
 * `additional_addresses` (TCP only: `protocol: UDP` and `pipe` addresses are
 * not reachable by a TLS-over-TCP scan; a `named_port` is not guessed at).
 * SNI is the first plain name of the chain's `filter_chain_match.server_names`
 * (a default chain has none). Client certificates are required by
 * `require_client_certificate: true` (BoringSSL then refuses a client without
 * one in the handshake). Stapling: Envoy never fetches OCSP responses; it
 * staples the `ocsp_staple` configured with a certificate (whatever
 * `ocsp_staple_policy` says, which decides only what happens without a valid
 * one), so stapling is declared when every certificate carries one.
 */
import type { Directive } from '../config/model.ts';
import { at, child, descendants, value } from '../config/structured.ts';
import { certificates, type EnvoyUnit } from '../rules/envoy/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, plainHostName, tcpPort, type DeclaredListener, type LiveDeclaration } from './listen.ts';

interface Owner {
  listener: Directive;
  chain: Directive;
}

/** Each configuration's transport-socket contexts, by the listener and chain that carry them: built once per file (a walk per context would be quadratic on a hostile bootstrap). */
const owners = new WeakMap<EnvoyUnit['config'], Map<Directive, Owner>>();

function ownersOf(config: EnvoyUnit['config']): Map<Directive, Owner> {
  let map = owners.get(config);
  if (map) return map;
  map = new Map();
  for (const d of descendants(config.file.directives)) {
    if (!child(d, 'address')) continue;
    const chains = [...(child(d, 'filter_chains')?.children ?? []), ...(child(d, 'default_filter_chain') ? [child(d, 'default_filter_chain')!] : [])];
    for (const chain of chains) {
      const context = at(chain, 'transport_socket.typed_config');
      if (context && !map.has(context)) map.set(context, { listener: d, chain });
    }
  }
  owners.set(config, map);
  return map;
}

/** A TCP socket address (`socket_address` of an Envoy Address); undefined for UDP, pipes and named ports. */
export function envoySocketAddress(address: Directive | undefined): { address: string; port: number; at: Directive } | undefined {
  const sa = child(address, 'socket_address');
  if (!sa) return undefined;
  if ((value(sa, 'protocol') ?? 'TCP').toUpperCase() !== 'TCP') return undefined;
  const port = tcpPort(value(sa, 'port_value')?.trim());
  const host = value(sa, 'address')?.trim();
  if (!port || host === undefined || host === '') return undefined;
  return { address: host, port, at: sa };
}

/** The live declaration of a downstream TLS context; undefined for upstream contexts and contexts no listener carries. */
export function envoyDeclaration(u: EnvoyUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (u.side !== 'downstream') return undefined;
  const found = ownersOf(u.config).get(u.context);
  if (!found) return undefined;
  const names = (child(at(found.chain, 'filter_chain_match'), 'server_names')?.children ?? []).map((c) => c.args[0] ?? '');
  const serverName = names.map((n) => plainHostName(n)).find((n) => n !== undefined);
  const certs = certificates(u);
  const policy = value(u.context, 'ocsp_staple_policy') ?? 'LENIENT_STAPLING';
  const required = child(u.context, 'require_client_certificate');
  const settings = {
    refusal: 'handshake',
    ...(certs.length > 0 && certs.every((c) => child(c, 'ocsp_staple')) ? { stapling: { at: u.context, says: `every certificate has an ocsp_staple (ocsp_staple_policy ${policy})` } } : {}),
    ...(value(required) === 'true' ? { clientAuthRequired: { at: required!, says: 'require_client_certificate is true' } } : {}),
  } as const;
  const addresses = [child(found.listener, 'address'), ...(child(found.listener, 'additional_addresses')?.children ?? []).map((a) => child(a, 'address'))];
  const listeners: DeclaredListener[] = [];
  for (const a of addresses) {
    const sa = envoySocketAddress(a);
    if (!sa) continue;
    listeners.push({ at: sa.at, declared: sa.address, port: sa.port, ...(serverName ? { serverName } : {}), connect: decide(sa.address, sa.port, serverName, overrides), ...settings });
  }
  return { listeners };
}
