/**
 * Text output for people: scan's requirement block, then one line per case.
 * Everything the client or the command line chose (stderr, the command) goes
 * through escapeControl: a client's stderr is untrusted text.
 */
import type { Palette } from '../../core/io.ts';
import { requirementLines, severityText, summaryCounts } from '../../report/render/text.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { CaseResult, LimboSummary, ProbeReport } from '../report.ts';

/** Characters of stderr shown per case in text output (the JSON keeps the whole bounded tail). */
export const TEXT_STDERR_CHARS = 200;

/** Words that mark a client's error line (curl, for one, ends with advice after it). */
const ERROR_LINE = /error|fail|invalid|unable|refused|denied|revoked|expired|exception|problem|verify|untrusted|mismatch/i;

/** The client's error line (else its last line), shortened and escaped. */
export function stderrSummary(tail: string): string {
  const lines = tail.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const last = lines.findLast((l) => ERROR_LINE.test(l)) ?? lines.at(-1) ?? '';
  return escapeControl(last.length > TEXT_STDERR_CHARS ? `…${last.slice(-TEXT_STDERR_CHARS)}` : last);
}

function caseLine(c: CaseResult, p: Palette, verbose: boolean): string {
  const mark = c.verdict === 'ok' ? p.ok('ok   ') : c.verdict === 'wrong' ? p.bad('WRONG') : p.bad('ERROR');
  const exit = c.exitStatus !== null ? `exit ${c.exitStatus}` : c.signal ? `signal ${c.signal}` : 'no exit';
  // A limbo id comes from the --limbo file: untrusted text.
  const head = `    ${mark} ${escapeControl(c.id).padEnd(26)} expected ${c.expected.padEnd(6)} got ${c.got.padEnd(8)} ${p.dim(`${exit}, ${c.durationMs} ms`)}`;
  const extra: string[] = [];
  if (c.reason) extra.push(`        ${p.dim(escapeControl(c.reason))}`);
  else if (c.contradiction) extra.push(`        ${p.dim(escapeControl(c.contradiction))}`);
  if (c.verdict !== 'ok' || verbose) {
    const err = stderrSummary(c.stderrTail);
    if (err) extra.push(`        ${p.dim(`stderr: ${err}`)}`);
  }
  return [head, ...extra].join('\n');
}

/** The limbo suite's tally: vectors in the file, run, skipped per reason; --verbose lists every skipped vector. */
function limboLines(l: LimboSummary, p: Palette, verbose: boolean): string[] {
  const skipped = l.skippedByReason.reduce((n, x) => n + x.count, 0);
  const out = [`  limbo ${escapeControl(l.file)}: ${l.testcases} vectors, ${l.applied} run over the wire, ${skipped} skipped`];
  for (const x of l.skippedByReason) out.push(`    ${p.dim(`skipped ${String(x.count).padStart(4)} ${x.reason}: ${x.text}`)}`);
  if (verbose) for (const s of l.skipped) out.push(`    ${p.dim(escapeControl(`skipped ${s.id}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`))}`);
  return out;
}

export function renderProbeText(report: ProbeReport, p: Palette, options: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of report.results) {
    out.push(`${p.bold(escapeControl(r.target))}${r.profile ? p.dim(` profile=${escapeControl(r.profile)}`) : ''}${r.pinning ? p.dim(' pinning') : ''}${r.proxy ? p.dim(' via-proxy') : ''}`);
    out.push(...requirementLines(r, p, (f) => [`        ${severityText(f.severity, p)} ${escapeControl(f.id)}`]));
    out.push('  cases:');
    for (const c of r.cases) out.push(caseLine(c, p, options.verbose === true));
    const ok = r.cases.filter((c) => c.verdict === 'ok').length;
    out.push(`    ${p.dim(`${ok}/${r.cases.length} cases as expected${options.verbose ? '' : ' (--verbose shows the stderr of every case)'}`)}`);
    for (const n of r.notServable) out.push(`    ${p.dim(`not served: ${n.id}: ${n.reason}`)}`);
    if (r.limbo) out.push(...limboLines(r.limbo, p, options.verbose === true));
  }
  const s = report.summary;
  out.push('', `${s.targets} client(s). ${summaryCounts(s)}`);
  return `${out.join('\n')}\n`;
}
