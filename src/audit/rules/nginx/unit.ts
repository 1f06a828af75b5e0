/**
 * nginx units: one per `server` block (http and stream), or the whole file
 * when it has none (a snippet given on its own). Directives are looked up
 * the way nginx inherits them: location → server → http → main, innermost wins.
 */
import { expand, includeProblems, type Directive } from '../../config/model.ts';
import type { LoadedConfig } from '../../load.ts';
import { indentOf, type Edit } from '../rule.ts';

export interface NginxUnit {
  config: LoadedConfig;
  /** The server block; undefined for a file-level unit. */
  server?: Directive;
  /** Expanded directive lists, outermost first: main, [http|stream], server. */
  scopes: Directive[][];
  /** The server terminates TLS (listen … ssl/quic, `ssl on`, or a certificate in the server). */
  tls: boolean;
  /** Every place an upstream is named (`proxy_pass` …), with its own scope chain. */
  passes: UpstreamPass[];
  /** Names of `upstream` blocks (a pass to one of these checks the certificate against the group name). */
  upstreamNames: ReadonlySet<string>;
  /** The text of each file, for edits that keep indentation. */
  lines: (file: string) => string[] | undefined;
}

export interface UpstreamPass {
  directive: Directive;
  /** `proxy`, `grpc` or `uwsgi`: the prefix of the matching *_ssl_* directives. */
  module: 'proxy' | 'grpc' | 'uwsgi';
  /** Scheme after variables are substituted from `set`; undefined when it cannot be told. */
  scheme?: string;
  host?: string;
  scopes: Directive[][];
}

export function lookup(scopes: readonly Directive[][], key: string): Directive | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const list = scopes[i]!;
    for (let j = list.length - 1; j >= 0; j--) if (list[j]!.key === key) return list[j];
  }
  return undefined;
}

export function isOn(d: Directive | undefined): boolean {
  return d?.args[0]?.toLowerCase() === 'on';
}

const PASS_MODULES: Readonly<Record<string, UpstreamPass['module']>> = { proxy_pass: 'proxy', grpc_pass: 'grpc', uwsgi_pass: 'uwsgi' };
/** Schemes whose upstream connection is TLS (`tls`: a stream proxy_pass with proxy_ssl on). */
export const TLS_SCHEMES = new Set(['https', 'grpcs', 'suwsgi', 'tls']);

/** Substitute `$var`/`${var}` from `set` in the scope chain (innermost first); unknown variables stay as written. */
function substitute(value: string, scopes: readonly Directive[][]): string {
  return value.replace(/\$\{?(\w+)\}?/g, (m, name: string) => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const sets = scopes[i]!.filter((d) => d.key === 'set' && d.args[0] === `$${name}`);
      if (sets.length > 0) return sets[sets.length - 1]!.args[1] ?? '';
    }
    return m;
  });
}

function collectPasses(list: Directive[], scopes: Directive[][], out: UpstreamPass[]): void {
  for (const d of list) {
    const module = PASS_MODULES[d.key];
    if (module && d.args[0]) {
      const url = substitute(d.args[0], scopes);
      // Only a scheme that resolves to letters is believed; `$proto://` left unresolved tells nothing.
      const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:]*)/i.exec(url);
      if (m) out.push({ directive: d, module, scopes, scheme: m[1]!.toLowerCase(), host: m[2]! });
      // stream { proxy_pass host:port; proxy_ssl on; }: TLS without a scheme.
      else if (module === 'proxy' && !url.includes('://') && isOn(lookup(scopes, 'proxy_ssl'))) out.push({ directive: d, module, scopes, scheme: 'tls', host: url.replace(/:\d+$/, '') });
      else out.push({ directive: d, module, scopes });
    }
    if ((d.key === 'location' || d.key === 'if' || d.key === 'limit_except') && d.children) {
      const inner = expand(d.children);
      collectPasses(inner, [...scopes, inner], out);
    }
  }
}

/** Ports that mean TLS by convention: a server on one whose includes could not be read is audited as TLS (fail closed). */
const TLS_PORTS = new Set(['443', '8443']);

function isTlsServer(server: Directive[], block?: Directive): boolean {
  if (server.some((d) => (d.key === 'listen' && d.args.slice(1).some((a) => a === 'ssl' || a === 'quic')) || (d.key === 'ssl' && isOn(d)) || d.key === 'ssl_certificate')) return true;
  const tlsPort = server.some((d) => d.key === 'listen' && TLS_PORTS.has(/(\d+)$/.exec(d.args[0] ?? '')?.[1] ?? ''));
  return tlsPort && block !== undefined && includeProblems(block.children ?? []).length > 0;
}

