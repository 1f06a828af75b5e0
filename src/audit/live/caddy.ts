/**
 * The live declaration of a Caddy configuration (JSON, or a Caddyfile as
 * `caddy adapt` turns it into JSON): one listener per TCP address of each
 * HTTP server that serves TLS (`apps.http.servers.*.listen`). A server
 * serves TLS when it has `tls_connection_policies`, or when a listener is
 * on the HTTPS port (`https_port`, 443 by default) and automatic HTTPS is
 * not disabled for it (Caddy then adds the policies itself). SNI is the first
 * plain name of the server's route host matchers, else of its connection
 * policies' SNI matchers.
 *
 * Client certificates are required when the connection policy Caddy picks
 * for that SNI (the one whose `match.sni` names it, else the first without a
 * matcher) has client authentication in mode `require` or
 * `require_and_verify` (Go's crypto/tls refuses a client without one in the
 * handshake). Stapling: Caddy staples by default every certificate with an
 * OCSP responder URL; it is declared when nothing disables it
 * (`disable_ocsp_stapling`) and every certificate loaded from files
 * (`load_files`, `load_pem`) that covers the SNI name has an AIA OCSP URL.
 * Certificates Caddy obtains itself (ACME) are not seen here: without a
 * loaded certificate no stapling claim is made.
 */
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Directive } from '../config/model.ts';
import { child, value } from '../config/structured.ts';
import { readTextFileBounded } from '../../util/bounded-read.ts';
import { MAX_TRUST_STORE_BYTES } from '../trust-store.ts';
import { clientAuthActive, clientMode, locate, type CaddyUnit } from '../rules/caddy/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, plainHostName, tcpPort, type DeclaredListener, type LiveDeclaration } from './listen.ts';

/** Caddy's default HTTPS port (apps.http.https_port). */
const CADDY_DEFAULT_HTTPS_PORT = 443;
/** Network prefixes of a Caddy listen address that are TCP; `udp/`, `unix/`, `unixgram/`, `unixpacket/` are not reachable by a TLS-over-TCP scan. */
const TCP_NETWORKS = new Set(['tcp', 'tcp4', 'tcp6']);

/** A Caddy listen address (`[NETWORK/]HOST:PORT`, `:PORT`, `[V6]:PORT`); undefined for other networks, port ranges and placeholders. */
export function parseCaddyListen(text: string): { address: string; port: number } | undefined {
  if (text.includes('{')) return undefined;
  const slash = text.indexOf('/');
  const network = slash >= 0 ? text.slice(0, slash).toLowerCase() : 'tcp';
  if (!TCP_NETWORKS.has(network)) return undefined;
  const bare = slash >= 0 ? text.slice(slash + 1) : text;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(bare);
  const m = v6 ?? /^([^:[\]]*):(\d{1,5})$/.exec(bare);
  const port = tcpPort(m?.[2]);
  if (!m || !port) return undefined;
  return { address: m[1] === '' ? '*' : m[1]!, port };
}

function strings(d: Directive | undefined): string[] {
  return (d?.children ?? []).map((c) => c.args[0]).filter((v): v is string => v !== undefined);
}

/** The first plain host name of the server's route host matchers, else of its connection policies' SNI matchers. */
function sniName(server: Directive): string | undefined {
  const hosts = (child(server, 'routes')?.children ?? []).flatMap((r) => (child(r, 'match')?.children ?? []).flatMap((m) => strings(child(m, 'host'))));
  const snis = (child(server, 'tls_connection_policies')?.children ?? []).flatMap((p) => strings(child(child(p, 'match'), 'sni')));
  for (const h of [...hosts, ...snis]) if (plainHostName(h)) return plainHostName(h);
  return undefined;
}

/** The connection policy Caddy applies to a ClientHello with this SNI: the first whose matcher names it, else the first without a matcher. */
function policyFor(server: Directive, name: string | undefined): Directive | undefined {
  const policies = child(server, 'tls_connection_policies')?.children ?? [];
  const named = name ? policies.find((p) => strings(child(child(p, 'match'), 'sni')).some((s) => s.toLowerCase() === name)) : undefined;
  return named ?? policies.find((p) => child(p, 'match') === undefined);
}

/** Client authentication Caddy enforces (caddytls ClientAuthentication.Active: a mode or trusted certificates). */
function requiresClientCertificate(ca: Directive | undefined): boolean {
  if (!ca) return false;
  return clientAuthActive(ca) && ['require', 'require_and_verify'].includes(clientMode(ca));
}

