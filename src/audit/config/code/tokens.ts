/**
 * Go and Java without a parser: no Go or Java parser runs in Node without a
 * toolchain, so these are checked at the token level. Comments and string
 * literals are blanked first (newlines kept, so lines stay right), then the
 * remaining code is matched. This is not a syntax tree: it can be fooled by
 * code that builds the value indirectly (`skip := true; InsecureSkipVerify: skip`),
 * which docs/audit.md says plainly.
 */
import type { Directive } from '../model.ts';
import { fact } from './facts.ts';

/** Blank `//` and `/* *\/` comments and string/char literals (Go raw strings, Java text blocks) with spaces. */
export function stripCommentsAndStrings(text: string): string {
  const out: string[] = [];
  let i = 0;
  const blank = (from: number, to: number): void => {
    out.push(text.slice(from, to).replace(/[^\n]/g, ' '));
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    let end = -1;
    if (c === '/' && next === '/') end = indexOrEnd(text, '\n', i);
    else if (c === '/' && next === '*') end = indexOrEnd(text, '*/', i + 2) + 2;
    else if (c === '"' && text.startsWith('"""', i)) end = indexOrEnd(text, '"""', i + 3) + 3;
    else if (c === '`') end = indexOrEnd(text, '`', i + 1) + 1;
    else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      end = j + 1;
    }
    if (end < 0) {
      const m = /[/"'`]/g;
      m.lastIndex = i + 1;
      const nextSpecial = m.exec(text)?.index ?? text.length;
      out.push(text.slice(i, nextSpecial));
      i = nextSpecial;
    } else {
      end = Math.min(end, text.length);
      blank(i, end);
      i = end;
    }
  }
  return out.join('');
}

function indexOrEnd(text: string, what: string, from: number): number {
  const i = text.indexOf(what, from);
  return i < 0 ? text.length : i;
}

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function matches(code: string, original: string, re: RegExp, kind: Parameters<typeof fact>[0], file: string): Directive[] {
  const lines = original.split('\n');
  return [...code.matchAll(re)].map((m) => {
    const line = lineAt(code, m.index);
    return fact(kind, file, line, lines[line - 1] ?? '');
  });
}

export function parseGo(text: string, file: string): Directive[] {
  return matches(stripCommentsAndStrings(text), text, /\bInsecureSkipVerify\s*(?::|=)\s*true\b/g, 'insecure-skip-verify', file);
}

export function parseJava(text: string, file: string): Directive[] {
  const code = stripCommentsAndStrings(text);
  return [
    // An X509TrustManager whose checkServerTrusted accepts everything.
    ...matches(code, text, /\bvoid\s+checkServerTrusted\s*\([^)]*\)\s*(?:throws\s+[\w.,\s]+)?\{\s*(?:return\s*;\s*)?\}/g, 'java-trust-all', file),
    // A HostnameVerifier that says yes to every name: a method, a lambda handed to setHostnameVerifier, or the library's no-op verifiers.
    ...matches(code, text, /\bboolean\s+verify\s*\(\s*(?:final\s+)?String\s+\w+\s*,\s*(?:final\s+)?(?:javax\.net\.ssl\.)?SSLSession\s+\w+\s*\)\s*\{\s*return\s+true\s*;\s*\}/g, 'java-trust-all', file),
    ...matches(code, text, /\b(?:setHostnameVerifier|setDefaultHostnameVerifier|hostnameVerifier)\s*\(\s*(?:\([\w\s,]*\)|\w+)\s*->\s*true\b/g, 'java-trust-all', file),
    ...matches(code, text, /\b(?:NoopHostnameVerifier|ALLOW_ALL_HOSTNAME_VERIFIER|AllowAllHostnameVerifier)\b/g, 'java-trust-all', file),
  ].sort((a, b) => a.line - b.line);
}
