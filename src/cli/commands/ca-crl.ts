/** `certwarden ca crl`: sign and write a CRL with the next cRLNumber. */
import { CrlPublisher } from '../../ca/crl-publisher.ts';
import { loadRoot, publishRootCrl } from '../../ca/root-crl.ts';
import { PUBLIC_FILE_MODE, writeFileSafely } from '../../ca/safe-write.ts';
import { toPem } from '../../util/pem.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, openCa, parseDays } from './ca-common.ts';

const command: Command = {
  summary: 'publish a signed CRL (monotonic cRLNumber)',
  usage: `Usage: certwarden ca crl [--root] [--out FILE] [--days N] [--format text|json]

Writes DER to FILE (PEM when FILE ends in .pem); without --out, PEM goes to
stdout. --days sets nextUpdate (default 7). --root signs the root's CRL (for
the issuing CA certificate) instead and also writes it to DIR/root.crl, which
\`ca serve\` serves at /root.crl (it re-signs it itself while it runs).

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, { ...CA_COMMON_OPTIONS, root: { type: 'boolean' }, out: { type: 'string' }, days: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const days = parseDays(args);
    if (days !== undefined && (days < 1 || days > 366)) throw usageError('--days must be from 1 to 366');
    const out = optionalString(args, 'out');
    const ca = await openCa(args, io);
    try {
      const validityMs = (days ?? 7) * 86_400_000;
      let crl;
      if (args.values.root === true) {
        const root = await loadRoot(ca);
        if (!root) throw usageError(`${ca.files.description} holds no root key (an imported CA, or a root kept offline): its root's CRL is published by whoever holds that key`);
        crl = await publishRootCrl(ca, root, validityMs);
      } else {
        crl = await new CrlPublisher(ca, validityMs).publish();
      }
      if (out) {
        // A CRL file is meant to be replaced by the next one: atomically, so a web server never serves half of one.
        writeFileSafely(out, out.endsWith('.pem') ? toPem(crl.der, 'X509 CRL') : crl.der, { mode: PUBLIC_FILE_MODE, overwrite: true });
      }
      const info = { crlNumber: crl.number.toString(), thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, entries: crl.entries, ...(out ? { file: out } : {}) };
      if (format === 'json') writeJson(io, info);
      else if (out) io.stdout.write(`CRL #${info.crlNumber} with ${crl.entries} entries, next update ${crl.nextUpdate.toISOString()}: ${out}\n`);
      else io.stdout.write(toPem(crl.der, 'X509 CRL'));
      return ExitCode.OK;
    } finally {
      await ca.close();
    }
  },
};

export default command;
