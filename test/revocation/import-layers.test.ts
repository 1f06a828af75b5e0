/**
 * The revocation engine's folders form an acyclic graph: ocsp → core,
 * crl → core, revocation → ocsp, crl, core (docs/architecture.md). A cycle
 * (ocsp importing its vocabulary from revocation, which imports ocsp) is what
 * the shared vocabulary module in src/core exists to prevent. Type-only imports
 * count: they are dependencies of the design even when erased at run time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
/** The folders this test watches, and what each may import among them. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  ocsp: ['core'],
  crl: ['core'],
  revocation: ['core', 'ocsp', 'crl'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Top-level folder under src/ of a file (or its name, for a file at the top). */
function folderOf(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0]!;
}

/** Relative module specifiers of `import ... from`, `export ... from` and `import('...')`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

/** Folder → folders it imports (outside itself), over all of src/. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** A cycle through `start`, as a list of folders, or undefined. */
function cycleThrough(graph: Map<string, Set<string>>, start: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (node: string, path: string[]): string[] | undefined => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

test('ocsp, crl, revocation and core import each other only downwards (ocsp → core, crl → core, revocation → ocsp, crl, core)', () => {
  const graph = folderGraph();
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    const watched = [...(graph.get(folder) ?? [])].filter((to) => to in ALLOWED);
    assert.deepEqual(watched.filter((to) => !allowed.includes(to)), [], `src/${folder} imports a folder it must not`);
  }
});

test('no folder cycle passes through ocsp, crl, revocation or core (also through other folders)', () => {
  const graph = folderGraph();
  for (const folder of Object.keys(ALLOWED)) assert.equal(cycleThrough(graph, folder)?.join(' → '), undefined);
});

test('the cycle finder finds a cycle when there is one', () => {
  const graph = new Map([
    ['ocsp', new Set(['revocation'])],
    ['revocation', new Set(['ocsp'])],
  ]);
  assert.deepEqual(cycleThrough(graph, 'ocsp'), ['ocsp', 'revocation', 'ocsp']);
  assert.equal(cycleThrough(new Map([['ocsp', new Set(['core'])]]), 'ocsp'), undefined);
});
