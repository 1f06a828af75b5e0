/** `certwarden ca renew`: re-issue a certificate with the same key and names and a new serial. */
import type { Command } from '../command.ts';
import { parseCommandArgs, parseFormat, requireString } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { assertOutputsFree, CA_COMMON_OPTIONS, CA_COMMON_USAGE, describeIssued, openCa, parseDays, serialOrCertificate, writeIssued } from './ca-common.ts';

const command: Command = {
  summary: 'renew a certificate (same key and SANs, new serial)',
  usage: `Usage: certwarden ca renew SERIAL|FILE --out PREFIX [--days N] [--force] [--format text|json]

Writes PREFIX.pem and PREFIX.chain.pem. The old certificate stays valid until
it expires or is revoked (\`certwarden ca revoke OLD --reason superseded\`).
Existing files are not overwritten unless --force.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, days: { type: 'string' }, force: { type: 'boolean' }, out: { type: 'string' }, format: { type: 'string' } }, true);
    const format = parseFormat(args, ['text', 'json'], 'text');
    const out = requireString(args, 'out');
    const days = parseDays(args);
    const force = args.values.force === true;
    assertOutputsFree(out, false, force);
    const target = await serialOrCertificate(args.positionals[0]);
    const ca = await openCa(args, io);
    try {
      const r = await ca.renew(target, days);
      const files = writeIssued(out, r, force);
      if (format === 'json') writeJson(io, describeIssued(r, files));
      else io.stdout.write(`renewed as ${r.certificate.serialHex} ${r.certificate.subject} until ${r.certificate.notAfter.toISOString()}\n  ${files.join('\n  ')}\n`);
      return ExitCode.OK;
    } finally {
      await ca.close();
    }
  },
};

export default command;
