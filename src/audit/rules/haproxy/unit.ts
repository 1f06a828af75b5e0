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

/** The client-verification keywords a crt-list line may set for its certificates, overriding the bind line (configuration manual §5.1 crt-list). */
const VERIFY_KEYWORDS = ['verify', 'ca-file', 'crl-file'] as const;

/**
 * Where client verification is decided for some connections of a TLS bind:
 * the bind line itself (for its `crt` certificates, or when it has no
 * crt-list lines), and each crt-list line that sets `verify`, `ca-file` or
 * `crl-file` in its `[options]` (for the connections that select that
 * certificate). Each value is the line's own, else the bind's: `where`
 * says which line wrote it, so a finding points at the line to change.
 */
export interface VerifyContext {
  bind: Directive;
  /** The bind line, or the crt-list line that overrides it. */
  at: Directive;
  verify: string;
  caFile?: string;
  crlFile?: string;
  /** The line that wrote each value (the crt-list line or the bind). */
  where: Record<(typeof VERIFY_KEYWORDS)[number], Directive>;
}

export function verifyContexts(u: HaproxyUnit): VerifyContext[] {
  const out: VerifyContext[] = [];
  for (const b of tlsBinds(u)) {
    const lines = b.included ?? [];
    const make = (at: Directive): VerifyContext => {
      const where = {} as VerifyContext['where'];
      for (const k of VERIFY_KEYWORDS) where[k] = option(at, k) !== undefined ? at : b;
      const verify = option(where.verify, 'verify') ?? 'none';
      const caFile = option(where['ca-file'], 'ca-file');
      const crlFile = option(where['crl-file'], 'crl-file');
      return { bind: b, at, verify, ...(caFile !== undefined ? { caFile } : {}), ...(crlFile !== undefined ? { crlFile } : {}), where };
    };
    const overriding = lines.filter((l) => VERIFY_KEYWORDS.some((k) => option(l, k) !== undefined));
    // The bind's own settings decide for its `crt` certificates and for every crt-list line that sets none of the keywords.
    if (lines.length === 0 || has(b, 'crt') || overriding.length < lines.length) out.push(make(b));
    for (const l of overriding) out.push(make(l));
  }
  return out;
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

/** Add keywords inside a crt-list line's `[options]` (before the closing bracket). */
export function addCrtListOption(u: HaproxyUnit, d: Directive, words: string): Edit[] | undefined {
  const text = u.text(d.file)?.[d.line - 1];
  if (text === undefined || !/\[[^\]]*\]/.test(text)) return undefined;
  return [{ file: d.file, line: d.line, kind: 'replace', text: [text.replace(/\s*\]/, ` ${words}]`)] }];
}

/** Add keywords where a context's settings belong: inside the crt-list line's brackets, or at the end of the bind line. */
export function addToContext(u: HaproxyUnit, c: VerifyContext, words: string): Edit[] | undefined {
  return c.at === c.bind ? appendToLine(u, c.bind, words) : addCrtListOption(u, c.at, words);
}

/** Where a context is reported: `bind ADDR`, or `crt-list line CERT (bind ADDR)`. */
export function contextLabel(c: VerifyContext): string {
  return c.at === c.bind ? `bind ${c.bind.args[0] ?? ''}` : `crt-list line ${c.at.name} (bind ${c.bind.args[0] ?? ''})`;
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