/** A loaded certificate (file or inline PEM), parsed; undefined when it cannot be read. */
function loadedCertificate(u: CaddyUnit, entry: Directive, field: 'certificate'): X509Certificate | undefined {
  const text = value(entry, field);
  if (!text) return undefined;
  try {
    let pem = text;
    if (!text.includes('-----BEGIN')) {
      const path = isAbsolute(text) ? text : join(u.config.baseDir, text);
      if (!statSync(path).isFile()) return undefined;
      pem = readTextFileBounded(path, { maxBytes: MAX_TRUST_STORE_BYTES, what: 'certificate' });
    }
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    return first ? new X509Certificate(first) : undefined;
  } catch {
    // A certificate that cannot be read is unknown: no stapling claim rests on it.
    return undefined;
  }
}

interface Loaded {
  entry: Directive;
  cert: X509Certificate | undefined;
}

/** The certificates loaded from files or inline PEM (`load_files`, `load_pem`), each read once; undefined when stapling is disabled. */
function loadedForStapling(u: CaddyUnit): Loaded[] | undefined {
  const tls = child(child(u.root, 'apps'), 'tls');
  const disabled = value(tls, 'disable_ocsp_stapling') === 'true' || (child(child(tls, 'automation'), 'policies')?.children ?? []).some((p) => value(p, 'disable_ocsp_stapling') === 'true');
  if (disabled) return undefined;
  const certificates = child(tls, 'certificates');
  const entries = [...(child(certificates, 'load_files')?.children ?? []), ...(child(certificates, 'load_pem')?.children ?? [])];
  return entries.map((entry) => ({ entry, cert: loadedCertificate(u, entry, 'certificate') }));
}

/** Caddy would staple for this SNI: stapling not disabled, and every loaded certificate for the name (all, without a name) has an OCSP URL; undefined where that cannot be told. */
function staplingDeclared(loaded: readonly Loaded[] | undefined, name: string | undefined): Directive | undefined {
  if (!loaded) return undefined;
  const relevant = name ? loaded.filter((l) => l.cert === undefined || l.cert.checkHost(name) !== undefined) : loaded;
  if (relevant.length === 0 || !relevant.every((l) => l.cert && /OCSP - URI:/.test(l.cert.infoAccess ?? ''))) return undefined;
  return relevant[0]!.entry;
}

/** A directive placed where a finding about it should point (a Caddyfile's keyword line; JSON: the node). */
function placed(u: CaddyUnit, d: Directive, keyword: RegExp): Directive {
  return { ...d, ...locate(u, d, keyword) };
}

/** The live declaration of a Caddy configuration: its TLS servers' listeners; undefined when it has no HTTP server. */
export function caddyDeclaration(u: CaddyUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  const http = child(child(u.root, 'apps'), 'http');
  const servers = child(http, 'servers')?.children ?? [];
  if (servers.length === 0) return undefined;
  const httpsPort = tcpPort(value(http, 'https_port')) ?? CADDY_DEFAULT_HTTPS_PORT;
  const loaded = loadedForStapling(u);
  const listeners: DeclaredListener[] = [];
  for (const server of servers) {
    const addresses = strings(child(server, 'listen')).flatMap((t) => {
      const a = parseCaddyListen(t);
      return a ? [a] : [];
    });
    const automatic = value(server, 'automatic_https.disable') !== 'true';
    const tls = child(server, 'tls_connection_policies') !== undefined || (automatic && addresses.some((a) => a.port === httpsPort));
    if (!tls) continue;
    const name = sniName(server);
    const policy = policyFor(server, name);
    const ca = child(policy, 'client_authentication');
    const staple = staplingDeclared(loaded, name);
    const listen = child(server, 'listen')!;
    const settings = {
      refusal: 'handshake',
      ...(staple ? { stapling: { at: placed(u, staple, /\btls\b/), says: 'Caddy staples by default and the certificate has an OCSP responder URL' } } : {}),
      ...(requiresClientCertificate(ca) ? { clientAuthRequired: { at: placed(u, ca!, /\bclient_auth\b/), says: `client authentication mode ${clientMode(ca!)} is set` } } : {}),
    } as const;
    for (const a of addresses) {
      listeners.push({ at: placed(u, listen, new RegExp(`:${a.port}\\b`)), declared: a.address, port: a.port, ...(name ? { serverName: name } : {}), connect: decide(a.address, a.port, name, overrides), ...settings });
    }
  }
  return { listeners };
}
