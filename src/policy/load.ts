/**
 * Loading a policy: read, parse (YAML 1.2; JSON is YAML), validate against the
 * published JSON Schema, then check what a schema cannot (pin counts and
 * expiry, CA files, contradictions) and normalise into a frozen {@link Policy}.
 *
 * Every problem is a CW_ERR_POLICY error whose message starts with
 * `file:line:column:` and says what to fix; `details` carries
 * `{ file, line, column, path }` and the full `problems` list.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { CertwardenError, ErrorCode } from '../errors.ts';
import { assertSupportedNode } from '../util/runtime.ts';
import type { RevocationSource } from '../core/revocation-vocabulary.ts';
import { Certificate } from '../x509/certificate.ts';
import { DEFAULTS, LIMITS, POLICY_VERSION } from './defaults.ts';
import { readCrlNumberRule } from './crl-number.ts';
import { readCaFile, readPolicyFile } from './read-files.ts';
import { computePolicyHash } from './hash.ts';
import { PATTERN_HINTS, POLICY_SCHEMA } from './schema.ts';
import type {
  CaSource,
  DestinationRule,
  HostPattern,
  InboundSettings,
  LoadPolicyOptions,
  Pin,
  Policy,
  PolicyWarning,
  Purpose,
  RevocationSettings,
  SelfSignedEntry,
  SourceLocation,
  TrustSettings,
} from './types.ts';
import { notSelfSigned, parseSelfSignedPin } from './self-signed.ts';
import { formatDuration, parseDuration, parseExpiry, parseHostPattern, parsePinValue, suggest } from './values.ts';
import { readExpiry } from './expiry.ts';

export { policyHash } from './hash.ts';

type PathSeg = string | number;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface Problem {
  message: string;
  location: SourceLocation;
  offset: number;
}

/** Where the source text is, for turning a data path into line:column. */
class Source {
  readonly display: string;
  readonly file: string | undefined;
  readonly doc: Document | undefined;
  readonly lines: LineCounter | undefined;

  constructor(display: string, file?: string, doc?: Document, lines?: LineCounter) {
    this.display = display;
    this.file = file;
    this.doc = doc;
    this.lines = lines;
  }

  /** Per mapping node: its pairs by key, built once, so a lookup does not scan the mapping (10.15: O(n²) on n unknown keys). */
  readonly #pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  #pair(map: YAMLMap, key: PathSeg): Pair | undefined {
    let index = this.#pairIndex.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        // The first pair wins, as YAML's own lookup does (duplicate keys are a syntax error anyway).
        if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
      }
      this.#pairIndex.set(map, index);
    }
    return index.get(String(key));
  }

  /** The nodes along `path` from the document root (shorter when the path leaves the document). */
  #walk(path: readonly PathSeg[]): (YamlNode | undefined)[] {
    const nodes: (YamlNode | undefined)[] = [this.doc?.contents ?? undefined];
    for (const seg of path) {
      const node = nodes[nodes.length - 1];
      let child: unknown;
      if (isMap(node)) {
        child = this.#pair(node, seg)?.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        child = node.items[seg];
      }
      if (child === undefined || child === null || typeof child !== 'object') break;
      nodes.push(child as YamlNode);
    }
    return nodes;
  }

  /** The node at `path` (or its key, for unknown-key errors); falls back to the nearest ancestor. */
  locate(path: readonly PathSeg[], at: 'value' | 'key' = 'value'): SourceLocation & { offset: number } {
    const loc: SourceLocation & { offset: number } = { path: formatPath(path), offset: Number.MAX_SAFE_INTEGER };
    if (this.file !== undefined) loc.file = this.file;
    if (!this.doc || !this.lines) return loc;
    let offset: number | undefined;
    if (at === 'key' && path.length > 0) {
      const parents = this.#walk(path.slice(0, -1));
      const map = parents.length === path.length ? parents[path.length - 1] : undefined;
      if (isMap(map)) offset = (this.#pair(map, path[path.length - 1]!)?.key as YamlNode | undefined)?.range?.[0];
    }
    if (offset === undefined) {
      const nodes = this.#walk(at === 'key' ? path.slice(0, -1) : path);
      for (let n = nodes.length - 1; n >= 0 && offset === undefined; n--) offset = nodes[n]?.range?.[0];
    }
    if (offset === undefined) return loc;
    const { line, col } = this.lines.linePos(offset);
    loc.line = Math.max(line, 1);
    loc.column = col;
    loc.offset = offset;
    return loc;
  }

  prefix(loc: SourceLocation): string {
    return loc.line === undefined ? `${this.display}:` : `${this.display}:${loc.line}:${loc.column}:`;
  }
}

function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

