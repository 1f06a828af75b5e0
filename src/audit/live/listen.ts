/**
 * What a configuration declares about its live endpoints, whatever the
 * dialect: each TLS listener (address and port), the name to send as SNI,
 * and the settings a scan can confirm (stapling, required client
 * certificates). Where to connect is decided here, and only ever to a
 * loopback address unless the user maps the listener explicitly
 * (`--live-resolve HOST:PORT:ADDR`): an audit must not reach out to
 * machines the configuration names. The dialects' derivations sit beside
 * this file (nginx.ts, apache.ts, haproxy.ts, tomcat.ts, caddy.ts, envoy.ts).
 */
import { isIP } from 'node:net';
import type { Directive } from '../config/model.ts';
import type { ResolveOverride } from '../../scan/target.ts';

/** Where a listener on all addresses (nginx `listen 443`, Apache `<VirtualHost *:443>`, HAProxy `bind :443`) is scanned: the local machine's loopback. */
export const WILDCARD_SCAN_ADDRESS = '127.0.0.1';

export interface DeclaredListener {
  /** The directive that declares it: nginx `listen`, Apache `<VirtualHost>` (or `Listen`), HAProxy `bind`, Tomcat `<Connector>`, Caddy `listen`, Envoy `socket_address` (findings point at it). */
  at: Directive;
  /** The address as written (`*` for all addresses). */
  declared: string;
  port: number;
  /** SNI and the name the certificate is checked against; undefined when no usable name exists. */
  serverName?: string;
  /** Where to connect, or why not. */
  connect: { address: string } | { skip: string };
  /** OCSP stapling is on for this listener. */
  stapling?: DeclaredSetting;
  /** Client certificates are required (not optional). */
  clientAuthRequired?: DeclaredSetting;
  /**
   * Where the server refuses a client without a certificate. `request`:
   * nginx's http servers complete the TLS handshake and refuse the request
   * (400 "No required SSL certificate was sent"), so only a missing
   * CertificateRequest shows that the live server does not verify clients.
   * `handshake` (nginx stream, Apache SSLVerifyClient require, HAProxy
   * verify required): the handshake itself must fail.
   */
  refusal: 'handshake' | 'request';
}

/** A setting the scan can confirm, with the words that name it in the dialect (`ssl_stapling on`, `SSLUseStapling on`). */
export interface DeclaredSetting {
  at: Directive;
  says: string;
}

/** What one unit (server block, virtual host, HAProxy section) declares: its TLS listeners, each with its settings. */
export interface LiveDeclaration {
  listeners: DeclaredListener[];
}

/** 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return isIP(address) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(address);
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/;

/** A plain host name usable as SNI (not `_`, a wildcard, a regex, an address or empty), lowercased; else undefined. */
export function plainHostName(text: string): string | undefined {
  return text !== '_' && HOST_NAME.test(text) && isIP(text) === 0 ? text.toLowerCase() : undefined;
}

/** All addresses: `*`, `0.0.0.0`, `::` (any spelling), and an empty HAProxy address (`bind :443`). */
export function isWildcard(address: string): boolean {
  return address === '' || address === '*' || address === '0.0.0.0' || address === '::' || /^(0{0,4}:){2,7}0{0,4}$/.test(address);
}

/** Where to connect for a declared address: an explicit --live-resolve mapping, else loopback only. */
export function decide(address: string, port: number, serverName: string | undefined, overrides: readonly ResolveOverride[]): DeclaredListener['connect'] {
  const mapped = overrides.find((o) => o.port === port && (o.host === serverName || o.host === address.toLowerCase()));
  if (mapped) return { address: mapped.address };
  if (isWildcard(address)) return { address: WILDCARD_SCAN_ADDRESS };
  if (address.toLowerCase() === 'localhost') return { address: '127.0.0.1' };
  if (isLoopbackAddress(address)) return { address };
  return { skip: `listens on ${address}:${port}, which is not a loopback address: not scanned (map it with --live-resolve ${serverName ?? address}:${port}:ADDR to scan it)` };
}

/** A TCP port as written (1-65535), else undefined. */
export function tcpPort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}
