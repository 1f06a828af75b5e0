/** The live declaration of an nginx server block: its TLS `listen`s, SNI from the first plain `server_name`, `ssl_stapling`, `ssl_verify_client on`. */
import { expand, type Directive } from '../config/model.ts';
import { isOn, lookup, type NginxUnit } from '../rules/nginx/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, plainHostName, type DeclaredListener, type LiveDeclaration } from './listen.ts';

/** nginx's default port for a `listen` that names only an address (ngx_http_core_module: `listen address` = port 80; with ssl it is still 80). */
const NGINX_DEFAULT_LISTEN_PORT = 80;

/** The first server_name that is a plain host name. */
function firstServerName(scope: readonly Directive[]): string | undefined {
  for (const d of scope) {
    if (d.key !== 'server_name') continue;
    for (const a of d.args) {
      const name = plainHostName(a);
      if (name) return name;
    }
  }
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
  const stapling = lookup(u.scopes, 'ssl_stapling');
  const verify = lookup(u.scopes, 'ssl_verify_client');
  const settings = {
    refusal: inStream(u) ? 'handshake' : 'request',
    ...(isOn(stapling) ? { stapling: { at: stapling!, says: 'ssl_stapling is on' } } : {}),
    ...(isOn(verify) ? { clientAuthRequired: { at: verify!, says: 'ssl_verify_client is on' } } : {}),
  } as const;
  const listeners: DeclaredListener[] = [];
  for (const d of tls) {
    const parsed = parseListen(d.args[0]!);
    if (!parsed || parsed.port < 1 || parsed.port > 65535) continue;
    listeners.push({ at: d, declared: parsed.address, port: parsed.port, ...(serverName ? { serverName } : {}), connect: decide(parsed.address, parsed.port, serverName, overrides), ...settings });
  }
  return { listeners };
}