function policyError(src: Source, problems: Problem[]): CertwardenError {
  problems.sort((a, b) => a.offset - b.offset);
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  const { location } = first;
  return new CertwardenError(ErrorCode.POLICY, `${src.prefix(location)} ${first.message}${more}`, {
    details: {
      file: location.file ?? src.display,
      line: location.line,
      column: location.column,
      path: location.path,
      problems: problems.map((p) => ({ message: `${src.prefix(p.location)} ${p.message}`, ...cleanLocation(p.location) })),
    },
  });
}

function fatal(src: Source, message: string, path: readonly PathSeg[] = [], at: 'value' | 'key' = 'value'): CertwardenError {
  const location = src.locate(path, at);
  return policyError(src, [{ message, location, offset: location.offset }]);
}

// ---------------------------------------------------------------------------
// Reading and parsing

/**
 * The earliest repeated key of any mapping in the document, in one pass with a
 * Set per mapping (iterative: no recursion limit on deep nesting). Keys compare
 * by their string form, which is what they become in the loaded data, so `1`
 * and `"1"` are a repeat too.
 */
function firstDuplicateKey(doc: Document): { message: string; pos: [number, number] } | undefined {
  let first: number | undefined;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const start = (pair.key as YamlNode | null)?.range?.[0] ?? 0;
          first = first === undefined ? start : Math.min(first, start);
        }
        seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return first === undefined ? undefined : { message: 'Map keys must be unique', pos: [first, first] };
}

function readSource(input: string | object, options: LoadPolicyOptions): { src: Source; data: Json; baseDir: string } {
  if (typeof input !== 'string') {
    const display = options.sourceName ?? '<policy>';
    let data: Json;
    try {
      // A JSON round trip keeps exactly what a file could say (Dates become ISO strings).
      data = JSON.parse(JSON.stringify(input)) as Json;
    } catch (cause) {
      throw new CertwardenError(ErrorCode.POLICY, `${display}: the policy object is not plain data: ${(cause as Error).message}`, {
        cause,
        details: { file: display, path: '' },
      });
    }
    return { src: new Source(display), data, baseDir: resolve(options.baseDir ?? process.cwd()) };
  }
  const file = resolve(input);
  const read = readPolicyFile(file);
  if (!read.ok) {
    throw new CertwardenError(ErrorCode.POLICY, `${input}: cannot read the policy file (${read.why}); check the --policy path`, {
      details: { file, path: '' },
    });
  }
  const text = read.data.toString('utf8');
  const lines = new LineCounter();
  // uniqueKeys: the yaml package compares each key with every earlier one (O(n²) on 100k keys, 10.15): checked below in linear time.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, version: '1.2', strict: true });
  const src = new Source(input, file, doc, lines);
  const bad = doc.errors[0] ?? firstDuplicateKey(doc);
  if (bad) {
    const { line, col } = lines.linePos(bad.pos[0]);
    const location: SourceLocation = { file, line: Math.max(line, 1), column: col, path: '' };
    const message = `YAML syntax error: ${bad.message.split('\n')[0]}`;
    throw new CertwardenError(ErrorCode.POLICY, `${src.prefix(location)} ${message}`, {
      cause: bad,
      details: { file, line: location.line, column: location.column, path: '', problems: [{ message, ...location }] },
    });
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    throw new CertwardenError(ErrorCode.POLICY, `${input}:1:1: the policy file is empty; it needs at least "version: 1" and a "trust" section`, {
      details: { file, line: 1, column: 1, path: '' },
    });
  }
  let data: Json;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as Json;
  } catch (cause) {
    throw new CertwardenError(ErrorCode.POLICY, `${input}: ${(cause as Error).message}`, { cause, details: { file, path: '' } });
  }
  return { src, data, baseDir: dirname(file) };
}

// ---------------------------------------------------------------------------
// Schema validation

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(POLICY_SCHEMA);
  return validator;
}

