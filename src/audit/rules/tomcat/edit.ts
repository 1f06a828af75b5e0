/**
 * Line edits of a server.xml element's attributes. The open tag is scanned
 * quote-aware (names, `=`, quoted values), so an attribute name inside
 * another attribute's value is never matched; one attribute's value is
 * replaced on its own line, or a new attribute is inserted right after
 * `<Name` on the element's first line. Everything else stays byte for byte.
 * Each edit also carries the same change as a function of the line, so that
 * two fixes on one line (`<SSLHostConfig certificateVerification="optional">`
 * needs `required` and a `caCertificateFile`) compose instead of one being
 * dropped. When the tag cannot be read that way (a value across lines, the
 * tag not where the parser said) no edit is proposed.
 */
import type { Directive } from '../../config/model.ts';
import type { Edit } from '../rule.ts';

/** Text that is safe inside a double-quoted XML attribute value. */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

interface Token {
  name: string;
  /** Columns of the quoted value, quotes included. */
  start: number;
  end: number;
}

/**
 * The attributes written on one line from `from` on, and where the tag ends
 * on it (`>` or `/>`; -1 when it goes on). Undefined when the line does not
 * read as attributes (a value that does not close on the line).
 */
function tokens(line: string, from: number): { attrs: Token[]; closed: boolean } | undefined {
  const attrs: Token[] = [];
  let col = from;
  for (;;) {
    while (col < line.length && /\s/.test(line[col]!)) col++;
    if (col >= line.length) return { attrs, closed: false };
    if (line[col] === '>' || line[col] === '/') return { attrs, closed: true };
    const name = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(line.slice(col))?.[0];
    if (!name) return undefined;
    col += name.length;
    while (col < line.length && /\s/.test(line[col]!)) col++;
    if (line[col] !== '=') return undefined; // `=` on the next line: not edited
    col++;
    while (col < line.length && /\s/.test(line[col]!)) col++;
    const quote = line[col];
    if (quote !== '"' && quote !== "'") return undefined;
    const close = line.indexOf(quote, col + 1);
    if (close < 0) return undefined;
    attrs.push({ name, start: col, end: close + 1 });
    col = close + 1;
  }
}

/** Replace the value of the first of `names` written on `line` (from `from`), or undefined. */
function replaceValue(line: string, from: number, names: readonly string[], value: string): string | undefined {
  const hit = tokens(line, from)?.attrs.find((a) => names.includes(a.name));
  return hit ? `${line.slice(0, hit.start)}"${escapeAttribute(value)}"${line.slice(hit.end)}` : undefined;
}

/**
 * Set `names[0]="value"` on `el` (replacing the value of whichever of
 * `names` is written in its open tag), as a line edit of `text`, the file
 * the element is in. Undefined when the tag cannot be edited safely.
 */
export function setAttribute(text: string, el: Directive, names: readonly string[], value: string): Edit[] | undefined {
  const lines = text.split('\n');
  const first = el.line - 1;
  const open = `<${el.name}`;
  const startCol = lines[first]?.indexOf(open) ?? -1;
  if (startCol < 0 || !/[\s/>]|^$/.test(lines[first]![startCol + open.length] ?? '')) return undefined;
  const nameEnd = startCol + open.length;
  // Walk the open tag line by line until it closes.
  for (let i = first; i < lines.length && i < el.endLine; i++) {
    const from = i === first ? nameEnd : 0;
    const t = tokens(lines[i]!, from);
    if (!t) return undefined;
    if (t.attrs.some((a) => names.includes(a.name))) {
      const apply = (line: string): string => replaceValue(line, i === first ? line.indexOf(open) + open.length : 0, names, value) ?? line;
      return [{ file: el.file, line: i + 1, kind: 'replace', text: [apply(lines[i]!)], apply }];
    }
    if (t.closed) break;
  }
  const insert = (line: string): string => {
    const at = line.indexOf(open);
    return at < 0 ? line : `${line.slice(0, at + open.length)} ${names[0]}="${escapeAttribute(value)}"${line.slice(at + open.length)}`;
  };
  return [{ file: el.file, line: first + 1, kind: 'replace', text: [insert(lines[first]!)], apply: insert }];
}
