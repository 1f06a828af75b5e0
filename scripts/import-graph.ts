/**
 * The import graph of src/ by top-level folder (src/scan, src/cli, ...), for
 * the layering test (test/layers.test.ts) and for a person asking "who
 * depends on what": `node scripts/import-graph.ts` prints the folder edges
 * and any cycle. Static `from '...'` and dynamic `import('...')` of relative
 * paths count; type-only imports count too (a cycle in types is still a cycle
 * in the design).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

export interface ImportEdge {
  from: string;
  to: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import between files of src/, as paths relative to src/ with '/' separators. */
export function fileImports(src = SRC): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[1]!);
      edges.push({ from: relative(src, file).split(sep).join('/'), to: relative(src, target).split(sep).join('/') });
    }
  }
  return edges;
}

/** The top-level folder of a path relative to src/; a file directly in src/ is its own unit (`errors`, the lowest layer; `index`, the public API on top). */
export function folderOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? path.replace(/\.ts$/, '') : path.slice(0, i);
}

/** Folder → folders it imports from (self-edges left out). */
export function folderGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a === b) continue;
    if (!g.has(a)) g.set(a, new Set());
    g.get(a)!.add(b);
  }
  return g;
}

/** Pairs of folders that import each other, directly or through others: each strongly connected component of more than one folder (Tarjan). */
export function folderCycles(g: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const nodes = new Set([...g.keys(), ...[...g.values()].flatMap((s) => [...s])]);
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const g = folderGraph(fileImports());
  for (const [a, bs] of [...g].sort()) console.log(`${a} -> ${[...bs].sort().join(', ')}`);
  const cycles = folderCycles(g);
  console.log(cycles.length ? `cycles: ${cycles.map((c) => c.join(' <-> ')).join('; ')}` : 'no cycles');
}