function decodePointer(pointer: string, data: Json): PathSeg[] {
  if (pointer === '') return [];
  const out: PathSeg[] = [];
  let cur: Json | undefined = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? cur[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: Json, path: readonly PathSeg[]): Json | undefined {
  let cur: Json | undefined = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[seg];
  }
  return cur;
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeList(type: string | string[]): string {
  const names = (Array.isArray(type) ? type : String(type).split(',')).map((t) => TYPE_NAMES[t] ?? t);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The property names the schema allows at the object an error points into. */
function knownKeys(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).filter((k) => k !== '$schema') : [];
}

function schemaProblem(src: Source, data: Json, e: ErrorObject): Problem {
  const path = decodePointer(e.instancePath, data);
  const value = valueAt(data, path);
  const p = formatPath(path);
  const subject = p === '' ? 'the policy' : p;
  let message: string;
  let at: readonly PathSeg[] = path;
  let where: 'value' | 'key' = 'value';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      at = [...path, key];
      where = 'key';
      const known = knownKeys(e);
      const guess = suggest(key, known);
      const within = p === '' ? 'at the top level' : `in ${p}`;
      message = guess
        ? `unknown key "${key}" ${within}: did you mean "${guess}"? (unknown keys are errors so that a typo cannot weaken the policy)`
        : `unknown key "${key}" ${within}; known keys: ${known.join(', ')}`;
      break;
    }
    case 'required': {
      const key = String(params.missingProperty);
      message =
        key === 'version'
          ? `missing required key "version": add "version: ${POLICY_VERSION}" at the top`
          : `${p === '' ? '' : `${p}: `}missing required key "${key}"`;
      break;
    }
    case 'type':
      message = `${subject} must be ${typeList(params.type as string | string[])} (got ${describe(value)})`;
      break;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const list = allowed.length <= 2 ? allowed.join(' or ') : `one of ${allowed.join(', ')}`;
      const guess = typeof value === 'string' ? suggest(value, (params.allowedValues as unknown[]).map(String)) : undefined;
      message = `${subject} must be ${list} (got ${JSON.stringify(value)})${guess ? `; did you mean "${guess}"?` : ''}`;
      break;
    }
    case 'const':
      message =
        p === 'version'
          ? `version must be ${POLICY_VERSION} (got ${JSON.stringify(value)}): this certwarden reads policy format version ${POLICY_VERSION}`
          : `${subject} must be ${JSON.stringify(params.allowedValue)} (got ${JSON.stringify(value)})`;
      break;
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      message = `${subject} ${hint} (got ${JSON.stringify(value)})`;
      break;
    }
    case 'minimum':
      message = `${subject} must be at least ${String(params.limit)} (got ${JSON.stringify(value)})`;
      break;
    case 'minItems':
      message = `${subject} must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
      break;
    case 'minLength':
      message = `${subject} must not be empty`;
      break;
    case 'uniqueItems': {
      // ajv reports the later duplicate as i, the earlier as j: point at the repeat.
      const i = Number(params.i);
      at = [...path, i];
      message = `${subject} lists ${JSON.stringify((value as Json[])[i])} twice`;
      break;
    }
    default:
      message = `${subject} ${e.message ?? 'is invalid'}`;
  }
  const location = src.locate(at, where);
  return { message, location, offset: location.offset };
}

function validateSchema(src: Source, data: Json): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw fatal(src, `the policy must be a mapping with "version" and "trust" keys (got ${describe(data)})`);
  }
  const validate = getValidator();
  if (validate(data)) return;
  // One problem per node: a type error makes the node's other keyword errors noise.
  const byPath = new Map<string, ErrorObject>();
  for (const e of validate.errors ?? []) {
    const key = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String(e.params.additionalProperty)}` : e.instancePath;
    const seen = byPath.get(key);
    if (!seen || (e.keyword === 'type' && seen.keyword !== 'type')) byPath.set(key, e);
  }
  throw policyError(
    src,
    [...byPath.values()].map((e) => schemaProblem(src, data, e)),
  );
}

// ---------------------------------------------------------------------------
// Normalisation

interface Ctx {
  src: Source;
  baseDir: string;
  now: Date;
  problems: Problem[];
  warnings: PolicyWarning[];
  warned: Set<string>;
  files: Map<string, { certificates: Certificate[] } | { error: string }>;
}

function problem(ctx: Ctx, path: readonly PathSeg[], message: string, at: 'value' | 'key' = 'value'): void {
  const location = ctx.src.locate(path, at);
  ctx.problems.push({ message, location, offset: location.offset });
}

function warn(ctx: Ctx, path: readonly PathSeg[], message: string): void {
  const location = ctx.src.locate(path);
  const key = `${location.path}\0${message}`;
  if (ctx.warned.has(key)) return;
  ctx.warned.add(key);
  const { offset: _, ...clean } = location;
  ctx.warnings.push({ message: `${ctx.src.prefix(clean)} ${message}`, location: clean });
}

function durationAt(ctx: Ctx, obj: Obj | undefined, key: string, path: readonly PathSeg[], limits: { min?: number; max: number }): number | undefined {
  if (!obj || !(key in obj)) return undefined;
  const p = [...path, key];
  const parsed = parseDuration(obj[key]);
  if (!parsed.ok) {
    problem(ctx, p, `${formatPath(p)} ${parsed.problem}`);
    return undefined;
  }
  if (limits.min !== undefined && parsed.value < limits.min) {
    problem(ctx, p, `${formatPath(p)} must be more than 0 (got ${JSON.stringify(obj[key])})`);
    return undefined;
  }
  if (parsed.value > limits.max) {
    problem(ctx, p, `${formatPath(p)} must be at most ${formatDuration(limits.max)} (got ${JSON.stringify(obj[key])})`);
    return undefined;
  }
  return parsed.value;
}

function readCas(ctx: Ctx, list: Json[], path: readonly PathSeg[]): CaSource[] {
  const out: CaSource[] = [];
  list.forEach((entry, i) => {
    const p = [...path, i];
    const source = readCertificateEntry(ctx, entry, p);
    if (!source) return;
    out.push(source);
    checkAnchors(ctx, p, source.certificates, source.kind === 'inline' ? 'the inline PEM' : `"${String(entry)}"`);
  });
  return out;
}

