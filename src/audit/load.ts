/**
 * From PATH arguments to parsed configurations: folders are walked, each file's
 * dialect is detected (or forced), includes are followed relative to the
 * dialect's root, and a file that cannot be parsed becomes a typed error for
 * its result instead of stopping the audit.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CertwardenError, ErrorCode, isCertwardenError } from '../errors.ts';
import { readFileBounded } from '../util/bounded-read.ts';
import { detectDialect, type Dialect } from './dialects.ts';
import { parseApache } from './config/apache.ts';
import { globFiles, globToRegExp, hasGlob } from './config/glob.ts';
import { parseCrtList, parseHaproxy } from './config/haproxy.ts';
import { MAX_CONFIG_FILE_BYTES, parseError, walk, type Directive, type ParsedFile } from './config/model.ts';
import { isNginxDump, parseNginx, splitNginxDump } from './config/nginx.ts';
import { parseTomcat } from './config/tomcat.ts';
import { codeLanguage, parseCode } from './config/code/index.ts';
import { parseStructured } from './config/structured.ts';
import { parseCaddy } from './config/caddy.ts';

/** Nested includes followed at most: Apache stops at 128; real trees stay under 5, and a cycle is caught before this. */
export const MAX_INCLUDE_DEPTH = 32;
/** Files read per audit (walked and included): a large fleet's tree is a few thousand. */
export const MAX_FILES = 20_000;

/** One top-level configuration: what results are made from. */
export interface LoadedConfig {
  dialect: Dialect;
  file: ParsedFile;
  /** Where relative paths in this configuration resolve from (on disk). */
  baseDir: string;
  /** The same folder as reported (joined to the path as given). */
  displayBase: string;
  /** The PATH argument this came from, and whether it was a folder. */
  input: { path: string; isDir: boolean };
}

export interface LoadFailure {
  file: string;
  dialect?: Dialect;
  error: CertwardenError;
  input: { path: string; isDir: boolean };
}

export interface LoadResult {
  configs: LoadedConfig[];
  failures: LoadFailure[];
  /** Files read, for throughput figures. */
  filesRead: number;
  /** Reported path → path on disk, for every real file read (fixes edit these; `nginx -T` parts have none). */
  diskPaths: Map<string, string>;
  /** Reported path → text, for every file read (edits keep the indentation of their neighbours). */
  texts: Map<string, string>;
}

interface Candidate {
  path: string;
  display: string;
  input: { path: string; isDir: boolean };
}

function parseAs(dialect: Dialect, text: string, display: string): Directive[] {
  if (dialect === 'nginx') return parseNginx(text, display);
  if (dialect === 'apache') return parseApache(text, display);
  if (dialect === 'tomcat') return parseTomcat(text, display);
  if (dialect === 'code') return parseCode(text, display);
  if (dialect === 'envoy') return parseStructured(text, display);
  if (dialect === 'caddy') return parseCaddy(text, display);
  if (dialect === 'aws-elb') return parseStructured(text, display);
  return parseHaproxy(text, display);
}

/** Names in a walked folder that are never configurations. */
const SKIP_NAMES = /^(LICENSE|COPYING|NOTICE|README)(\..*)?$|\.(md|txt|pem|crt|key|der|ocsp|png|jpg|gif|ico|svg|gz|zip|json|ya?ml|js|ts|html|css|bak)$/i;

/** Folders a `--dialect code` walk never enters: dependencies and build output are not the project's code. */
const CODE_SKIP_DIRS = new Set(['node_modules', '.git', 'vendor', 'dist', 'build', '__pycache__', '.venv', 'venv', 'target']);

/** Names a walk with `--dialect` of a YAML/JSON dialect reads. */
const STRUCTURED_NAMES = /\.(ya?ml|json)$|(^|\.)caddyfile(\.|$)/i;

