/**
 * `certwarden demo`: mint a PKI, start a revocation responder on loopback,
 * evaluate a dozen chains against a policy and print what certwarden finds.
 * Stops everything when done. Exit 0 when every verdict is the expected one.
 */
import { buildDemoFleet } from '../../demo/scenarios.ts';
import { evaluateTrust } from '../../trust/evaluate.ts';
import { OcspCache } from '../../ocsp/cache.ts';
import { CrlCache } from '../../crl/cache.ts';
import { parseCommandArgs, parseFormat } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';

const command: Command = {
  summary: 'run certwarden against a demo PKI on loopback and show the verdicts',
  usage: `Usage: certwarden demo [--format text|json]

Mints a root and issuing CA, a delegated OCSP responder and a dozen server
certificates (good, revoked by OCSP and by CRL, expired, wrong host, rogue CA,
pinned and unpinned self-signed, valid and forged staples, Must-Staple, a dead
responder under hard- and soft-fail), serves OCSP and a CRL on 127.0.0.1, and
evaluates each chain against a generated policy. Nothing leaves loopback.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const p = palette(io);
    const started = performance.now();
    const fleet = await buildDemoFleet();
    const ocspCache = new OcspCache();
    const crlCache = new CrlCache();
    const rows = [];
    try {
      for (const c of fleet.cases) {
        const v = await evaluateTrust(c.chain, { policy: fleet.policy, host: c.host, ocspCache, crlCache, ...(c.staple ? { staple: c.staple } : {}) });
        rows.push({ case: c, verdict: v, asExpected: v.trusted === c.expectTrusted });
      }
    } finally {
      await fleet.close();
    }
    const allAsExpected = rows.every((r) => r.asExpected);
    if (format === 'json') {
      writeJson(io, {
        asExpected: allAsExpected,
        results: rows.map((r) => ({
          case: r.case.name,
          host: r.case.host,
          expectTrusted: r.case.expectTrusted,
          trusted: r.verdict.trusted,
          softFailed: r.verdict.revocation?.softFailed ?? false,
          revocation: r.verdict.revocation?.status,
          reasons: r.verdict.reasons.map((x) => x.code),
        })),
      });
    } else {
      io.stdout.write(`${p.bold('certwarden demo')}: policy trusts only the demo root; one rule pins pinned.demo, one makes *.soft.demo soft-fail\n\n`);
      for (const r of rows) {
        const verdict = r.verdict.trusted ? p.ok('TRUSTED ') : p.bad('REJECTED');
        const rev = r.verdict.revocation ? ` revocation=${r.verdict.revocation.status}${r.verdict.revocation.softFailed ? p.warn(' (soft-fail)') : ''}` : '';
        const codes = r.verdict.reasons.map((x) => x.code).filter((c, i, a) => a.indexOf(c) === i);
        io.stdout.write(`${verdict} ${r.case.name.padEnd(26)} ${p.dim(r.case.why)}\n`);
        io.stdout.write(`         ${p.dim(`${r.case.host}${rev}${codes.length ? `  [${codes.slice(0, 4).join(', ')}]` : ''}`)}${r.asExpected ? '' : p.bad('  <- UNEXPECTED')}\n`);
      }
      const ms = Math.round(performance.now() - started);
      io.stdout.write(`\n${allAsExpected ? p.ok('every verdict as expected') : p.bad('some verdicts were not as expected')} (${rows.length} chains, ${ms} ms). Next: certwarden verify --help\n`);
    }
    return allAsExpected ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
