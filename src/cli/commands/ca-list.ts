/** `certwarden ca list`: what the CA issued, with status. */
import type { IssuedRecord } from '../../ca/store.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CertificateAuthority } from '../../ca/ca.ts';
import { escapeControl } from '../../util/terminal.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, caDir, caStore } from './ca-common.ts';

const STATUSES = ['valid', 'revoked', 'expired'] as const;

function statusOf(r: IssuedRecord, now: Date): (typeof STATUSES)[number] {
  return r.revokedAt ? 'revoked' : r.notAfter.getTime() < now.getTime() ? 'expired' : 'valid';
}

const command: Command = {
  summary: 'list issued certificates (serial, subject, SANs, status, expiry)',
  usage: `Usage: certwarden ca list [--status valid|revoked|expired] [--san PATTERN] [--format text|json]

PATTERN is a substring or a glob such as "*.internal.example". Listing needs
no passphrase (it decrypts no key); a --passphrase-file given anyway is ignored.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, status: { type: 'string' }, san: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const status = optionalString(args, 'status');
    if (status !== undefined && !STATUSES.includes(status as never)) throw usageError(`--status must be one of ${STATUSES.join(', ')} (got "${status}")`);
    const san = optionalString(args, 'san');
    const store = (await caStore(args, io)) ?? CertificateAuthority.openStore(caDir(args, io));
    try {
      const now = new Date();
      const rows = (await store.list({ ...(status ? { status: status as (typeof STATUSES)[number] } : {}), ...(san !== undefined ? { san } : {}) }))
        .map((r) => ({ serial: r.serial, subject: r.subject, sans: r.sans, profile: r.profile, status: statusOf(r, now), notAfter: r.notAfter, ...(r.revokedAt ? { revokedAt: r.revokedAt, reason: r.reason } : {}) }));
      if (format === 'json') writeJson(io, rows);
      else {
        for (const r of rows) io.stdout.write(`${r.serial}  ${r.status.padEnd(7)}  ${r.notAfter.toISOString()}  ${escapeControl(r.subject)}  ${r.sans.join(',')}\n`);
        io.stdout.write(`${rows.length} certificate(s)\n`);
      }
      return ExitCode.OK;
    } finally {
      await store.close();
    }
  },
};

export default command;
