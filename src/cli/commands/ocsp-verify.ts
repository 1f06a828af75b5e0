/**
 * `certwarden ocsp verify`: verify a saved OCSP response for a certificate,
 * with every RFC 6960 check (see docs/ocsp.md). Offline: no network.
 */
import { verifyOcspResponse } from '../../ocsp/verify.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { MAX_OCSP_RESPONSE_FILE_BYTES, readOfflineStatusInputs, renderStatusText } from './status-output.ts';

const command: Command = {
  summary: 'verify a saved OCSP response for a certificate (offline)',
  usage: `Usage: certwarden ocsp verify --response FILE --cert FILE --issuer FILE [--at ISO-8601] [--max-age SECONDS] [--format json|text]

Status: good | revoked | unknown | invalid ("invalid": the response cannot be
trusted; the reasons say why). Inputs may be PEM or DER (the response may also
be base64). --issuer may hold several certificates, e.g. the issuer before and
after a key rollover. Exit 0 only for "good".`,
  async run(argv, io: Io) {
    const { format, at, maxAgeMs, objectDer: responseDer, certificate, issuer, candidates } = await readOfflineStatusInputs(argv, 'response', 'OCSP response', MAX_OCSP_RESPONSE_FILE_BYTES);
    const v = verifyOcspResponse(responseDer, { certificate, issuer, issuerCandidates: candidates, at, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
    const out = {
      status: v.status,
      reasons: v.reasons,
      certificate: { subject: certificate.subject, serial: certificate.serialHex },
      producedAt: v.producedAt,
      thisUpdate: v.thisUpdate,
      nextUpdate: v.nextUpdate,
      revocationTime: v.revocationTime,
      revocationReason: v.revocationReason,
      signer: v.signer,
      responder: v.responderCertificate?.subject,
      at,
    };
    if (format === 'json') writeJson(io, out);
    else io.stdout.write(renderStatusText(palette(io), 'OCSP response', out));
    return v.status === 'good' ? ExitCode.OK : ExitCode.REJECTED;
  },
};

export default command;