/** One file path or inline PEM entry (of `trust.cas`, `client-cas` or `trust.self-signed`), read and parsed; problems recorded. */
function readCertificateEntry(ctx: Ctx, entry: Json, p: readonly PathSeg[]): CaSource | undefined {
  const entryText = String(entry);
  const location = cleanLocation(ctx.src.locate(p));
  if (entryText.includes('-----BEGIN')) {
    try {
      return { source: 'inline', kind: 'inline', certificates: Certificate.parseAll(entryText), location };
    } catch (cause) {
      problem(ctx, p, `${formatPath(p)}: the inline PEM does not hold a certificate: ${(cause as Error).message}`);
    }
    return undefined;
  }
  const file = isAbsolute(entryText) ? entryText : resolve(ctx.baseDir, entryText);
  let cached = ctx.files.get(file);
  if (!cached) {
    const read = readCaFile(file);
    const data = read.ok ? read.data : undefined;
    if (!read.ok) {
      cached = { error: `cannot read CA file "${file}" (${read.why}); relative paths resolve from ${ctx.src.file ? "the policy file's folder" : 'the base folder'} (${ctx.baseDir})` };
    }
    if (data) {
      try {
        cached = { certificates: Certificate.parseAll(data) };
      } catch (cause) {
        cached = { error: `CA file "${file}" does not hold a certificate in PEM or DER form: ${(cause as Error).message}` };
      }
    }
    ctx.files.set(file, cached!);
  }
  if ('error' in cached!) {
    problem(ctx, p, `${formatPath(p)}: ${cached.error}`);
    return undefined;
  }
  return { source: file, kind: 'file', certificates: cached!.certificates, location };
}

/** `trust.self-signed` (see self-signed.ts): pins as written, files/inline PEM read and checked to be self-signed. */
function readSelfSigned(ctx: Ctx, list: Json[], path: readonly PathSeg[]): SelfSignedEntry[] {
  const out: SelfSignedEntry[] = [];
  list.forEach((entry, i) => {
    const p = [...path, i];
    const pin = parseSelfSignedPin(String(entry), cleanLocation(ctx.src.locate(p)));
    if (pin) {
      if (pin.ok) out.push(pin.value);
      else problem(ctx, p, `${formatPath(p)} ${pin.problem}`);
      return;
    }
    const read = readCertificateEntry(ctx, entry, p);
    if (!read) return;
    const what = read.kind === 'inline' ? 'the inline PEM' : `"${String(entry)}"`;
    const bad = notSelfSigned(read.certificates);
    if (bad.length > 0) {
      problem(ctx, p, `${formatPath(p)}: "${bad[0]!.subject}" in ${what} is not self-signed (issued by "${bad[0]!.issuer}"); trust.self-signed lists certificates that are their own anchors: put the CA that issued it in trust.cas`);
      return;
    }
    for (const c of read.certificates) {
      if (c.notAfter.getTime() < ctx.now.getTime()) warn(ctx, p, `${formatPath(p)}: self-signed certificate "${c.subject}" in ${what} expired on ${c.notAfter.toISOString()}; it can no longer be trusted`);
    }
    out.push({ kind: read.kind, source: read.source, certificates: read.certificates, location: read.location });
  });
  return out;
}

/**
 * The trap of the README's old example: `cas` plus `pins` of keys none of the
 * CAs carry reads like "trust these CAs and this self-signed server", but pins
 * restrict every chain, so every CA-issued host would fail with pin-mismatch.
 */
function checkPinsBesideCas(ctx: Ctx, t: TrustSettings, pinsPath: readonly PathSeg[], context: string): void {
  if (t.pins.length === 0 || t.anchors.length === 0 || t.selfSigned.length > 0) return;
  const caKeys = new Set(t.anchors.map((a) => a.spkiSha256));
  if (t.pins.some((p) => caKeys.has(p.sha256))) return;
  warn(
    ctx,
    pinsPath,
    `${formatPath(pinsPath)}${context}: none of these pins is the key of a certificate in trust.cas, so only chains holding a pinned intermediate or leaf key are accepted. pins restrict every chain; to trust a self-signed certificate beside your CAs use trust.self-signed`,
  );
}

function cleanLocation(loc: SourceLocation & { offset?: number }): SourceLocation {
  const { offset: _, ...rest } = loc;
  return rest;
}

function checkAnchors(ctx: Ctx, path: readonly PathSeg[], certs: readonly Certificate[], what: string): void {
  for (const c of certs) {
    if (c.notAfter.getTime() < ctx.now.getTime()) {
      warn(ctx, path, `${formatPath(path)}: anchor "${c.subject}" in ${what} expired on ${c.notAfter.toISOString()}; it can no longer anchor a valid path`);
    }
    let ca = false;
    try {
      ca = c.isCA;
    } catch {
      ca = false;
    }
    if (!ca) warn(ctx, path, nonCaAnchorWarning(formatPath(path), c.subject, what));
  }
}

