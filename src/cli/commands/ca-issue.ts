/** `certwarden ca issue`: issue a server or client certificate (optionally for a CSR's key). */
import { parseCsr } from '../../ca/csr.ts';
import { escapeControl } from '../../util/terminal.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, requireString, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { assertOutputsFree, CA_COMMON_OPTIONS, CA_COMMON_USAGE, describeIssued, openCa, parseDays, readCaInput, writeIssued } from './ca-common.ts';

const command: Command = {
  summary: 'issue a server or client certificate',
  usage: `Usage: certwarden ca issue --profile server|client --san DNS:NAME|IP:ADDR... --out PREFIX
       [--csr FILE] [--must-staple] [--days N] [--force] [--format text|json]

Writes PREFIX.pem, PREFIX.chain.pem (certificate + issuing CA) and, when the
key is generated here, PREFIX.key (0600 from creation). Existing files are
never overwritten (the command refuses before issuing) unless --force; files
are written atomically and never through a symlink. With --csr the CSR's self-signature
is verified and only its public key is used; names come from --san.
The serial is printed only after the issuance is committed to the CA database.

${CA_COMMON_USAGE}`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      ...CA_COMMON_OPTIONS,
      profile: { type: 'string' },
      san: { type: 'string', multiple: true },
      csr: { type: 'string' },
      'must-staple': { type: 'boolean' },
      force: { type: 'boolean' },
      days: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
    });
    const format = parseFormat(args, ['text', 'json'], 'text');
    const profile = requireString(args, 'profile');
    if (profile !== 'server' && profile !== 'client') throw usageError(`--profile must be server or client (got "${profile}")`);
    const out = requireString(args, 'out');
    const days = parseDays(args);
    const csrPath = optionalString(args, 'csr');
    const force = args.values.force === true;
    const publicKey = csrPath ? parseCsr(readCaInput(csrPath, 'certificate request')).publicKey : undefined;
    assertOutputsFree(out, publicKey === undefined, force);
    const ca = await openCa(args, io);
    try {
      const r = await ca.issue({ profile, sans: (args.values.san as string[] | undefined) ?? [], mustStaple: args.values['must-staple'] === true, ...(publicKey ? { publicKey } : {}), ...(days !== undefined ? { days } : {}) });
      const files = writeIssued(out, r, force);
      const info = describeIssued(r, files);
      if (format === 'json') writeJson(io, info);
      else io.stdout.write(`issued ${r.certificate.serialHex} ${escapeControl(r.certificate.subject)} until ${r.certificate.notAfter.toISOString()}\n  ${files.join('\n  ')}\n`);
      return ExitCode.OK;
    } finally {
      await ca.close();
    }
  },
};

export default command;
