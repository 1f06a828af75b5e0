/** Splitting one logical line into words, for the line-based dialects (Apache, HAProxy, crt-list). */
import { MAX_ARGS, parseError } from './model.ts';

/**
 * Words separated by blanks; "..." and '...' quote (quotes removed), a
 * backslash escapes the next character, and `#` outside quotes at the start
 * of a word starts a comment when `comments` is set.
 */
export function splitWords(line: string, file: string, lineNo: number, comments: boolean): string[] {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r')) i++;
    if (i >= n) break;
    if (comments && line[i] === '#') break;
    let word = '';
    while (i < n && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '\r') {
      const c = line[i]!;
      if (c === '\\' && i + 1 < n) {
        word += line[i + 1]!;
        i += 2;
        continue;
      }
      if (c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) throw parseError(file, lineNo, 'unterminated single quote');
        word += line.slice(i + 1, end);
        i = end + 1;
        continue;
      }
      if (c === '"') {
        // Inside double quotes a backslash still escapes (HAProxy, Apache).
        let j = i + 1;
        for (;;) {
          if (j >= n) throw parseError(file, lineNo, 'unterminated double quote');
          const q = line[j]!;
          if (q === '\\' && j + 1 < n) {
            word += line[j + 1]!;
            j += 2;
            continue;
          }
          if (q === '"') break;
          word += q;
          j++;
        }
        i = j + 1;
        continue;
      }
      word += c;
      i++;
    }
    words.push(word);
    if (words.length > MAX_ARGS) throw parseError(file, lineNo, `more than ${MAX_ARGS} arguments`);
  }
  return words;
}
