/**
 * The policy source with positions: the YAML document, its line counter, and
 * {@link Source.locate}, which turns a data path (`['destinations', 0, 'trust']`)
 * into `line:column` for messages. Object input has no document: locations
 * then carry only the path.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import type { SourceLocation } from '../types.ts';

export type PathSeg = string | number;
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

/** Where the source text is, for turning a data path into line:column. */
export class Source {
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

/** `destinations[0].trust.pins[1]`: the path as messages show it. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** A location without the internal sort offset, as published in errors, warnings and the policy. */
export function cleanLocation(loc: SourceLocation & { offset?: number }): SourceLocation {
  const { offset: _, ...rest } = loc;
  return rest;
}
