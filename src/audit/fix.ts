/**
 * Fixes as line edits: each rule's edits are applied to the file text line by
 * line, so comments and formatting outside the changed lines stay byte for
 * byte. Output: a unified diff, a copy under a folder, or an in-place edit
 * with a backup.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { CertwardenError, ErrorCode } from '../errors.ts';
import type { Edit } from './rules/rule.ts';

export interface FixedFile {
  /** Reported path. */
  file: string;
  /** Path on disk. */
  path: string;
  before: string;
  after: string;
}

/**
 * Apply edits per file. Duplicate edits (a snippet included by several
 * servers) apply once; a second replace of a line is dropped unless every
 * replace of that line carries `apply`, in which case they compose in order.
 */
export function applyEdits(edits: readonly Edit[], texts: ReadonlyMap<string, string>, diskPaths: ReadonlyMap<string, string>): FixedFile[] {
  const byFile = new Map<string, Edit[]>();
  for (const e of edits) {
    if (!diskPaths.has(e.file) || !texts.has(e.file)) continue; // nginx -T parts have no file of their own to edit
    const list = byFile.get(e.file) ?? [];
    if (!list.some((x) => x.line === e.line && x.kind === e.kind && x.text.join('\n') === e.text.join('\n'))) list.push(e);
    byFile.set(e.file, list);
  }
  const out: FixedFile[] = [];
  for (const [file, list] of byFile) {
    const before = texts.get(file)!;
    const lines = before.split('\n');
    const result: string[] = [];
    lines.forEach((text, i) => {
      const here = list.filter((e) => e.line === i + 1);
      for (const e of here.filter((x) => x.kind === 'insert-before')) result.push(...e.text);
      const replaces = here.filter((x) => x.kind === 'replace');
      if (replaces.length > 1 && replaces.every((x) => x.apply)) result.push(replaces.reduce((line, x) => x.apply!(line), text));
      else if (replaces[0]) result.push(...replaces[0].text);
      else result.push(text);
      for (const e of here.filter((x) => x.kind === 'insert-after')) result.push(...e.text);
    });
    const after = result.join('\n');
    if (after !== before) out.push({ file, path: diskPaths.get(file)!, before, after });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Lines of context around each change, as diff -u. */
const CONTEXT = 3;

/** A unified diff of two texts (Myers' O(ND) algorithm; fixes change few lines, so D is small). */
export function unifiedDiff(before: string, after: string, file: string): string {
  // A final newline is not a line of its own.
  const a = (before.endsWith('\n') ? before.slice(0, -1) : before).split('\n');
  const b = (after.endsWith('\n') ? after.slice(0, -1) : after).split('\n');
  const ops = diffOps(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.op === '=') {
      i++;
      continue;
    }
    let start = Math.max(0, i - CONTEXT);
    let end = i;
    // Extend while changes are within 2*CONTEXT of each other.
    for (;;) {
      while (end < ops.length && ops[end]!.op !== '=') end++;
      let next = end;
      while (next < ops.length && ops[next]!.op === '=' && next - end < 2 * CONTEXT) next++;
      if (next < ops.length && ops[next]!.op !== '=' ) {
        end = next;
        continue;
      }
      end = Math.min(ops.length, end + CONTEXT);
      break;
    }
    const slice = ops.slice(start, end);
    const aStart = (slice[0]?.a ?? 0) + 1;
    const bStart = (slice[0]?.b ?? 0) + 1;
    const aLen = slice.filter((o) => o.op !== '+').length;
    const bLen = slice.filter((o) => o.op !== '-').length;
    hunks.push(`@@ -${aLen === 0 ? aStart - 1 : aStart},${aLen} +${bLen === 0 ? bStart - 1 : bStart},${bLen} @@`);
    for (const o of slice) hunks.push(`${o.op === '=' ? ' ' : o.op}${o.text}`);
    i = end;
    start = end;
  }
  if (hunks.length === 0) return '';
  const [from, to] = isAbsolute(file) ? [file, file] : [`a/${file}`, `b/${file}`];
  return [`--- ${from}`, `+++ ${to}`, ...hunks, ''].join('\n');
}

interface Op {
  op: '=' | '-' | '+';
  text: string;
  /** Index in a (for = and -) or position in a where an insertion lands. */
  a: number;
  b: number;
}

function diffOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Map<number, number>([[1, 0]]);
  const trace: Map<number, number>[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(new Map(v));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v.get(k - 1) ?? -1) < (v.get(k + 1) ?? -1)) ? v.get(k + 1) ?? 0 : (v.get(k - 1) ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v.set(k, x);
      if (x >= n && y >= m) break outer;
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && (vd.get(k - 1) ?? -1) < (vd.get(k + 1) ?? -1)) ? k + 1 : k - 1;
    const prevX = vd.get(prevK) ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: '=', text: a[x - 1]!, a: x - 1, b: y - 1 });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: '+', text: b[y - 1]!, a: x, b: y - 1 });
      else ops.push({ op: '-', text: a[x - 1]!, a: x - 1, b: y });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Where `--fix DIR` writes a file: its path relative to the input it came from (a single input file lands at DIR/its-name). */
export function fixTarget(dir: string, fixed: FixedFile, inputs: readonly { path: string; isDir: boolean }[]): string {
  const abs = resolve(fixed.path);
  for (const input of inputs) {
    const root = input.isDir ? resolve(input.path) : dirname(resolve(input.path));
    const rel = relative(root, abs);
    if (!input.isDir && abs === resolve(input.path)) return join(dir, basename(abs));
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return join(dir, rel);
  }
  // Reached through an absolute include outside every input: keep its absolute path under DIR.
  return join(dir, '_outside', normalize(abs));
}

export function writeFixes(fixed: readonly FixedFile[], dir: string, inputs: readonly { path: string; isDir: boolean }[]): string[] {
  return fixed.map((f) => {
    const target = fixTarget(dir, f, inputs);
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.after);
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot write ${target}: ${(cause as Error).message}`, { cause });
    }
    return target;
  });
}

/** Edit in place: the original is kept as FILE.certwarden-bak (or .certwarden-bak.N when that exists), then the new text replaces the file atomically. */
export function writeInPlace(fixed: readonly FixedFile[]): { file: string; backup: string }[] {
  return fixed.map((f) => {
    let backup = `${f.path}.certwarden-bak`;
    for (let n = 1; existsSync(backup); n++) backup = `${f.path}.certwarden-bak.${n}`;
    try {
      // sites-enabled/x is often a link to sites-available/x: edit the file it points at and keep the link.
      const real = realpathSync(f.path);
      copyFileSync(real, backup);
      // The replacement keeps the original's mode and owner: configurations are often 0640 root:www-data.
      const st = statSync(real);
      const tmp = `${real}.certwarden-tmp`;
      writeFileSync(tmp, f.after, { mode: st.mode & 0o7777 });
      chmodSync(tmp, st.mode & 0o7777);
      if (process.getuid?.() === 0) chownSync(tmp, st.uid, st.gid);
      renameSync(tmp, real);
    } catch (cause) {
      throw new CertwardenError(ErrorCode.IO, `cannot edit ${f.file} in place: ${(cause as Error).message}`, { cause });
    }
    return { file: f.file, backup };
  });
}
