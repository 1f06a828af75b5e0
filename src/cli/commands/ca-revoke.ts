/** `certwarden ca revoke`: revoke a certificate; visible in the next OCSP answer and CRL. */
import { parseReason, REVOKE_REASONS } from '../../ca/ca.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, requireString, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, serialOrCertificate } from './ca-common.ts';

const command: Command = {
  summary: 'revoke a certificate (RFC 5280 reason)',
  usage: `Usage: certwarden ca revoke SERIAL|FILE --reason REASON [--invalidity-date ISO-8601] [--format text|json]

REASON: ${REVOKE_REASONS.join(', ')}.
Printed only after the revocation is committed; a running \`ca serve\` picks it
up within its poll interval (default 200 ms).

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, reason: { type: 'string' }, 'invalidity-date': { type: 'string' }, format: { type: 'string' } }, true);
    const format = parseFormat(args, ['text', 'json'], 'text');
    const reason = parseReason(requireString(args, 'reason'));
    const inv = optionalString(args, 'invalidity-date');
    const invalidityDate = inv === undefined ? undefined : new Date(inv);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw usageError(`--invalidity-date must be an ISO-8601 time (got "${inv}")`);
    const target = await serialOrCertificate(args.positionals[0]);
    const ca = openCa(args, io);
    try {
      const r = ca.revoke(target, reason, invalidityDate);
      const out = { serial: r.serial, subject: r.subject, revokedAt: r.revokedAt, reason: r.reason, invalidityDate: r.invalidityDate };
      if (format === 'json') writeJson(io, out);
      else io.stdout.write(`revoked ${r.serial} ${r.subject} (${r.reason}) at ${r.revokedAt!.toISOString()}\n`);
      return ExitCode.OK;
    } finally {
      ca.close();
    }
  },
};

export default command;