function walkFolder(dir: string, display: string, input: Candidate['input'], out: Candidate[], code = false, structured = false): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (cause) {
    throw new CertwardenError(ErrorCode.IO, `cannot read folder ${display}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
  }
  for (const name of names) {
    if (name.startsWith('.') && name !== '.htaccess' && !(code && codeLanguage(name) === 'env')) continue;
    const p = join(dir, name);
    const st = lstatSync(p);
    // Symbolic links are not followed in a walk: a link to a parent folder is a cycle.
    if (st.isDirectory()) {
      if (!(code && CODE_SKIP_DIRS.has(name))) walkFolder(p, join(display, name), input, out, code, structured);
    } else if (st.isFile() && (code ? codeLanguage(name) !== undefined : structured ? STRUCTURED_NAMES.test(name) : !SKIP_NAMES.test(name))) out.push({ path: p, display: join(display, name), input });
    if (out.length > MAX_FILES) throw new CertwardenError(ErrorCode.USAGE, `more than ${MAX_FILES} files under ${input.path}; audit a smaller folder`);
  }
}

/** The main file whose folder is the include root of every file below it: nginx's conf prefix, Apache's default ServerRoot. */
const MAIN_FILES: Readonly<Record<Dialect, readonly string[]>> = { nginx: ['nginx.conf'], apache: ['httpd.conf', 'apache2.conf'], haproxy: [], tomcat: [], code: [], envoy: [], caddy: [], 'aws-elb': [] };

/**
 * Where relative includes and paths of a file resolve from. nginx resolves
 * them from the conf prefix (the main file's folder), not the including file's,
 * so a file walked inside a tree uses the nearest folder above it (within the
 * input) that holds the dialect's main file; otherwise its own folder.
 */
function includeRoot(dialect: Dialect, c: Candidate): { baseDir: string; displayBase: string } {
  let dir = dirname(resolve(c.path));
  let display = dirname(c.display);
  if (c.input.isDir) {
    const top = resolve(c.input.path);
    for (let d = dir, shown = display; d.startsWith(top); d = dirname(d), shown = dirname(shown)) {
      if (MAIN_FILES[dialect].some((m) => existsSync(join(d, m)))) return { baseDir: d, displayBase: shown };
      if (d === top) break;
    }
  }
  return { baseDir: dir, displayBase: display };
}

export interface LoadOptions {
  dialect?: Dialect;
}

class Loader {
  filesRead = 0;
  readonly parsed = new Map<string, { file: ParsedFile; dialect: Dialect } | { error: CertwardenError; dialect?: Dialect }>();
  /** Virtual files of `nginx -T` dumps, by the path they had on the dumped host. */
  readonly virtual = new Map<string, ParsedFile>();
  readonly diskPaths = new Map<string, string>();
  readonly texts = new Map<string, string>();

  read(path: string, display: string): string {
    if (++this.filesRead > MAX_FILES) throw new CertwardenError(ErrorCode.USAGE, `more than ${MAX_FILES} configuration files; audit a smaller tree`);
    const text = readFileBounded(path, { maxBytes: MAX_CONFIG_FILE_BYTES, what: `configuration file ${display}` }).toString('utf8');
    this.diskPaths.set(display, resolve(path));
    this.texts.set(display, text);
    return text;
  }

  /** Follow include-like directives below `directives`, marking each with what it included or why it could not. */
  resolveIncludes(dialect: Dialect, directives: Directive[], ctx: { baseDir: string; displayBase: string }, chain: string[]): void {
    let serverRoot = ctx;
    // Blocks only: an included file's own includes are resolved when it is read, with its own chain.
    for (const d of walk(directives, false)) {
      if (dialect === 'apache' && d.key === 'serverroot' && d.args[0]) {
        const root = isAbsolute(d.args[0]) ? d.args[0] : join(ctx.baseDir, d.args[0]);
        serverRoot = { baseDir: root, displayBase: root };
      }
      const isInclude = (dialect === 'nginx' && d.key === 'include') || (dialect === 'apache' && (d.key === 'include' || d.key === 'includeoptional'));
      if (isInclude && d.args[0] !== undefined) {
        this.include(dialect, d, d.args[0], dialect === 'apache' ? serverRoot : ctx, chain, dialect === 'apache' && d.key === 'includeoptional');
      } else if (dialect === 'tomcat' && d.key === 'java.security.properties' && d.args[0]) {
        // `-Djava.security.properties==FILE` replaces java.security instead of adding to it; both name a properties file.
        this.include('tomcat', d, d.args[0].replace(/^=/, ''), ctx, chain, false, false, 'properties');
      } else if (dialect === 'haproxy' && d.key === 'bind') {
        const i = d.args.indexOf('crt-list');
        if (i >= 0 && d.args[i + 1]) this.include('haproxy', d, d.args[i + 1]!, ctx, chain, false, true);
      }
    }
  }

  include(dialect: Dialect, d: Directive, arg: string, ctx: { baseDir: string; displayBase: string }, chain: string[], optional: boolean, crtList = false, tomcatKind?: 'properties'): void {
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      d.includeProblem = `includes nested deeper than ${MAX_INCLUDE_DEPTH}`;
      return;
    }
    const target = isAbsolute(arg) ? arg : join(ctx.baseDir, arg);
    const display = isAbsolute(arg) ? arg : join(ctx.displayBase, arg);
    const paths = this.virtual.size > 0 ? this.matchVirtual(target) : hasGlob(target) ? globFiles(target) : [target];
    if (paths.length === 0) {
      if (!optional && !hasGlob(arg)) d.includeProblem = `${arg} matches no file`;
      d.included = [];
      return;
    }
    const included: Directive[] = [];
    const problems: string[] = [];
    for (const p of paths) {
      if (chain.includes(p)) {
        problems.push(`include cycle: ${[...chain, p].map((x) => basename(x)).join(' → ')}`);
        continue;
      }
      const shown = hasGlob(arg) ? join(dirname(display), relative(dirname(target), p)) : display;
      try {
        const file = this.virtual.get(p) ?? { path: p, display: shown, text: this.read(p, shown), directives: [] };
        const list = crtList ? parseCrtList(file.text, file.display) : tomcatKind ? parseTomcat(file.text, file.display, tomcatKind) : parseAs(dialect, file.text, file.display);
        if (!crtList) this.resolveIncludes(dialect, list, ctx, [...chain, p]);
        included.push(...list);
      } catch (err) {
        if (!isCertwardenError(err)) throw err;
        const missing = (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
        problems.push(err.code === ErrorCode.CONFIG_PARSE ? err.message : missing ? `${shown}: no such file` : err.message);
      }
    }
    d.included = included;
    if (problems.length > 0 && !(optional && included.length === 0 && problems.every((m) => /no such file$/.test(m)))) d.includeProblem = problems.join('; ');
  }

  matchVirtual(target: string): string[] {
    if (!hasGlob(target)) return this.virtual.has(target) ? [target] : [];
    const re = new RegExp(target.split('/').map((s) => (hasGlob(s) ? globToRegExp(s).source.slice(1, -1) : s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&'))).join('/').replace(/^/, '^') + '$');
    return [...this.virtual.keys()].filter((k) => re.test(k)).sort();
  }
}

/** Load every PATH: parse, follow includes, and keep failures per file. */
export function loadInputs(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const candidates: Candidate[] = [];
  for (const given of paths) {
    let st;
    try {
      st = lstatSync(given);
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot read ${given}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
    }
    if (st.isDirectory()) walkFolder(given, given, { path: given, isDir: true }, candidates, options.dialect === 'code', options.dialect === 'envoy' || options.dialect === 'caddy' || options.dialect === 'aws-elb');
    else candidates.push({ path: given, display: given, input: { path: given, isDir: false } });
  }
  const configs: LoadedConfig[] = [];
  const failures: LoadFailure[] = [];
  const loader = new Loader();
  const loaded: { c: Candidate; config: LoadedConfig }[] = [];
  for (const c of candidates) {
    let text: string;
    try {
      text = loader.read(c.path, c.display);
    } catch (err) {
      if (!isCertwardenError(err) || err.code !== ErrorCode.IO) throw err;
      failures.push({ file: c.display, error: err, input: c.input });
      continue;
    }
    const nul = text.indexOf('\u0000');
    if (nul >= 0) {
      // Binary in a walk is skipped; a file named on the command line is never silently dropped.
      if (!c.input.isDir) failures.push({ file: c.display, error: parseError(c.display, text.slice(0, nul).split('\n').length, 'holds NUL bytes: not a text configuration'), input: c.input });
      continue;
    }
    const dialect = options.dialect ?? detectDialect(c.path, text);
    // Source files met in a walk are audited only with --dialect code: a server's folder holds scripts that are not its configuration.
    if (dialect === 'code' && c.input.isDir && !options.dialect) continue;
    if (!dialect) {
      if (!c.input.isDir) failures.push({ file: c.display, error: new CertwardenError(ErrorCode.USAGE, `${c.display}: cannot tell which server this configuration is for; name it with --dialect`), input: c.input });
      continue;
    }
    const { baseDir, displayBase } = includeRoot(dialect, c);
    try {
      if (dialect === 'nginx' && isNginxDump(text)) {
        loader.diskPaths.delete(c.display);
        const files = splitNginxDump(text, c.display);
        for (const f of files) loader.virtual.set(f.path, f);
        const main = files[0];
        if (!main) continue;
        main.directives = parseNginx(main.text, main.display);
        loader.resolveIncludes('nginx', main.directives, { baseDir: dirname(main.path), displayBase: dirname(main.path) }, [main.path]);
        loader.virtual.clear();
        configs.push({ dialect, file: main, baseDir: dirname(main.path), displayBase: dirname(main.path), input: c.input });
        continue;
      }
      const file: ParsedFile = { path: resolve(c.path), display: c.display, text, directives: parseAs(dialect, text, c.display) };
      loader.resolveIncludes(dialect, file.directives, { baseDir, displayBase }, [file.path]);
      const config = { dialect, file, baseDir, displayBase, input: c.input };
      loaded.push({ c, config });
    } catch (err) {
      if (!isCertwardenError(err)) throw err;
      failures.push({ file: c.display, dialect, error: err, input: c.input });
    }
  }
  // A file that another walked file includes is audited through that file, not on its own.
  const includedFiles = new Set<string>();
  for (const { config } of loaded) for (const d of walk(config.file.directives)) if (d.included) for (const x of walk(d.included)) includedFiles.add(x.file);
  for (const { c, config } of loaded) if (!c.input.isDir || !includedFiles.has(config.file.display)) configs.push(config);
  return { configs, failures, filesRead: loader.filesRead, diskPaths: loader.diskPaths, texts: loader.texts };
}
