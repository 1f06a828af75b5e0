/**
 * The live declaration of an Apache `<VirtualHost>` with `SSLEngine on`:
 * one listener per address of the virtual host, narrowed by the `Listen`
 * directives (a `<VirtualHost *:443>` is reachable only where a `Listen`
 * binds 443). SNI is the ServerName (scheme and port stripped), else the
 * first plain ServerAlias. `SSLUseStapling on` and `SSLVerifyClient require`
 * are what a scan can confirm; mod_ssl refuses a client without a
 * certificate in the handshake.
 */
import type { Directive } from '../config/model.ts';
import { arg, lookup, type ApacheUnit } from '../rules/apache/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, isLoopbackAddress, isWildcard, plainHostName, tcpPort, type DeclaredListener, type LiveDeclaration } from './listen.ts';

/** `ADDR:PORT`, `[V6]:PORT`, `PORT` (Listen), `ADDR` (no port: every port), `*`, `_default_`. */
function parseAddress(text: string): { address: string; port?: number } | undefined {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}|\*))?$/.exec(text);
  if (v6) return { address: v6[1]!, ...(tcpPort(v6[2]) ? { port: tcpPort(v6[2])! } : {}) };
  const port = tcpPort(text);
  if (port) return { address: '*', port };
  const hp = /^([^:\s]+)(?::(\d{1,5}|\*))?$/.exec(text);
  if (!hp) return undefined;
  const address = hp[1] === '_default_' ? '*' : hp[1]!;
  return { address, ...(tcpPort(hp[2]) ? { port: tcpPort(hp[2])! } : {}) };
}

/** The name to send as SNI: ServerName (`[scheme://]name[:port]`), else the first plain ServerAlias. */
function serverName(u: ApacheUnit): string | undefined {
  const name = [...u.own].reverse().find((d) => d.key === 'servername')?.args[0];
  const bare = name?.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/:\d+$/, '');
  const fromName = bare !== undefined ? plainHostName(bare) : undefined;
  if (fromName) return fromName;
  for (const d of u.own) if (d.key === 'serveralias') for (const a of d.args) if (plainHostName(a)) return plainHostName(a);
  return undefined;
}

interface Bound {
  at: Directive;
  address: string;
  port: number;
}

/**
 * Where a virtual host address is reachable, given what `Listen` binds. A
 * wildcard virtual host is served on every address a `Listen` binds its port
 * on: all addresses (scanned on loopback), a loopback address, else the first
 * address bound (not loopback: skipped unless mapped). Without any `Listen`
 * for the port in what was read (ports.conf may not be part of the audit),
 * the virtual host's own address decides.
 */
function reachable(address: string, port: number, binds: readonly Bound[]): string {
  const onPort = binds.filter((b) => b.port === port);
  if (!isWildcard(address) || onPort.length === 0) return address;
  if (onPort.some((b) => isWildcard(b.address))) return '*';
  return (onPort.find((b) => isLoopbackAddress(b.address)) ?? onPort[0]!).address;
}

/** The live declaration of a TLS virtual host; undefined for other units. */
export function apacheDeclaration(u: ApacheUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (!u.vhost || arg(lookup(u, 'sslengine')) !== 'on') return undefined;
  const binds: Bound[] = u.global.flatMap((d) => {
    const a = d.key === 'listen' && d.args[0] ? parseAddress(d.args[0]) : undefined;
    return a?.port ? [{ at: d, address: a.address, port: a.port }] : [];
  });
  const name = serverName(u);
  const stapling = lookup(u, 'sslusestapling');
  const verify = lookup(u, 'sslverifyclient');
  const settings = {
    refusal: 'handshake',
    ...(arg(stapling) === 'on' ? { stapling: { at: stapling!, says: 'SSLUseStapling is on' } } : {}),
    ...(arg(verify) === 'require' ? { clientAuthRequired: { at: verify!, says: 'SSLVerifyClient is require' } } : {}),
  } as const;
  const listeners: DeclaredListener[] = [];
  const seen = new Set<string>();
  for (const text of u.vhost.args) {
    const a = parseAddress(text);
    if (!a) continue;
    // An address without a port (or `:*`) matches every port Apache listens on for it.
    const ports = a.port ? [a.port] : [...new Set(binds.filter((b) => isWildcard(a.address) || isWildcard(b.address) || b.address === a.address).map((b) => b.port))];
    for (const port of ports) {
      const address = reachable(a.address, port, binds);
      const key = `${address}\u0000${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      listeners.push({ at: u.vhost, declared: a.address, port, ...(name ? { serverName: name } : {}), connect: decide(address, port, name, overrides), ...settings });
    }
  }
  return { listeners };
}