export function nginxUnits(config: LoadedConfig, lines: (file: string) => string[] | undefined): NginxUnit[] {
  const main = expand(config.file.directives);
  const upstreamNames = new Set<string>();
  const units: NginxUnit[] = [];
  const visit = (list: Directive[], scopes: Directive[][]): void => {
    for (const d of list) {
      if (d.key === 'upstream' && d.args[0]) upstreamNames.add(d.args[0]);
      if ((d.key === 'http' || d.key === 'stream' || d.key === 'mail') && d.children) {
        const inner = expand(d.children);
        visit(inner, [...scopes, inner]);
      } else if (d.key === 'server' && d.children) {
        const inner = expand(d.children);
        const chain = [...scopes, inner];
        const passes: UpstreamPass[] = [];
        collectPasses(inner, chain, passes);
        units.push({ config, server: d, scopes: chain, tls: isTlsServer(inner, d), passes, upstreamNames, lines });
      }
    }
  };
  visit(main, [main]);
  if (units.length === 0) {
    const passes: UpstreamPass[] = [];
    collectPasses(main, [main], passes);
    units.push({ config, scopes: [main], tls: isTlsServer(main), passes, upstreamNames, lines });
  }
  return units;
}

/** The target label of a unit: `file:line server NAME:PORT`. */
export function nginxTarget(u: NginxUnit): string {
  if (!u.server) return u.config.file.display;
  const inner = u.scopes[u.scopes.length - 1]!;
  const name = inner.find((d) => d.key === 'server_name')?.args[0] ?? '_';
  const listen = inner.find((d) => d.key === 'listen')?.args[0] ?? '';
  const port = /(\d+)$/.exec(listen)?.[1];
  return `${u.server.file}:${u.server.line} server ${name}${port ? `:${port}` : ''}`;
}

/**
 * Edits that set `key` to `value` in the unit's innermost scope: replace the
 * directive when it is written there on its own line, else insert it after
 * the block's opening line. Undefined when a line edit cannot do it (the
 * block opens and closes on one line).
 */
export function setDirective(u: NginxUnit, key: string, value: string, block: Directive | undefined = u.server, scope: Directive[] = u.scopes[u.scopes.length - 1]!): Edit[] | undefined {
  const existing = scope.filter((d) => d.key === key).pop();
  if (existing && existing.line === existing.endLine) {
    const text = u.lines(existing.file)?.[existing.line - 1];
    if (text !== undefined && text.trim().startsWith(existing.name) && text.trim().split(';').filter((x) => x.trim() && !x.trim().startsWith('#')).length === 1) {
      const comment = /;\s*(#.*)$/.exec(text)?.[1];
      return [{ file: existing.file, line: existing.line, kind: 'replace', text: [`${indentOf(text)}${key} ${value};${comment ? ` ${comment}` : ''}`] }];
    }
  }
  // Written here but not alone on its line: a second one would be a duplicate nginx refuses.
  if (existing) return undefined;
  if (!block || block.line === block.endLine) return undefined;
  const lines = u.lines(block.file);
  if (!lines || !lines[block.line - 1]?.trimEnd().endsWith('{')) return undefined;
  const firstChild = block.children?.find((c) => c.file === block.file && c.line > block.line);
  const indent = firstChild ? indentOf(lines[firstChild.line - 1] ?? '') : `${indentOf(lines[block.line - 1]!)}    `;
  return [{ file: block.file, line: block.line, kind: 'insert-after', text: [`${indent}${key} ${value};`] }];
}

/** Set `key value;` for one upstream pass: replace the directive that applies to it, else insert it before the pass. */
export function setForPass(u: NginxUnit, pass: UpstreamPass, key: string, value: string): Edit[] | undefined {
  const existing = lookup(pass.scopes, key);
  if (existing) {
    const text = u.lines(existing.file)?.[existing.line - 1];
    if (existing.line === existing.endLine && text !== undefined && text.trim().startsWith(existing.name) && text.split(';').filter((x) => x.trim() && !x.trim().startsWith('#')).length === 1) {
      return [{ file: existing.file, line: existing.line, kind: 'replace', text: [`${indentOf(text)}${key} ${value};`] }];
    }
    return undefined;
  }
  return insertBefore(u, pass.directive, key, value);
}

/** Insert `key value;` just before `at` (same indentation), for directives that belong next to a proxy_pass. */
export function insertBefore(u: NginxUnit, at: Directive, key: string, value: string): Edit[] | undefined {
  const text = u.lines(at.file)?.[at.line - 1];
  if (text === undefined || !text.trim().startsWith(at.name)) return undefined;
  return [{ file: at.file, line: at.line, kind: 'insert-before', text: [`${indentOf(text)}${key} ${value};`] }];
}
