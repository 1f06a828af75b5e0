/**
 * YAML and JSON configurations (Envoy bootstrap, Caddy JSON, AWS CLI
 * exports) as directive trees: a mapping becomes a directive whose children
 * are its keys, a sequence one whose children are named `-`, a scalar one
 * with the value in `args[0]`; every node keeps the line of its key. Parsed
 * with the yaml package (JSON is YAML 1.2); the syntax tree is walked as
 * written, so aliases are never expanded.
 */
import { LineCounter, parseAllDocuments, isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { MAX_BLOCK_DEPTH, parseError, type Directive } from './model.ts';

/** Nodes per file at most: a large Envoy bootstrap has tens of thousands. */
export const MAX_STRUCTURED_NODES = 1_000_000;
/** Nesting followed at most: Envoy's typed configs nest about 20 deep. */
export const MAX_STRUCTURED_DEPTH = MAX_BLOCK_DEPTH * 2;

export function parseStructured(text: string, file: string): Directive[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    const e = d.errors[0];
    if (e) throw parseError(file, counter.linePos(e.pos[0]).line, `${e.message.split('\n')[0]}`);
  }
  let count = 0;
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined, fallback: number): number => (n?.range ? counter.linePos(n.range[0]).line : fallback);
  const convert = (node: unknown, name: string, line: number, depth: number): Directive => {
    if (++count > MAX_STRUCTURED_NODES) throw parseError(file, line, `more than ${MAX_STRUCTURED_NODES} nodes`);
    if (depth > MAX_STRUCTURED_DEPTH) throw parseError(file, line, `nested deeper than ${MAX_STRUCTURED_DEPTH}`);
    const d: Directive = { name, key: name, args: [], file, line, endLine: line };
    if (isMap(node)) {
      d.children = node.items.map((p) => {
        const key = isScalar(p.key) ? String(p.key.value) : '?';
        return convert(p.value, key, lineOf(p.key as YamlNode, line), depth + 1);
      });
    } else if (isSeq(node)) {
      d.children = node.items.map((i) => convert(i, '-', lineOf(i as YamlNode, line), depth + 1));
    } else if (isScalar(node)) {
      d.args = [node.value === null ? '' : String(node.value)];
    } else if (isAlias(node)) {
      d.args = [`*${node.source}`];
    }
    return d;
  };
  return list.filter((d) => d.contents).map((d) => convert(d.contents, '', lineOf(d.contents as YamlNode, 1), 0));
}

/** The child `key` of a mapping directive. */
export function child(d: Directive | undefined, key: string): Directive | undefined {
  return d?.children?.find((c) => c.key === key);
}

/** Follow a dotted path of keys. */
export function at(d: Directive | undefined, path: string): Directive | undefined {
  let cur = d;
  for (const k of path.split('.')) cur = child(cur, k);
  return cur;
}

export function value(d: Directive | undefined, path?: string): string | undefined {
  return (path ? at(d, path) : d)?.args[0];
}

/** Every directive below `roots` (depth first, iterative). */
export function* descendants(roots: readonly Directive[]): Generator<Directive> {
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const d = stack.pop()!;
    yield d;
    if (d.children) for (let i = d.children.length - 1; i >= 0; i--) stack.push(d.children[i]!);
  }
}
