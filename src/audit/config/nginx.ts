/**
 * nginx configuration parser: the tokenizer follows ngx_conf_read_token
 * (words end at whitespace, `;` and `{`; `${var}` stays in a word; `#` starts
 * a comment outside quotes; quotes and backslash escapes), building blocks
 * with an explicit stack so hostile nesting cannot exhaust the call stack.
 */
import { MAX_ARGS, MAX_BLOCK_DEPTH, parseError, type Directive, type ParsedFile } from './model.ts';

interface Token {
  text: string;
  line: number;
  /** `word` (possibly quoted), or a structural `;` `{` `}`. */
  kind: 'word' | ';' | '{' | '}';
}

function* tokens(text: string, file: string): Generator<Token> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === ';' || c === '{' || c === '}') {
      yield { text: c, line, kind: c };
      i++;
      continue;
    }
    const start = line;
    if (c === '"' || c === "'") {
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw parseError(file, start, `unterminated ${c === '"' ? 'double' : 'single'} quote`);
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < n) {
          const next = text[i + 1]!;
          out += next === c || next === '\\' ? next : ch + next;
          if (next === '\n') line++;
          i += 2;
          continue;
        }
        if (ch === c) {
          i++;
          break;
        }
        if (ch === '\n') line++;
        out += ch;
        i++;
      }
      yield { text: out, line: start, kind: 'word' };
      continue;
    }
    let out = '';
    let inVar = false;
    while (i < n) {
      const ch = text[i]!;
      if (ch === '\\' && i + 1 < n) {
        out += ch + text[i + 1]!;
        if (text[i + 1] === '\n') line++;
        i += 2;
        continue;
      }
      if (ch === '{' && out.endsWith('$')) inVar = true;
      else if (ch === '}' && inVar) inVar = false;
      else if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === ';' || ch === '{' || ch === '\f' || ch === '\v') break;
      out += ch;
      i++;
    }
    yield { text: out, line: start, kind: 'word' };
  }
}

/**
 * Site generators (Jekyll, Ansible, Helm) keep nginx files as templates:
 * YAML front matter (`---` ... `---` at the top) and `{{ expression }}`
 * placeholders. Both are blanked out line for line, so positions stay those
 * of the file and the template's nginx structure is audited.
 */
export function untemplate(text: string): string {
  let out = text;
  if (out.startsWith('---\n')) {
    const end = out.indexOf('\n---', 3);
    if (end >= 0) out = out.slice(0, end + 4).replace(/[^\n]/g, ' ') + out.slice(end + 4);
  }
  return out.replace(/\{\{[^{}\n]*\}\}|\{%[^\n]*?%\}/g, (m) => (m.startsWith('{%') ? ' '.repeat(m.length) : 'TEMPLATE'));
}

/** Parse nginx text into directives with positions; throws CW_ERR_CONFIG_PARSE with file and line. */
export function parseNginx(source: string, file: string): Directive[] {
  const text = source.includes('{{') || source.startsWith('---') || source.includes('{%') ? untemplate(source) : source;
  const root: Directive[] = [];
  const stack: { list: Directive[]; owner?: Directive }[] = [{ list: root }];
  let words: Token[] = [];
  for (const t of tokens(text, file)) {
    if (t.kind === 'word') {
      if (words.length > MAX_ARGS) throw parseError(file, words[0]!.line, `more than ${MAX_ARGS} arguments`);
      words.push(t);
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (t.kind === ';' || t.kind === '{') {
      if (words.length === 0) {
        if (t.kind === ';') continue; // an empty statement: nginx accepts a stray `;`
        throw parseError(file, t.line, 'unexpected "{" without a directive name');
      }
      const d: Directive = { name: words[0]!.text, key: words[0]!.text, args: words.slice(1).map((w) => w.text), file, line: words[0]!.line, endLine: t.line };
      top.list.push(d);
      words = [];
      if (t.kind === '{') {
        if (stack.length > MAX_BLOCK_DEPTH) throw parseError(file, t.line, `blocks nested deeper than ${MAX_BLOCK_DEPTH}`);
        d.children = [];
        stack.push({ list: d.children, owner: d });
      }
      continue;
    }
    // '}'
    if (words.length > 0) throw parseError(file, words[0]!.line, `directive "${words[0]!.text}" is not terminated by ";"`);
    if (stack.length === 1) throw parseError(file, t.line, 'unexpected "}"');
    stack.pop()!.owner!.endLine = t.line;
  }
  if (words.length > 0) throw parseError(file, words[0]!.line, `unexpected end of file: "${words[0]!.text}" is not terminated by ";"`);
  if (stack.length > 1) throw parseError(file, stack[stack.length - 1]!.owner!.line, 'unexpected end of file: block not closed by "}"');
  return root;
}

/** Marker line nginx -T prints before each file. */
const DUMP_MARKER = /^# configuration file (.+):\s*$/;

/** True when the text is `nginx -T` output (several files, each after a marker line). */
export function isNginxDump(text: string): boolean {
  return /^# configuration file \/.+:\s*$/m.test(text.slice(0, 4096));
}

/** Split `nginx -T` output into its files; the line numbers stay those of the dump (what the user has in front of them). */
export function splitNginxDump(text: string, display: string): ParsedFile[] {
  const lines = text.split('\n');
  const files: ParsedFile[] = [];
  let current: { path: string; start: number } | undefined;
  const close = (end: number): void => {
    if (!current) return;
    // Keep line numbers: pad with empty lines up to the file's first line in the dump.
    const body = '\n'.repeat(current.start + 1) + lines.slice(current.start + 1, end).join('\n');
    files.push({ path: current.path, display, text: body, directives: [] });
  };
  lines.forEach((l, i) => {
    const m = DUMP_MARKER.exec(l);
    if (m) {
      close(i);
      current = { path: m[1]!, start: i };
    }
  });
  close(lines.length);
  return files;
}