/**
 * A non-CA anchor (usually a leaf pasted into trust.cas) can only anchor
 * itself, and, being an anchor, is never revocation-checked (RFC 5280 §6.1:
 * trust anchor information is an input to path validation, not a certificate
 * in the path): revoking it at its CA changes nothing. Said at load, since
 * nothing at verification time will.
 */
function nonCaAnchorWarning(where: string, subject: string, what: string): string {
  return (
    `${where}: "${subject}" in ${what} is not a CA certificate (no basicConstraints cA); it can only anchor itself, and as an anchor it is never revocation-checked ` +
    `(RFC 5280 §6.1: a trust anchor is an input to path validation, not a certificate in the path), so it stays trusted even if its issuer revokes it; ` +
    `list its CA instead to have it checked, or remove it when it must no longer be trusted`
  );
}

function anchorsOf(sources: readonly CaSource[]): Certificate[] {
  const seen = new Set<string>();
  const out: Certificate[] = [];
  for (const s of sources) {
    for (const c of s.certificates) {
      if (seen.has(c.fingerprint256)) continue;
      seen.add(c.fingerprint256);
      out.push(c);
    }
  }
  return out;
}

function readPins(ctx: Ctx, list: Json[], path: readonly PathSeg[]): Pin[] {
  const out: Pin[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const p = [...path, i];
    const obj = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? entry : undefined;
    const valuePath = obj ? [...p, 'pin'] : p;
    const raw = obj ? String(obj.pin) : String(entry);
    const parsed = parsePinValue(raw);
    if (!parsed.ok) {
      problem(ctx, valuePath, `${formatPath(valuePath)} ${parsed.problem}`);
      return;
    }
    const before = seen.get(parsed.value);
    if (before !== undefined) {
      problem(ctx, valuePath, `${formatPath(valuePath)} repeats ${formatPath([...path, before])}: a repeated pin is not a backup pin`);
      return;
    }
    seen.set(parsed.value, i);
    const pin: Pin = { value: raw, sha256: parsed.value, location: cleanLocation(ctx.src.locate(p)) };
    if (obj && typeof obj.expires === 'string') {
      const ex = parseExpiry(obj.expires);
      if (!ex.ok) {
        problem(ctx, [...p, 'expires'], `${formatPath([...p, 'expires'])} ${ex.problem}`);
        return;
      }
      pin.expires = ex.value;
    }
    if (obj && typeof obj.note === 'string') pin.note = obj.note;
    out.push(pin);
  });
  return out;
}

/** Pin rules on an effective pin set: a backup is required, and expiry fails closed. */
function checkPins(ctx: Ctx, pins: readonly Pin[], allowSingle: boolean, pinsPath: readonly PathSeg[], context: string): void {
  if (pins.length === 0) return;
  if (pins.length === 1 && !allowSingle) {
    problem(
      ctx,
      pinsPath,
      `${formatPath(pinsPath)} has one pin${context}; add a backup pin (the SPKI of a key kept offline) or set allow-single-pin: true to accept the lock-out risk`,
    );
    return;
  }
  const now = ctx.now.getTime();
  const active = pins.filter((pin) => pin.expires === undefined || pin.expires.getTime() > now);
  for (const pin of pins) {
    if (pin.expires !== undefined && pin.expires.getTime() <= now) {
      warn(ctx, pathOf(pin, pinsPath, pins), `${pin.location.path} expired on ${pin.expires.toISOString()} and is ignored; remove it from the policy`);
    }
  }
  if (active.length === 0) {
    problem(
      ctx,
      pinsPath,
      `${formatPath(pinsPath)}: every pin has expired${context}, so no connection could succeed; add current pins (\`certwarden pin FILE\`), or remove "pins" to stop pinning`,
    );
  } else if (active.length === 1 && !allowSingle && pins.length > 1) {
    warn(ctx, pinsPath, `${formatPath(pinsPath)}: only one unexpired pin remains${context}; add a new backup pin before it expires or rotates`);
  }
}

function pathOf(pin: Pin, pinsPath: readonly PathSeg[], pins: readonly Pin[]): PathSeg[] {
  return [...pinsPath, pins.indexOf(pin)];
}

interface TrustDraft {
  settings: TrustSettings;
  pinsPath: readonly PathSeg[];
  /** Some CA or pin entry failed: skip the checks that would only repeat that problem. */
  broken: boolean;
}

