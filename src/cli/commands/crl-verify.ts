/**
 * `certwarden crl verify`: check a certificate against a CRL, with every
 * RFC 5280 §6.3 check (see docs/crl.md). Offline: no network.
 */
import { verifyCrlForCertificate } from '../../crl/verify.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { MAX_CRL_FILE_BYTES, readOfflineStatusInputs, renderStatusText } from './status-output.ts';

const command: Command = {
  summary: 'check a certificate against a CRL (offline)',
  usage: `Usage: certwarden crl verify --crl FILE --issuer FILE --cert FILE [--at ISO-8601] [--max-age SECONDS] [--format json|text]

Status: good | revoked | invalid ("invalid": the CRL cannot be used: bad
signature, wrong issuer, stale, out of scope, malformed...). --issuer may hold
several certificates (key rollover). Exit 0 only for "good".`,
  async run(argv, io: Io) {
    const { format, at, maxAgeMs, objectDer: crlDer, certificate, issuer, candidates } = await readOfflineStatusInputs(argv, 'crl', 'CRL', MAX_CRL_FILE_BYTES);
    const v = verifyCrlForCertificate(crlDer, certificate, [issuer, ...candidates], { at, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
    const out = { ...v, certificate: { subject: certificate.subject, serial: certificate.serialHex }, at };
    if (format === 'json') writeJson(io, out);
    else io.stdout.write(renderStatusText(palette(io), 'CRL', out));
    return v.status === 'good' ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
