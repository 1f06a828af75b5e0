/** `certwarden ca issue`: issue a server or client certificate (optionally for a CSR's key). */
import { parseCsr } from '../../ca/csr.ts';
import type { Command } from '../command.ts';
import { optionalString, parseCommandArgs, parseFormat, readInputFile, requireString, usageError } from '../args.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJson, type Io } from '../output.ts';
import { CA_COMMON_OPTIONS, CA_COMMON_USAGE, describeIssued, openCa, parseDays, writeIssued } from './ca-common.ts';

const command: Command = {
  summary: 'issue a server or client certificate',
  usage: `Usage: certwarden ca issue --profile server|client --san DNS:NAME|IP:ADDR... --out PREFIX
       [--csr FILE] [--must-staple] [--days N] [--format text|json]

Writes PREFIX.pem, PREFIX.chain.pem (certificate + issuing CA) and, when the
key is generated here, PREFIX.key (0600). With --csr the CSR's self-signature
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
    const publicKey = csrPath ? parseCsr(await readInputFile(csrPath, 'certificate request')).publicKey : undefined;
    const ca = openCa(args, io);
    try {
      const r = ca.issue({ profile, sans: (args.values.san as string[] | undefined) ?? [], mustStaple: args.values['must-staple'] === true, ...(publicKey ? { publicKey } : {}), ...(days !== undefined ? { days } : {}) });
      const files = writeIssued(out, r);
      const info = describeIssued(r, files);
      if (format === 'json') writeJson(io, info);
      else io.stdout.write(`issued ${r.certificate.serialHex} ${r.certificate.subject} until ${r.certificate.notAfter.toISOString()}\n  ${files.join('\n  ')}\n`);
      return ExitCode.OK;
    } finally {
      ca.close();
    }
  },
};

export default command;
