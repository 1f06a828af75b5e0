/**
 * What an nginx server block declares about its live endpoint: each TLS
 * `listen` (address and port), the name to send as SNI (the first usable
 * `server_name`), and the settings a scan can confirm (stapling, required
 * client certificates). Where to connect is decided here, and only ever to
 * a loopback address unless the user maps the listener explicitly
 * (`--live-resolve HOST:PORT:ADDR`): an audit must not reach out to
 * machines the configuration names.
 */
import { isIP } from 'node:net';
import { expand, type Directive } from '../config/model.ts';
import { isOn, lookup, type NginxUnit } from '../rules/nginx/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';

/** nginx's default port for a `listen` that names only an address (ngx_http_core_module: `listen address` = port 80; with ssl it is still 80). */
const NGINX_DEFAULT_LISTEN_PORT = 80;
/** Where a listen on all addresses (`listen 443`, `*:443`, `[::]:443`) is scanned: the local machine's loopback. */
export const WILDCARD_SCAN_ADDRESS = '127.0.0.1';

export interface DeclaredListener {
  /** The `listen` directive (findings point at it). */
  at: Directive;
  /** The address as written (`*` for none). */
  declared: string;
  port: number;
  /** SNI and the name the certificate is checked against; undefined when no usable server_name exists. */
  serverName?: string;
  /** Where to connect, or why not. */
  connect: { address: string } | { skip: string };
}

export interface LiveDeclaration {
  listeners: DeclaredListener[];
  /** `ssl_stapling on` in effect for the server. */
  stapling?: Directive;
  /** `ssl_verify_client on` in effect (required, not optional). */
  clientAuthRequired?: Directive;
  /**
   * `http`: nginx completes the TLS handshake without a client certificate
   * and refuses the request (400 "No required SSL certificate was sent"), so
   * only a missing CertificateRequest shows the live server does not verify
   * clients; `stream`: the handshake itself must fail.
   */
  context: 'http' | 'stream';
}

/** 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return isIP(address) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(address);
}

const SERVER_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/;

/** The first server_name that is a plain host name (not `_`, a wildcard, a regex or empty). */
function firstServerName(scope: readonly Directive[]): string | undefined {
  for (const d of scope) if (d.key === 'server_name') for (const a of d.args) if (a !== '_' && SERVER_NAME.test(a)) return a.toLowerCase();
  return undefined;
}

/** `listen` address forms: `ADDR:PORT`, `[V6]:PORT`, `PORT`, `ADDR`, `*:PORT`, `unix:PATH` (undefined: not a TCP listener). */
function parseListen(text: string): { address: string; port: number } | undefined {
  if (text.startsWith('unix:')) return undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (v6) return { address: v6[1]!, port: v6[2] ? Number(v6[2]) : NGINX_DEFAULT_LISTEN_PORT };
  if (/^\d{1,5}$/.test(text)) return { address: '*', port: Number(text) };
  const hp = /^([^:]+):(\d{1,5})$/.exec(text);
  if (hp) return { address: hp[1]!, port: Number(hp[2]) };
  if (/^[^:\s]+$/.test(text)) return { address: text, port: NGINX_DEFAULT_LISTEN_PORT };
  return undefined;
}

function isWildcard(address: string): boolean {
  return address === '*' || address === '0.0.0.0' || address === '::' || /^(0{0,4}:){2,7}0{0,4}$/.test(address);
}

function decide(address: string, port: number, serverName: string | undefined, overrides: readonly ResolveOverride[]): DeclaredListener['connect'] {
  const mapped = overrides.find((o) => o.port === port && (o.host === serverName || o.host === address.toLowerCase()));
  if (mapped) return { address: mapped.address };
  if (isWildcard(address)) return { address: WILDCARD_SCAN_ADDRESS };
  if (address.toLowerCase() === 'localhost') return { address: '127.0.0.1' };
  if (isLoopbackAddress(address)) return { address };
  return { skip: `listens on ${address}:${port}, which is not a loopback address: not scanned (map it with --live-resolve ${serverName ?? address}:${port}:ADDR to scan it)` };
}

/** Whether the unit's server block sits directly in a `stream` block (includes expanded). */
function inStream(u: NginxUnit): boolean {
  return expand(u.config.file.directives).some((d) => d.key === 'stream' && d.children !== undefined && expand(d.children).includes(u.server!));
}

/** The live declaration of an nginx server block that terminates TLS; undefined for other units. */
export function nginxDeclaration(u: NginxUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (!u.server || !u.tls) return undefined;
  const inner = u.scopes[u.scopes.length - 1]!;
  const listens = inner.filter((d) => d.key === 'listen' && d.args[0] !== undefined);
  const sslOn = isOn(lookup(u.scopes, 'ssl'));
  // `quic` listeners are UDP (HTTP/3): a TLS-over-TCP scan cannot reach them.
  const tls = listens.filter((d) => !d.args.includes('quic') && (sslOn || d.args.slice(1).includes('ssl')));
  const serverName = firstServerName(inner);
  const listeners: DeclaredListener[] = [];
  for (const d of tls) {
    const parsed = parseListen(d.args[0]!);
    if (!parsed || parsed.port < 1 || parsed.port > 65535) continue;
    listeners.push({ at: d, declared: parsed.address, port: parsed.port, ...(serverName ? { serverName } : {}), connect: decide(parsed.address, parsed.port, serverName, overrides) });
  }
  const stapling = lookup(u.scopes, 'ssl_stapling');
  const verify = lookup(u.scopes, 'ssl_verify_client');
  return { listeners, context: inStream(u) ? 'stream' : 'http', ...(isOn(stapling) ? { stapling: stapling! } : {}), ...(isOn(verify) ? { clientAuthRequired: verify! } : {}) };
}
