/**
 * `certwarden demo`: start a small fleet on loopback (its own CA with an OCSP
 * responder and a CRL, and TLS servers configured well and badly), scan it
 * with the real scanner, print the report and stop everything. Exit 0 when
 * every verdict is the one the demo expects (src/demo/fleet.ts).
 */
import { buildDemoFleet, type DemoServer } from '../../demo/fleet.ts';
import { runScan } from '../../scan/runner.ts';
import type { TargetResult } from '../../scan/report.ts';
import { parseCommandArgs, parseFormat } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { renderText } from '../../scan/render/text.ts';
import { renderHtml } from '../../scan/render/html.ts';
import { writeFileSync } from 'node:fs';
import { CertwardenError, ErrorCode } from '../../errors.ts';

/** The demo's servers staple from the first handshake: no cold-cache retries needed. */
const DEMO_SETTINGS = { stapleAttempts: 1, clientAuthSettleMs: 300 };

function asExpected(s: DemoServer, r: TargetResult): boolean {
  const ids = [...r.requirements['V9.2.1'].findings, ...r.requirements['V9.2.4'].findings].map((f) => f.id as string);
  return r.requirements['V9.2.1'].status === s.expect['V9.2.1'] && r.requirements['V9.2.4'].status === s.expect['V9.2.4'] && (s.expect.findings ?? []).every((id) => ids.includes(id));
}

const command: Command = {
  summary: 'scan a demo fleet on loopback (internal CA, OCSP, good and bad TLS servers) and show the verdicts',
  usage: `Usage: certwarden demo [--format text|json] [--html FILE]

Mints a root and issuing CA, a delegated OCSP responder and a CRL, starts TLS
servers on 127.0.0.1 (good with a staple, stapling off, revoked, untrusted CA,
lax and strict mTLS), scans them with \`certwarden scan\` against a policy that
trusts only the demo root, prints the report and stops everything.
--html FILE also writes the scan's single-file HTML report there.
Exit 0 when every verdict is the expected one. Nothing leaves loopback.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { format: { type: 'string' }, html: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const p = palette(io);
    const started = performance.now();
    const fleet = await buildDemoFleet();
    let report;
    try {
      report = await runScan({
        policy: fleet.policy,
        targets: fleet.servers.map((s) => ({ input: `${s.host}:${s.port}`, host: s.host, port: s.port, address: '127.0.0.1' })),
        settings: DEMO_SETTINGS,
        targetTimeoutMs: 15_000,
      });
    } finally {
      await fleet.close();
    }
    if (typeof args.values.html === 'string') {
      try {
        writeFileSync(args.values.html, renderHtml(report));
      } catch (err) {
        throw new CertwardenError(ErrorCode.IO, `cannot write the HTML report to ${args.values.html}: ${(err as Error).message}`, { cause: err });
      }
    }
    const rows = fleet.servers.map((s, i) => ({ server: s, result: report.results[i]!, ok: asExpected(s, report.results[i]!) }));
    const all = rows.every((r) => r.ok);
    if (format === 'json') {
      writeJson(io, {
        asExpected: all,
        expectations: rows.map((r) => ({ name: r.server.name, target: r.result.target, why: r.server.why, expect: r.server.expect, got: { 'V9.2.1': r.result.requirements['V9.2.1'].status, 'V9.2.4': r.result.requirements['V9.2.4'].status }, asExpected: r.ok })),
        report,
      });
    } else {
      io.stdout.write(`${p.bold('certwarden demo')}: ${fleet.servers.length} TLS servers on 127.0.0.1, scanned against a policy that trusts only the demo root\n\n`);
      io.stdout.write(renderText(report, p));
      io.stdout.write('\nexpectations:\n');
      for (const r of rows) {
        io.stdout.write(`  ${r.ok ? p.ok('ok ') : p.bad('BAD')} ${r.server.name.padEnd(14)} V9.2.1=${r.result.requirements['V9.2.1'].status.padEnd(5)} V9.2.4=${r.result.requirements['V9.2.4'].status.padEnd(5)} ${p.dim(r.server.why)}\n`);
      }
      const ms = Math.round(performance.now() - started);
      io.stdout.write(`\n${all ? p.ok('every verdict as expected') : p.bad('some verdicts were not as expected')} (${rows.length} servers, ${ms} ms). Next: certwarden scan --help\n`);
    }
    return all ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
