/**
 * Apache httpd configuration parser: one directive per logical line (a
 * trailing backslash continues it), `#` comments at the start of a line,
 * `<Section args>` ... `</Section>` blocks; names compare case-insensitively.
 */
import { MAX_BLOCK_DEPTH, parseError, type Directive } from './model.ts';
import { splitWords } from './words.ts';

export function parseApache(text: string, file: string): Directive[] {
  const root: Directive[] = [];
  const stack: { list: Directive[]; owner?: Directive }[] = [{ list: root }];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i]!.replace(/\r$/, '');
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      logical = logical.slice(0, -1) + ' ' + lines[i]!.replace(/\r$/, '').trimStart();
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const top = stack[stack.length - 1]!;
    if (trimmed.startsWith('</')) {
      const name = trimmed.slice(2).replace(/>\s*$/, '').trim().toLowerCase();
      if (!top.owner) throw parseError(file, start, `unexpected </${name}> without an open section`);
      if (top.owner.key !== name) throw parseError(file, start, `</${name}> closes <${top.owner.name}> opened on line ${top.owner.line}`);
      top.owner.endLine = start;
      stack.pop();
      continue;
    }
    if (trimmed.startsWith('<')) {
      if (!trimmed.endsWith('>')) throw parseError(file, start, 'section opening is missing ">"');
      const words = splitWords(trimmed.slice(1, -1), file, start, false);
      if (words.length === 0 || words[0] === '') throw parseError(file, start, 'section without a name');
      if (stack.length > MAX_BLOCK_DEPTH) throw parseError(file, start, `sections nested deeper than ${MAX_BLOCK_DEPTH}`);
      const d: Directive = { name: words[0]!, key: words[0]!.toLowerCase(), args: words.slice(1), file, line: start, endLine: i + 1, children: [] };
      top.list.push(d);
      stack.push({ list: d.children!, owner: d });
      continue;
    }
    const words = splitWords(trimmed, file, start, false);
    top.list.push({ name: words[0]!, key: words[0]!.toLowerCase(), args: words.slice(1), file, line: start, endLine: i + 1 });
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1]!.owner!;
    throw parseError(file, open.line, `<${open.name}> is not closed`);
  }
  return root;
}
