/** `certwarden ca crl`: sign and write a CRL with the next cRLNumber. */
import { writeFileSync } from 'node:fs';
import { CrlPublisher } from '../../ca/crl-publisher.ts';
import { CertwardenError, ErrorCode } from '../../errors.ts';
import { toPem } from '../../util/pem.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, parseDays } from './ca-common.ts';

const command: Command = {
  summary: 'publish a signed CRL (monotonic cRLNumber)',
  usage: `Usage: certwarden ca crl [--out FILE] [--days N] [--format text|json]

Writes DER to FILE (PEM when FILE ends in .pem); without --out, PEM goes to
stdout. --days sets nextUpdate (default 7).

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, out: { type: 'string' }, days: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const days = parseDays(args);
    if (days !== undefined && (days < 1 || days > 366)) throw usageError('--days must be from 1 to 366');
    const out = optionalString(args, 'out');
    const ca = openCa(args, io);
    try {
      const crl = new CrlPublisher(ca, (days ?? 7) * 86_400_000).publish();
      if (out) {
        try {
          writeFileSync(out, out.endsWith('.pem') ? toPem(crl.der, 'X509 CRL') : crl.der);
        } catch (cause) {
          throw new CertwardenError(ErrorCode.IO, `cannot write ${out}: ${(cause as NodeJS.ErrnoException).code ?? ''}`, { cause });
        }
      }
      const info = { crlNumber: crl.number.toString(), thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, entries: crl.entries, ...(out ? { file: out } : {}) };
      if (format === 'json') writeJson(io, info);
      else if (out) io.stdout.write(`CRL #${info.crlNumber} with ${crl.entries} entries, next update ${crl.nextUpdate.toISOString()}: ${out}\n`);
      else io.stdout.write(toPem(crl.der, 'X509 CRL'));
      return ExitCode.OK;
    } finally {
      ca.close();
    }
  },
};

export default command;
