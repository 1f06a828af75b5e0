/**
 * The configuration tree every dialect parser produces. Positions are kept
 * (file and 1-based lines) so that findings point at the line that matters and
 * fixes can be line edits that leave everything else byte for byte.
 */
import { CertwardenError, ErrorCode } from '../../errors.ts';

export interface Directive {
  /** The name as written (`SSLVerifyClient`, `ssl_stapling`, `bind`). */
  name: string;
  /** The name as compared: lowercase where the dialect is case-insensitive (Apache, HAProxy). */
  key: string;
  /** Arguments with quotes removed and escapes applied. */
  args: string[];
  /** The file as reported (the path as given, or joined to it for walked and included files). */
  file: string;
  /** 1-based line the directive starts on. */
  line: number;
  /** 1-based line it ends on (the closing brace or `</Section>` for blocks). */
  endLine: number;
  /** XML attributes as written (Tomcat `server.xml` elements); absent for other dialects. */
  attrs?: Readonly<Record<string, string>>;
  /** Block contents (nginx `{}`, Apache `<Section>`, HAProxy section lines, XML child elements). */
  children?: Directive[];
  /** HAProxy crt-list lines: the SNI filters after the `[options]` (`!name` excludes). */
  sniFilters?: string[];
  /** Set by the include resolver on include directives: the included files' top-level directives. */
  included?: Directive[];
  /** Set by the include resolver when an include named nothing that could be read. */
  includeProblem?: string;
}

export interface ParsedFile {
  /** Path on disk (or a virtual name inside `nginx -T` output). */
  path: string;
  /** Path as reported. */
  display: string;
  text: string;
  directives: Directive[];
}

/** Largest configuration file read: far above any real one (nginx -T of a large fleet is a few MB). */
export const MAX_CONFIG_FILE_BYTES = 8 * 1024 * 1024;
/** Deepest block nesting accepted: nginx and Apache configurations rarely pass 6; this stops stack exhaustion on `{{{{`. */
export const MAX_BLOCK_DEPTH = 64;
/** Arguments per directive: an HAProxy `bind` line has a few dozen at most. */
export const MAX_ARGS = 1024;

export function parseError(file: string, line: number, message: string): CertwardenError {
  return new CertwardenError(ErrorCode.CONFIG_PARSE, `${file}:${line}: ${message}`, { details: { file, line } });
}

/** Depth-first walk over directives, descending into blocks (and resolved includes unless `includes` is false). */
export function* walk(directives: readonly Directive[], includes = true): Generator<Directive> {
  const stack: Directive[][] = [[...directives]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const d = top.shift();
    if (!d) {
      stack.pop();
      continue;
    }
    yield d;
    if (d.included && includes) stack.push([...d.included]);
    if (d.children) stack.push([...d.children]);
  }
}

/** The directives of one block level with include directives replaced by what they include (recursively). */
export function expand(directives: readonly Directive[]): Directive[] {
  const out: Directive[] = [];
  const visit = (list: readonly Directive[], depth: number): void => {
    for (const d of list) {
      if (d.included && depth < MAX_BLOCK_DEPTH) visit(d.included, depth + 1);
      else out.push(d);
    }
  };
  visit(directives, 0);
  return out;
}

/** Include directives that could not be followed, at this level and below. */
export function includeProblems(directives: readonly Directive[]): Directive[] {
  return [...walk(directives)].filter((d) => d.includeProblem !== undefined);
}
