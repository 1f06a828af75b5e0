/** `certwarden ca revoke`: revoke a certificate; visible in the next OCSP answer and CRL. */
import { parseReason, REVOKE_REASONS } from '../../ca/ca.ts';
import { loadRoot, publishRootCrl } from '../../ca/root-crl.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, requireString, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, serialOrCertificate } from './ca-common.ts';

const command: Command = {
  summary: 'revoke a certificate (RFC 5280 reason)',
  usage: `Usage: certwarden ca revoke SERIAL|FILE --reason REASON [--invalidity-date ISO-8601] [--format text|json]
       certwarden ca revoke --issuing-ca --reason REASON [--invalidity-date ISO-8601] [--format text|json]

REASON: ${REVOKE_REASONS.join(', ')}.
Printed only after the revocation is committed; a running \`ca serve\` picks it
up within its poll interval (default 200 ms).
--issuing-ca revokes the issuing CA certificate itself (e.g. cACompromise): the
root signs a new root CRL listing it at once (DIR/root.crl, served by \`ca serve\`
at /root.crl), and this CA home issues nothing more.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, 'issuing-ca': { type: 'boolean' }, reason: { type: 'string' }, 'invalidity-date': { type: 'string' }, format: { type: 'string' } }, true);
    const format = parseFormat(args, ['text', 'json'], 'text');
    const reason = parseReason(requireString(args, 'reason'));
    const inv = optionalString(args, 'invalidity-date');
    const invalidityDate = inv === undefined ? undefined : new Date(inv);
    if (invalidityDate && Number.isNaN(invalidityDate.getTime())) throw usageError(`--invalidity-date must be an ISO-8601 time (got "${inv}")`);
    if (args.values['issuing-ca'] === true) {
      if (args.positionals.length > 0) throw usageError('--issuing-ca revokes the issuing CA: give no SERIAL or FILE with it');
      const ca = await openCa(args, io);
      try {
        const r = await ca.revokeIssuingCa(reason, invalidityDate);
        // The revocation is durable now; the CRL that tells relying parties is signed next.
        const root = await loadRoot(ca);
        const crl = root ? await publishRootCrl(ca, root) : undefined;
        const out = { issuingCa: true, serial: r.serial, subject: ca.issuing.certificate.subject, revokedAt: r.revokedAt, reason: r.reason, invalidityDate: r.invalidityDate, ...(crl ? { rootCrlNumber: crl.number.toString() } : {}) };
        if (format === 'json') writeJson(io, out);
        else io.stdout.write(`revoked the issuing CA ${r.serial} ${out.subject} (${r.reason}) at ${r.revokedAt.toISOString()}${crl ? `; root CRL #${crl.number} lists it` : ''}\n`);
        return ExitCode.OK;
      } finally {
        await ca.close();
      }
    }
    const target = await serialOrCertificate(args.positionals[0]);
    const ca = await openCa(args, io);
    try {
      const r = await ca.revoke(target, reason, invalidityDate);
      const out = { serial: r.serial, subject: r.subject, revokedAt: r.revokedAt, reason: r.reason, invalidityDate: r.invalidityDate };
      if (format === 'json') writeJson(io, out);
      else io.stdout.write(`revoked ${r.serial} ${escapeControl(r.subject)} (${r.reason}) at ${r.revokedAt!.toISOString()}\n`);
      return ExitCode.OK;
    } finally {
      await ca.close();
    }
  },
};

export default command;