function readTrust(ctx: Ctx, obj: Obj | undefined, path: readonly PathSeg[], base: TrustDraft | undefined): TrustDraft {
  const problemsBefore = ctx.problems.length;
  const cas = obj && Array.isArray(obj.cas) ? readCas(ctx, obj.cas, [...path, 'cas']) : undefined;
  const pins = obj && Array.isArray(obj.pins) ? readPins(ctx, obj.pins, [...path, 'pins']) : undefined;
  const selfSigned = obj && Array.isArray(obj['self-signed']) ? readSelfSigned(ctx, obj['self-signed'], [...path, 'self-signed']) : undefined;
  const caSources = cas ?? base?.settings.caSources ?? [];
  const settings: TrustSettings = {
    anchors: cas ? anchorsOf(cas) : (base?.settings.anchors ?? []),
    caSources,
    selfSigned: selfSigned ?? base?.settings.selfSigned ?? [],
    pins: pins ?? base?.settings.pins ?? [],
    allowSinglePin: typeof obj?.['allow-single-pin'] === 'boolean' ? obj['allow-single-pin'] : (base?.settings.allowSinglePin ?? DEFAULTS.allowSinglePin),
    system: typeof obj?.system === 'boolean' ? obj.system : (base?.settings.system ?? DEFAULTS.system),
  };
  return {
    settings,
    pinsPath: pins ? [...path, 'pins'] : (base?.pinsPath ?? [...path, 'pins']),
    broken: ctx.problems.length > problemsBefore || (base?.broken ?? false),
  };
}

function readRevocation(ctx: Ctx, obj: Obj | undefined, path: readonly PathSeg[], base: RevocationSettings, inbound: boolean): RevocationSettings {
  const o = obj ?? {};
  const mode = (o.mode as RevocationSettings['mode'] | undefined) ?? base.mode;
  let sources = Array.isArray(o.sources) ? (o.sources as RevocationSource[]) : base.sources;
  if (inbound && !Array.isArray(o.sources)) {
    sources = base.sources.filter((s) => s !== 'staple');
    if (sources.length === 0) {
      problem(ctx, path, `${formatPath(path)}: the inherited revocation sources hold only "staple", which clients cannot provide; set ${formatPath([...path, 'sources'])} to [ocsp, crl]`);
    }
  }
  const requireStaple = inbound ? false : typeof o['require-staple'] === 'boolean' ? o['require-staple'] : base.requireStaple;
  if (requireStaple && !sources.includes('staple')) {
    const fix = 'add "staple" to sources or turn require-staple off';
    if ('require-staple' in o) {
      const where = [...path, 'require-staple'];
      problem(ctx, where, `${formatPath(where)} is true but "staple" is not in sources ${JSON.stringify(sources)}; ${fix}`);
    } else {
      const where = [...path, 'sources'];
      problem(ctx, where, `${formatPath(where)} ${JSON.stringify(sources)} lacks "staple", but the inherited require-staple is true; ${fix}`);
    }
  }
  const timeoutsObj = o.timeouts as Obj | undefined;
  const tPath = [...path, 'timeouts'];
  const tLimits = { min: 1, max: LIMITS.maxTimeoutMs };
  const mrb = o['max-response-bytes'];
  const mrbPath = [...path, 'max-response-bytes'];
  const maxResponseBytes = { ...base.maxResponseBytes };
  if (typeof mrb === 'number') {
    maxResponseBytes.ocsp = maxResponseBytes.crl = mrb;
  } else if (mrb && typeof mrb === 'object' && !Array.isArray(mrb)) {
    if (typeof mrb.ocsp === 'number') maxResponseBytes.ocsp = mrb.ocsp;
    if (typeof mrb.crl === 'number') maxResponseBytes.crl = mrb.crl;
  }
  for (const k of ['ocsp', 'crl'] as const) {
    if (maxResponseBytes[k] > LIMITS.maxResponseBytes) {
      problem(ctx, typeof mrb === 'object' ? [...mrbPath, k] : mrbPath, `${formatPath(mrbPath)} must be at most ${LIMITS.maxResponseBytes} bytes (1 GiB)`);
    }
  }
  return {
    mode,
    tolerates: mode === 'soft-fail' ? ['unreachable'] : [],
    requireStaple,
    check: (o.check as RevocationSettings['check'] | undefined) ?? base.check,
    crlNumber: readCrlNumberRule(o, base.crlNumber),
    sources: [...sources],
    maxResponseAgeMs: durationAt(ctx, o, 'max-response-age', path, { min: 1, max: LIMITS.maxResponseAgeMs }) ?? base.maxResponseAgeMs,
    maxStalenessMs: durationAt(ctx, o, 'max-staleness', path, { min: 1, max: LIMITS.maxResponseAgeMs }) ?? base.maxStalenessMs,
    timeouts: {
      ocspMs: durationAt(ctx, timeoutsObj, 'ocsp', tPath, tLimits) ?? base.timeouts.ocspMs,
      crlMs: durationAt(ctx, timeoutsObj, 'crl', tPath, tLimits) ?? base.timeouts.crlMs,
      connectMs: durationAt(ctx, timeoutsObj, 'connect', tPath, tLimits) ?? base.timeouts.connectMs,
    },
    maxResponseBytes,
    ocspGet: typeof o['ocsp-get'] === 'boolean' ? o['ocsp-get'] : base.ocspGet,
  };
}

