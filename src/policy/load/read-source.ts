/**
 * Reading the policy: a file (bounded, see read-files.ts) parsed as YAML 1.2
 * with positions kept, or an object given in code; syntax errors, repeated
 * keys and an empty file are refused here with their line.
 */
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { readPolicyFile } from '../read-files.ts';
import type { LoadPolicyOptions, SourceLocation } from '../types.ts';
import { Source, type Json } from './source.ts';

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

/** The policy data, where it came from (for locations), and the folder relative CA paths resolve from. */
export function readSource(input: string | object, options: LoadPolicyOptions): { src: Source; data: Json; baseDir: string } {
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
