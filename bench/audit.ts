/**
 * Audit benchmark: configuration files per second on the shared corpora
 * (../shared/corpora/configs: nginx, Apache, HAProxy written by others), each
 * file audited on its own (parse, includes, rules, report) and each folder as
 * a tree, in-process; the median of several rounds. Prints one JSON line.
 *
 *   node bench/audit.ts            (a few seconds)
 *
 * No peer side by side: gixy (the nginx analyzer) is not packaged for this
 * Debian release (`apt-cache policy gixy` finds no candidate), and pip installs
 * are outside what the project's tests may fetch.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { runAudit } from '../src/audit/run.ts';
import { median } from './stats.ts';

/** Rounds per measurement: enough for a stable median on a shared 2-core machine. */
const ROUNDS = 5;

const here = dirname(fileURLToPath(import.meta.url));
const corpora = [process.env.CERTWARDEN_SHARED && join(process.env.CERTWARDEN_SHARED, 'corpora', 'configs'), join(here, '..', '..', 'shared', 'corpora', 'configs')].find((p): p is string => !!p && existsSync(p));
if (!corpora) {
  process.stderr.write('bench/audit: ../shared/corpora/configs is absent; nothing to measure\n');
  process.exit(0);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /(LICENSE(\.txt)?|README\.md|mime\.types)$/.test(n) ? [] : [p];
  });
}

const result: Record<string, unknown> = { bench: 'audit', corpora, rounds: ROUNDS };
for (const dialect of ['nginx', 'apache', 'haproxy']) {
  const list = files(join(corpora, dialect));
  const perFile: number[] = [];
  const tree: number[] = [];
  let summary;
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    for (const f of list) runAudit({ paths: [f] });
    perFile.push(performance.now() - t);
    t = performance.now();
    summary = runAudit({ paths: [join(corpora, dialect)] }).report.summary;
    tree.push(performance.now() - t);
  }
  const ms = median(perFile);
  result[dialect] = {
    files: list.length,
    per_file_files_per_second: Math.round((list.length / ms) * 1000),
    per_file_ms_median: Number((ms / list.length).toFixed(3)),
    tree_ms_median: Number(median(tree).toFixed(1)),
    tree_files_read: summary?.files,
    tree_results: summary?.targets,
  };
}
const gixy = spawnSync('apt-cache', ['policy', 'gixy'], { encoding: 'utf8' });
result.gixy = /Candidate: (?!\(none\))/.test(gixy.stdout ?? '') ? 'packaged but not compared' : 'not packaged for this Debian release (apt-cache policy gixy: no candidate)';
console.log(JSON.stringify(result));