const DEFAULT_REVOCATION: RevocationSettings = {
  mode: DEFAULTS.revocation.mode,
  tolerates: [],
  requireStaple: DEFAULTS.revocation.requireStaple,
  check: DEFAULTS.revocation.check,
  crlNumber: DEFAULTS.revocation.crlNumber,
  sources: DEFAULTS.revocation.sources,
  maxResponseAgeMs: DEFAULTS.revocation.maxResponseAgeMs,
  maxStalenessMs: DEFAULTS.revocation.maxStalenessMs,
  timeouts: { ...DEFAULTS.revocation.timeouts },
  maxResponseBytes: { ...DEFAULTS.revocation.maxResponseBytes },
  ocspGet: DEFAULTS.revocation.ocspGet,
};

function hasAnchor(t: TrustSettings): boolean {
  return t.anchors.length > 0 || t.selfSigned.length > 0 || t.pins.length > 0 || t.system;
}

/** Dotted keys a destination rule sets, for evidence. */
function overrideKeys(rule: Obj): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'match' || k === 'name') continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (v2 !== null && typeof v2 === 'object' && !Array.isArray(v2)) for (const k3 of Object.keys(v2)) out.push(`${k}.${k2}.${k3}`);
        else out.push(`${k}.${k2}`);
      }
    } else out.push(k);
  }
  return out;
}

function normalise(ctx: Ctx, data: Obj): Omit<Policy, 'canonical' | 'hash' | 'warnings' | 'file' | 'baseDir'> {
  const top = readTrust(ctx, data.trust as Obj, ['trust'], undefined);
  const revocation = readRevocation(ctx, data.revocation as Obj | undefined, ['revocation'], DEFAULT_REVOCATION, false);
  const purpose = (data.purpose as Purpose | undefined) ?? DEFAULTS.purpose;
  const clockSkewMs = durationAt(ctx, data, 'clock-skew', [], { max: LIMITS.maxClockSkewMs }) ?? DEFAULTS.clockSkewMs;
  if (!top.broken) checkPins(ctx, top.settings.pins, top.settings.allowSinglePin, top.pinsPath, '');
  if (!top.broken) checkPinsBesideCas(ctx, top.settings, top.pinsPath, '');

  const rawRules = Array.isArray(data.destinations) ? (data.destinations as Obj[]) : [];
  if (!top.broken && !hasAnchor(top.settings) && rawRules.length === 0) {
    problem(ctx, ['trust'], `trust names no anchor, so nothing would be trusted: add trust.cas (CA files), trust.self-signed (specific self-signed certificates), trust.pins, or system: true`);
  }

  const patternOwners = new Map<string, PathSeg[]>();
  const destinations: DestinationRule[] = rawRules.map((rule, index) => {
    const path: PathSeg[] = ['destinations', index];
    const matchList = typeof rule.match === 'string' ? [rule.match] : (rule.match as string[]);
    const patterns: HostPattern[] = [];
    matchList.forEach((m, j) => {
      const mPath = typeof rule.match === 'string' ? [...path, 'match'] : [...path, 'match', j];
      const parsed = parseHostPattern(m);
      if (!parsed.ok) {
        problem(ctx, mPath, `${formatPath(mPath)} ${parsed.problem}`);
        return;
      }
      const key = `${parsed.value.kind}|${parsed.value.host}|${parsed.value.port ?? ''}`;
      const owner = patternOwners.get(key);
      if (owner) {
        problem(ctx, mPath, `${formatPath(mPath)}: pattern ${JSON.stringify(m)} already appears at ${formatPath(owner)}; a host must have one rule`);
        return;
      }
      patternOwners.set(key, mPath);
      patterns.push(parsed.value);
    });
    const trust = readTrust(ctx, rule.trust as Obj | undefined, [...path, 'trust'], top);
    const ruleRevocation = readRevocation(ctx, rule.revocation as Obj | undefined, [...path, 'revocation'], revocation, false);
    const name = typeof rule.name === 'string' ? rule.name : (matchList[0] ?? `destinations[${index}]`);
    if (!trust.broken) checkPins(ctx, trust.settings.pins, trust.settings.allowSinglePin, trust.pinsPath, ` (for destination "${name}")`);
    const ownTrust = (rule.trust ?? {}) as Obj;
    if (!trust.broken && ('pins' in ownTrust || 'cas' in ownTrust)) checkPinsBesideCas(ctx, trust.settings, trust.pinsPath, ` (for destination "${name}")`);
    if (!trust.broken && !hasAnchor(trust.settings)) {
      problem(ctx, path, `${formatPath(path)} ("${name}") trusts nothing: give it trust.cas, trust.self-signed, trust.pins or trust.system: true (the top-level trust section names no anchor)`);
    }
    return {
      name,
      index,
      patterns,
      overrides: overrideKeys(rule),
      location: cleanLocation(ctx.src.locate(path)),
      trust: trust.settings,
      revocation: ruleRevocation,
      purpose: (rule.purpose as Purpose | undefined) ?? purpose,
      clockSkewMs: durationAt(ctx, rule, 'clock-skew', path, { max: LIMITS.maxClockSkewMs }) ?? clockSkewMs,
    };
  });

  let inbound: InboundSettings | undefined;
  const rawInbound = data.inbound as Obj | undefined;
  if (rawInbound) {
    const cas = readCas(ctx, rawInbound['client-cas'] as Json[], ['inbound', 'client-cas']);
    const base: InboundSettings = {
      trust: { anchors: anchorsOf(cas), caSources: cas, selfSigned: [], pins: [], allowSinglePin: false, system: false },
      revocation: readRevocation(ctx, rawInbound.revocation as Obj | undefined, ['inbound', 'revocation'], revocation, true),
      purpose: (rawInbound.purpose as Purpose | undefined) ?? DEFAULTS.inboundPurpose,
      clockSkewMs: durationAt(ctx, rawInbound, 'clock-skew', ['inbound'], { max: LIMITS.maxClockSkewMs }) ?? clockSkewMs,
    };
    inbound = base;
    const rawListeners = rawInbound.listeners as Obj | undefined;
    if (rawListeners) {
      const listeners = new Map<string, InboundSettings>();
      for (const [name, raw] of Object.entries(rawListeners)) {
        const l = raw as Obj;
        const path = ['inbound', 'listeners', name];
        const lcas = Array.isArray(l['client-cas']) ? readCas(ctx, l['client-cas'] as Json[], [...path, 'client-cas']) : undefined;
        listeners.set(name, {
          // Listener anchors replace the inbound ones: a listener narrows who may connect, it never widens it by accident.
          trust: lcas ? { anchors: anchorsOf(lcas), caSources: lcas, selfSigned: [], pins: [], allowSinglePin: false, system: false } : base.trust,
          revocation: l.revocation ? readRevocation(ctx, l.revocation as Obj, [...path, 'revocation'], base.revocation, true) : base.revocation,
          purpose: (l.purpose as Purpose | undefined) ?? base.purpose,
          clockSkewMs: durationAt(ctx, l, 'clock-skew', path, { max: LIMITS.maxClockSkewMs }) ?? base.clockSkewMs,
        });
      }
      inbound = { ...base, listeners };
    }
  }

  const out: Omit<Policy, 'canonical' | 'hash' | 'warnings' | 'file' | 'baseDir'> = {
    version: 1,
    trust: top.settings,
    revocation,
    purpose,
    clockSkewMs,
    destinations,
    expiry: readExpiry(data.expiry as Obj | undefined, (p, m) => problem(ctx, ['expiry', ...p], m)),
  };
  if (inbound) out.inbound = inbound;
  return out;
}

