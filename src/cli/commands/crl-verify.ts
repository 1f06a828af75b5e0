/**
 * `certwarden crl verify`: check a certificate against a CRL, with every
 * RFC 5280 §6.3 check (see docs/crl.md). Offline: no network.
 */
import { Certificate } from '../../x509/certificate.ts';
import { verifyCrlForCertificate } from '../../crl/verify.ts';
import { parseAt, parseCommandArgs, parseFormat, parseSecondsMs, readInputFile, requireString } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { pickIssuer, renderStatusText } from './status-output.ts';

const command: Command = {
  summary: 'check a certificate against a CRL (offline)',
  usage: `Usage: certwarden crl verify --crl FILE --issuer FILE --cert FILE [--at ISO-8601] [--max-age SECONDS] [--format json|text]

Status: good | revoked | invalid ("invalid": the CRL cannot be used: bad
signature, wrong issuer, stale, out of scope, malformed...). --issuer may hold
several certificates (key rollover). Exit 0 only for "good".`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      crl: { type: 'string' },
      cert: { type: 'string' },
      issuer: { type: 'string' },
      at: { type: 'string' },
      'max-age': { type: 'string' },
      format: { type: 'string' },
    });
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const at = parseAt(args);
    const maxAgeMs = parseSecondsMs(args, 'max-age');
    const crlDer = await readInputFile(requireString(args, 'crl'), 'CRL');
    const certificate = Certificate.parse(await readInputFile(requireString(args, 'cert'), 'certificate'));
    const issuers = Certificate.parseAll(await readInputFile(requireString(args, 'issuer'), 'issuer certificate'));
    const { issuer, candidates } = pickIssuer(certificate, issuers);
    const v = verifyCrlForCertificate(crlDer, certificate, [issuer, ...candidates], { at, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
    const out = { ...v, certificate: { subject: certificate.subject, serial: certificate.serialHex }, at };
    if (format === 'json') writeJson(io, out);
    else io.stdout.write(renderStatusText(palette(io), 'CRL', out));
    return v.status === 'good' ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
