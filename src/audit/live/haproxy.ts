/**
 * The live declaration of an HAProxy `frontend`/`listen` section: one
 * listener per TCP address of each `bind … ssl` line. SNI is the first plain
 * name among the crt-list lines' SNI filters, else the first DNS name of the
 * `crt` certificate (read, bounded; never resolved). Stapling is declared
 * when every certificate of the bind has its `.ocsp` response (or the bind
 * says `ocsp-update on`); client certificates are required when `verify
 * required` holds for every certificate (crt-list lines may override it). HAProxy refuses a client without a certificate in the handshake.
 */
import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Directive } from '../config/model.ts';
import { readTextFileBounded } from '../../util/bounded-read.ts';
import { MAX_TRUST_STORE_BYTES } from '../trust-store.ts';
import { ocspFileFor, option, tlsBinds, verifyContexts, type HaproxyUnit } from '../rules/haproxy/unit.ts';
import type { ResolveOverride } from '../../scan/target.ts';
import { decide, plainHostName, tcpPort, type DeclaredListener, type LiveDeclaration } from './listen.ts';

/** Address families a TLS-over-TCP scan can reach; `unix@`, `abns@`, `fd@`, `sockpair@`, `quic*@`/`udp*@` (UDP) and paths are not. */
const TCP_FAMILIES = new Set(['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6']);

/** One address of a bind (`ADDR:PORT`, `:PORT`, `*:PORT`, `[V6]:PORT`, `V6:PORT` with the last colon before the port); undefined for sockets, ranges and `${VAR}`. */
export function parseBindAddress(text: string): { address: string; port: number } | undefined {
  const family = /^([a-z0-9]+)@/i.exec(text)?.[1];
  if (text.includes('$') || text.startsWith('/') || (family !== undefined && !TCP_FAMILIES.has(family.toLowerCase()))) return undefined;
  const bare = family !== undefined ? text.slice(family.length + 1) : text;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(bare);
  const m = v6 ?? /^(.*):(\d{1,5})$/.exec(bare);
  const port = tcpPort(m?.[2]);
  if (!m || !port) return undefined;
  return { address: m[1]!, port };
}

function resolve(u: HaproxyUnit, value: string): string {
  const base = u.global?.children?.find((d) => d.key === 'crt-base')?.args[0];
  if (isAbsolute(value)) return value;
  return base ? join(isAbsolute(base) ? base : join(u.config.baseDir, base), value) : join(u.config.baseDir, value);
}

/** The first DNS name of the first certificate in a PEM file (subjectAltName, else the subject CN); undefined when unreadable. */
function certificateName(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(readTextFileBounded(path, { maxBytes: MAX_TRUST_STORE_BYTES, what: 'certificate' }))?.[0];
    if (!pem) return undefined;
    const cert = new X509Certificate(pem);
    for (const entry of (cert.subjectAltName ?? '').split(', ')) if (entry.startsWith('DNS:') && plainHostName(entry.slice(4))) return plainHostName(entry.slice(4));
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
    return cn ? plainHostName(cn) : undefined;
  } catch {
    // A certificate that cannot be read gives no name: the scan then checks the address.
    return undefined;
  }
}

function certificates(b: Directive): string[] {
  return b.args.flatMap((a, i) => (a === 'crt' && b.args[i + 1] ? [b.args[i + 1]!] : []));
}

function sniName(u: HaproxyUnit, b: Directive): string | undefined {
  for (const line of b.included ?? []) for (const f of line.sniFilters ?? []) if (plainHostName(f)) return plainHostName(f);
  for (const c of [...certificates(b), ...(b.included ?? []).map((l) => l.name)]) {
    const name = c.includes('$') ? undefined : certificateName(resolve(u, c));
    if (name) return name;
  }
  return undefined;
}

/** Every certificate of the bind has its `.ocsp` response next to it, or HAProxy fetches them itself (`ocsp-update on`). */
function staples(u: HaproxyUnit, b: Directive): boolean {
  if (option(b, 'ocsp-update') === 'on') return true;
  const listed = b.included ?? [];
  const all = [...certificates(b).map((c) => ({ c, updated: false })), ...listed.map((l) => ({ c: l.name, updated: option(l, 'ocsp-update') === 'on' }))];
  return all.length > 0 && all.every(({ c, updated }) => updated || (!c.includes('$') && ocspFileFor(resolve(u, c))));
}

/** The live declaration of a section with TLS binds; undefined for other units. */
export function haproxyDeclaration(u: HaproxyUnit, overrides: readonly ResolveOverride[]): LiveDeclaration | undefined {
  if (u.section.key !== 'frontend' && u.section.key !== 'listen') return undefined;
  const binds = tlsBinds(u);
  if (binds.length === 0) return undefined;
  const listeners: DeclaredListener[] = [];
  const contexts = verifyContexts(u);
  for (const b of binds) {
    // crt-list lines may override `verify` per certificate: required only when every certificate of the bind requires it.
    const mine = contexts.filter((c) => c.bind === b);
    const required = mine.length > 0 && mine.every((c) => c.verify === 'required');
    const name = sniName(u, b);
    const settings = {
      refusal: 'handshake',
      ...(staples(u, b) ? { stapling: { at: b, says: 'every certificate of this bind has its .ocsp response' } } : {}),
      ...(required ? { clientAuthRequired: { at: b, says: 'this bind requires client certificates (`verify required`)' } } : {}),
    } as const;
    for (const text of (b.args[0] ?? '').split(',')) {
      const a = parseBindAddress(text);
      if (!a) continue;
      listeners.push({ at: b, declared: a.address === '' ? '*' : a.address, port: a.port, ...(name ? { serverName: name } : {}), connect: decide(a.address, a.port, name, overrides), ...settings });
    }
  }
  return { listeners };
}
