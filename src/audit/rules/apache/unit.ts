/**
 * Apache units: one per `<VirtualHost>` (wherever it sits: inside
 * `<IfModule>` too), or the whole file when it has none. Conditional sections
 * (`<IfModule>`, `<IfDefine>`, `<IfVersion>`, ...) are transparent: a weak
 * setting behind a condition is still reported. A virtual host inherits the
 * server-wide settings it does not set itself.
 */
import { expand, type Directive } from '../../config/model.ts';
import type { LoadedConfig } from '../../load.ts';
import { indentOf, type Edit } from '../rule.ts';

export interface ApacheUnit {
  config: LoadedConfig;
  vhost?: Directive;
  /** The virtual host's directives (flattened); empty for a file-level unit. */
  own: Directive[];
  /** Server-wide directives (outside every virtual host, flattened). */
  global: Directive[];
  /** Every virtual host of the configuration, in order (server-wide fixes go before the first in a file). */
  vhosts: Directive[];
  tls: boolean;
  lines: (file: string) => string[] | undefined;
}

const TRANSPARENT = /^if/;

/** Directives of a level with conditional sections and includes opened; `<VirtualHost>` is kept as one item. */
function flatten(list: readonly Directive[], out: Directive[] = [], depth = 0): Directive[] {
  for (const d of expand(list)) {
    if (d.children && d.key !== 'virtualhost' && depth < 64) {
      out.push(d);
      if (TRANSPARENT.test(d.key) || d.key === 'directory' || d.key === 'location' || d.key === 'files' || d.key === 'locationmatch' || d.key === 'directorymatch' || d.key === 'filesmatch') flatten(d.children, out, depth + 1);
    } else out.push(d);
  }
  return out;
}

export function apacheUnits(config: LoadedConfig, lines: (file: string) => string[] | undefined): ApacheUnit[] {
  const top = flatten(config.file.directives);
  const global = top.filter((d) => d.key !== 'virtualhost');
  const vhosts = top.filter((d) => d.key === 'virtualhost');
  const isTls = (list: Directive[]): boolean => list.some((d) => (d.key === 'sslengine' && d.args[0]?.toLowerCase() === 'on') || d.key === 'sslcertificatefile');
  const globalTls = isTls(global);
  if (vhosts.length === 0) return [{ config, own: [], global, vhosts, tls: globalTls, lines }];
  return vhosts.map((v) => {
    const own = flatten(v.children ?? []);
    return { config, vhost: v, own, global, vhosts, tls: isTls(own), lines };
  });
}

/** The innermost value of a directive: the virtual host's, else the server-wide one. */
export function lookup(u: ApacheUnit, key: string): Directive | undefined {
  return [...u.own].reverse().find((d) => d.key === key) ?? [...u.global].reverse().find((d) => d.key === key);
}

export function arg(d: Directive | undefined): string | undefined {
  return d?.args[0]?.toLowerCase();
}

export function apacheTarget(u: ApacheUnit): string {
  if (!u.vhost) return u.config.file.display;
  const name = u.own.find((d) => d.key === 'servername')?.args[0];
  return `${u.vhost.file}:${u.vhost.line} <VirtualHost ${u.vhost.args.join(' ')}>${name ? ` ${name}` : ''}`;
}

/** Set `Name value` in the virtual host: replace it when written there on its own line, else insert after `<VirtualHost>`. */
export function setDirective(u: ApacheUnit, name: string, value: string): Edit[] | undefined {
  const key = name.toLowerCase();
  const existing = [...u.own].reverse().find((d) => d.key === key);
  if (existing && existing.line === existing.endLine) {
    const text = u.lines(existing.file)?.[existing.line - 1];
    if (text !== undefined) return [{ file: existing.file, line: existing.line, kind: 'replace', text: [`${indentOf(text)}${name} ${value}`] }];
  }
  // Written on continued lines: an inserted line would come first and lose to it (Apache keeps the last).
  if (existing) return undefined;
  const block = u.vhost;
  if (!block) return undefined;
  const lines = u.lines(block.file);
  if (!lines) return undefined;
  const firstChild = block.children?.find((c) => c.file === block.file && c.line > block.line);
  const indent = firstChild ? indentOf(lines[firstChild.line - 1] ?? '') : `${indentOf(lines[block.line - 1] ?? '')}    `;
  return [{ file: block.file, line: block.line, kind: 'insert-after', text: [`${indent}${name} ${value}`] }];
}

/** Insert a server-wide directive just before the file's first `<VirtualHost>` line (server config context; one edit for all its hosts). */
export function insertServerWide(u: ApacheUnit, name: string, value: string): Edit[] | undefined {
  if (!u.vhost) return undefined;
  const block = u.vhosts.find((v) => v.file === u.vhost!.file) ?? u.vhost;
  const text = u.lines(block.file)?.[block.line - 1];
  if (text === undefined) return undefined;
  return [{ file: block.file, line: block.line, kind: 'insert-before', text: [`${indentOf(text)}${name} ${value}`] }];
}

export const APACHE_DOCS = {
  ssl: 'https://httpd.apache.org/docs/2.4/mod/mod_ssl.html',
} as const;
