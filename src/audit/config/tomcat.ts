/**
 * Tomcat and its JVM: `server.xml` (XML elements become directives whose
 * attributes are kept with the element's line), and the JVM options that
 * decide revocation and stapling for JSSE: `-Dname=value` words of shell
 * files (`setenv.sh`, `catalina.sh`) and `name=value` lines of Java Security
 * property files (`java.security`, `-Djava.security.properties=FILE`).
 *
 * XML is read with saxes (a conforming, non-validating parser that reports
 * positions). A DOCTYPE is refused outright: without a DTD there are no
 * entity declarations, so no entity expansion ("billion laughs") and no
 * external entity can be reached; saxes itself knows only the five
 * predefined entities and never fetches anything.
 */
import { SaxesParser } from 'saxes';
import { MAX_ARGS, MAX_BLOCK_DEPTH, parseError, type Directive } from './model.ts';

/** Elements per file at most: a real server.xml has a few dozen; this bounds memory on hostile input. */
export const MAX_XML_ELEMENTS = 100_000;

export type TomcatFileKind = 'xml' | 'shell' | 'properties';

/** What kind of Tomcat/JVM file this is, from its name and first character. */
export function tomcatFileKind(file: string, text: string): TomcatFileKind {
  const name = file.split('/').pop()?.toLowerCase() ?? '';
  if (/^\s*</.test(text) || name.endsWith('.xml')) return 'xml';
  if (name.endsWith('.sh') || name === 'setenv' || name === 'catalina' || /^#!/.test(text)) return 'shell';
  return 'properties';
}

export function parseTomcat(text: string, file: string, kind: TomcatFileKind = tomcatFileKind(file, text)): Directive[] {
  if (kind === 'xml') return parseTomcatXml(text, file);
  if (kind === 'shell') return parseJvmShell(text, file);
  return parseSecurityProperties(text, file);
}

export function parseTomcatXml(text: string, file: string): Directive[] {
  const parser = new SaxesParser({ position: true });
  const root: Directive[] = [];
  const stack: Directive[] = [];
  let count = 0;
  let startLine = 1;
  let failure: { line: number; message: string } | undefined;
  const fail = (message: string): void => {
    failure ??= { line: Math.max(1, parser.line), message };
  };
  parser.on('error', (err) => fail(err.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '')));
  parser.on('doctype', () => fail('a DOCTYPE is not accepted (no DTD, no entity expansion)'));
  // saxes reports the tag's name once the character after it is read (a newline moves the line on): the `<` decides.
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  parser.on('opentagstart', (tag) => {
    const at = text.lastIndexOf(`<${tag.name}`, parser.position);
    startLine = at < 0 ? parser.line : lineOf(lineStarts, at);
  });
  parser.on('opentag', (tag) => {
    if (++count > MAX_XML_ELEMENTS) return fail(`more than ${MAX_XML_ELEMENTS} elements`);
    if (stack.length >= MAX_BLOCK_DEPTH) return fail(`elements nested deeper than ${MAX_BLOCK_DEPTH}`);
    const attrs: Record<string, string> = Object.create(null);
    const names = Object.keys(tag.attributes);
    if (names.length > MAX_ARGS) return fail(`more than ${MAX_ARGS} attributes`);
    for (const n of names) attrs[n] = String(tag.attributes[n]);
    const d: Directive = { name: tag.name, key: tag.name, args: [], attrs, file, line: startLine, endLine: parser.line, children: [] };
    (stack.length > 0 ? stack[stack.length - 1]!.children! : root).push(d);
    if (!tag.isSelfClosing) stack.push(d);
  });
  parser.on('closetag', (tag) => {
    // saxes reports a self-closing element's close too; it was never pushed, so its parent stays open.
    if (tag.isSelfClosing) return;
    const d = stack.pop();
    if (d) d.endLine = parser.line;
  });
  try {
    // saxes reports errors through `error` and carries on; the first one decides.
    for (let i = 0; i < text.length && !failure; i += XML_CHUNK) parser.write(text.slice(i, i + XML_CHUNK));
    if (!failure) parser.close();
  } catch (err) {
    fail((err as Error).message);
  }
  if (failure) throw parseError(file, failure.line, failure.message);
  return root;
}

/** 1-based line of a character offset, by binary search over the offsets lines start at. */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Text fed to saxes at a time, so that the first error stops the parse early. */
const XML_CHUNK = 64 * 1024;

/** `-Dname=value` in a shell line (quotes around the word or the value are allowed; `==` keeps its second `=`). */
const DEFINE = /(?:^|[\s"'=])-D([A-Za-z0-9_.$-]+)=("[^"]*"|'[^']*'|[^\s"']*)/g;

/** Shell files: one directive per `-Dname=value` outside comments, named by the property. */
export function parseJvmShell(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = stripShellComment(lines[i]!);
    for (const m of line.matchAll(DEFINE)) {
      if (out.length >= MAX_XML_ELEMENTS) throw parseError(file, i + 1, `more than ${MAX_XML_ELEMENTS} -D options`);
      const value = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
      out.push({ name: m[1]!, key: m[1]!, args: [value], file, line: i + 1, endLine: i + 1 });
    }
  }
  return out;
}

/** The line up to a `#` that starts a word outside quotes (a shell comment). */
function stripShellComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Java Security property files (java.util.Properties syntax): `key=value`, `key: value` or `key value`, `#`/`!` comments, `\` continues. */
export function parseSecurityProperties(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let part = lines[i]!.replace(/\r$/, '').trimStart();
    if (part === '' || part.startsWith('#') || part.startsWith('!')) continue;
    // Each physical line is looked at once (a long run of continuations stays linear).
    const parts: string[] = [];
    while (endsWithOddBackslashes(part) && i + 1 < lines.length) {
      parts.push(part.slice(0, -1));
      part = lines[++i]!.replace(/\r$/, '').trimStart();
    }
    parts.push(part);
    const line = parts.join('');
    const m = /^((?:\\.|[^=:\s\\])+)\s*(?:[=:]\s*|\s+|$)(.*)$/.exec(line);
    if (!m) throw parseError(file, start + 1, 'not a property line');
    const key = m[1]!.replace(/\\(.)/g, '$1');
    if (out.length >= MAX_XML_ELEMENTS) throw parseError(file, start + 1, `more than ${MAX_XML_ELEMENTS} properties`);
    out.push({ name: key, key, args: [m[2]!.trimEnd()], file, line: start + 1, endLine: i + 1 });
  }
  return out;
}
