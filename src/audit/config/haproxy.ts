/**
 * HAProxy configuration parser: a section keyword at the start of a line
 * opens a section that holds every following line until the next section
 * keyword (indentation means nothing to HAProxy). `.if`/`.elif`/`.else`/`.endif`
 * are kept transparent: every branch's lines are audited, so a weak branch
 * cannot hide behind a condition.
 */
import { MAX_BLOCK_DEPTH, parseError, type Directive } from './model.ts';
import { splitWords } from './words.ts';

/** HAProxy section keywords (configuration manual §2.1, 3.x). */
export const HAPROXY_SECTIONS = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'mailers', 'program',
  'http-errors', 'ring', 'cache', 'crt-store', 'log-forward', 'traces', 'acme', 'fcgi-app', 'dynamic-update', 'namespace_list', 'http-client',
]);

export function parseHaproxy(text: string, file: string): Directive[] {
  const root: Directive[] = [];
  let section: Directive | undefined;
  let conditionDepth = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const words = splitWords(lines[i]!, file, lineNo, true);
    if (words.length === 0) continue;
    const key = words[0]!.toLowerCase();
    if (key.startsWith('.')) {
      if (key === '.if') {
        if (++conditionDepth > MAX_BLOCK_DEPTH) throw parseError(file, lineNo, `.if nested deeper than ${MAX_BLOCK_DEPTH}`);
      } else if (key === '.endif') {
        if (--conditionDepth < 0) throw parseError(file, lineNo, '.endif without .if');
      }
      continue;
    }
    const d: Directive = { name: words[0]!, key, args: words.slice(1), file, line: lineNo, endLine: lineNo };
    if (HAPROXY_SECTIONS.has(key)) {
      d.children = [];
      root.push(d);
      section = d;
      continue;
    }
    if (section) {
      section.children!.push(d);
      section.endLine = lineNo;
    } else root.push(d);
  }
  if (conditionDepth > 0) throw parseError(file, lines.length, '.if is not closed by .endif');
  return root;
}

/**
 * A crt-list file: `certificate [ssl options] [sni filters]` per line. Each
 * line becomes a directive named after the certificate, with the bracketed
 * options as arguments.
 */
export function parseCrtList(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  text.split('\n').forEach((raw, i) => {
    const words = splitWords(raw, file, i + 1, true);
    if (words.length === 0) return;
    const rest = words.slice(1);
    let args: string[] = [];
    let filters = rest;
    if (rest[0]?.startsWith('[')) {
      const close = rest.findIndex((w) => w.endsWith(']'));
      const options = close >= 0 ? rest.slice(0, close + 1) : rest;
      args = options.join(' ').replace(/^\[/, '').replace(/\]$/, '').split(/\s+/).filter(Boolean);
      filters = close >= 0 ? rest.slice(close + 1) : [];
    }
    out.push({ name: words[0]!, key: words[0]!, args, file, line: i + 1, endLine: i + 1, ...(filters.length > 0 ? { sniFilters: filters } : {}) });
  });
  return out;
}