/** Canonical JSON: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** Freeze the policy graph; certificates and byte arrays are shared, not frozen. */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  if (value instanceof Certificate || ArrayBuffer.isView(value) || value instanceof Date) return value;
  seen.add(value);
  for (const v of Object.values(value as object)) deepFreeze(v, seen);
  return Object.freeze(value);
}

/**
 * Load, validate and normalise a policy.
 *
 * @param input a file path (YAML or JSON), or an already-parsed policy object
 *   (relative CA paths then resolve from `options.baseDir`, default cwd).
 * @throws CertwardenError CW_ERR_POLICY, message `file:line:column: what to fix`,
 *   details `{ file, line, column, path, problems }`.
 */
export function loadPolicy(input: string | object, options: LoadPolicyOptions = {}): Policy {
  assertSupportedNode();
  if (typeof input !== 'string' && (input === null || typeof input !== 'object')) {
    throw new CertwardenError(ErrorCode.POLICY, `loadPolicy needs a file path or a policy object (got ${input === null ? 'null' : typeof input})`, {
      details: { path: '' },
    });
  }
  const { src, data, baseDir } = readSource(input, options);
  validateSchema(src, data);
  const ctx: Ctx = { src, baseDir, now: options.now ?? new Date(), problems: [], warnings: [], warned: new Set(), files: new Map() };
  const body = normalise(ctx, data as Obj);
  if (ctx.problems.length > 0) throw policyError(src, ctx.problems);
  const canonical = canonicalJson(data);
  const policy: Policy = {
    ...body,
    baseDir,
    warnings: ctx.warnings,
    canonical,
    hash: '',
  };
  if (src.file !== undefined) policy.file = src.file;
  policy.hash = computePolicyHash(policy);
  for (const w of ctx.warnings) options.onWarning?.(w);
  return deepFreeze(policy);
}
