/**
 * HAProxy units: one per `frontend`, `backend` and `listen` section, plus
 * `global` when it changes the server-side verification default. `bind` and
 * `server` lines carry their TLS options as keywords on the line; a
 * `default-server` line (section, then `defaults`) and the global
 * `ssl-server-verify` supply what a server line leaves out.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Directive } from '../../config/model.ts';
import type { LoadedConfig } from '../../load.ts';
import type { Edit } from '../rule.ts';

export interface HaproxyUnit {
  config: LoadedConfig;
  section: Directive;
  /** Lines of the section (`bind`, `server`, ...). */
  lines: Directive[];
  global?: Directive;
  /** The last `defaults` section before this one. */
  defaults?: Directive;
  text: (file: string) => string[] | undefined;
}

export function haproxyUnits(config: LoadedConfig, text: (file: string) => string[] | undefined): HaproxyUnit[] {
  const units: HaproxyUnit[] = [];
  const global = config.file.directives.find((d) => d.key === 'global');
  let defaults: Directive | undefined;
  for (const d of config.file.directives) {
    if (d.key === 'defaults') defaults = d;
    if (d.key === 'frontend' || d.key === 'backend' || d.key === 'listen' || (d.key === 'global' && d.children?.some((c) => c.key === 'ssl-server-verify'))) {
      units.push({ config, section: d, lines: d.children ?? [], ...(global ? { global } : {}), ...(defaults ? { defaults } : {}), text });
    }
  }
  return units;
}

export function haproxyTarget(u: HaproxyUnit): string {
  return `${u.section.file}:${u.section.line} ${u.section.name}${u.section.args[0] ? ` ${u.section.args[0]}` : ''}`;
}

/** The value after keyword `name` on a line, or undefined. */
export function option(d: Directive, name: string): string | undefined {
  const i = d.args.indexOf(name);
  return i >= 0 ? d.args[i + 1] : undefined;
}

export function has(d: Directive, word: string): boolean {
  return d.args.includes(word);
}

export function tlsBinds(u: HaproxyUnit): Directive[] {
  return u.lines.filter((d) => d.key === 'bind' && has(d, 'ssl'));
}

/** Server lines that speak TLS, each with the `default-server` lines that apply to it. */
export function tlsServers(u: HaproxyUnit): { server: Directive; defaults: Directive[] }[] {
  const defaults = [...(u.defaults?.children ?? []).filter((d) => d.key === 'default-server'), ...u.lines.filter((d) => d.key === 'default-server')];
  const sslDefault = defaults.some((d) => has(d, 'ssl'));
  return u.lines.filter((d) => d.key === 'server' && (has(d, 'ssl') || sslDefault) && !has(d, 'no-ssl')).map((server) => ({ server, defaults }));
}

/** A server keyword from the line, else from the nearest default-server. */
export function serverOption(s: { server: Directive; defaults: Directive[] }, name: string): string | undefined {
  return option(s.server, name) ?? [...s.defaults].reverse().map((d) => option(d, name)).find((v) => v !== undefined);
}

export function globalServerVerify(u: HaproxyUnit): Directive | undefined {
  return u.global?.children?.filter((d) => d.key === 'ssl-server-verify').pop();
}

/** Replace `from` (a regular expression on the raw line) with `to` on the directive's own line. */
export function rewriteLine(u: HaproxyUnit, d: Directive, from: RegExp, to: string): Edit[] | undefined {
  const text = u.text(d.file)?.[d.line - 1];
  if (text === undefined || !from.test(text)) return undefined;
  return [{ file: d.file, line: d.line, kind: 'replace', text: [text.replace(from, to)] }];
}

/** Append keywords at the end of a line (before a trailing comment). */
export function appendToLine(u: HaproxyUnit, d: Directive, words: string): Edit[] | undefined {
  const text = u.text(d.file)?.[d.line - 1];
  if (text === undefined) return undefined;
  const m = /^(.*?)(\s*#.*)?$/.exec(text)!;
  return [{ file: d.file, line: d.line, kind: 'replace', text: [`${m[1]!.trimEnd()} ${words}${m[2] ?? ''}`] }];
}

/** Whether a `.ocsp` response sits next to a certificate (file) or any certificate in a folder. */
export function ocspFileFor(certPath: string): boolean {
  try {
    if (statSync(certPath).isDirectory()) return readdirSync(certPath).some((n) => n.endsWith('.ocsp'));
  } catch {
    return false;
  }
  return existsSync(`${certPath}.ocsp`);
}

export const HAPROXY_DOCS = {
  bind: 'https://docs.haproxy.org/2.8/configuration.html#5.1',
  server: 'https://docs.haproxy.org/2.8/configuration.html#5.2',
  global: 'https://docs.haproxy.org/2.8/configuration.html#3.1-ssl-server-verify',
  ocsp: 'https://docs.haproxy.org/2.8/configuration.html#5.1-crt',
  ocspUpdate: 'https://docs.haproxy.org/2.8/configuration.html#5.1-ocsp-update',
} as const;
