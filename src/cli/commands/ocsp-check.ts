/**
 * `certwarden ocsp check`: ask the certificate's OCSP responder (AIA, or
 * --url) for its status now, and verify the answer.
 */
import { Certificate } from '../../x509/certificate.ts';
import { queryOcsp } from '../../ocsp/fetch.ts';
import { optionalString, parseAt, parseCommandArgs, parseFormat, parseSecondsMs, readInputFile, requireString, usageError } from '../args.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { palette, writeJson, type Io } from '../output.ts';
import { pickIssuer, renderStatusText } from './status-output.ts';

const command: Command = {
  summary: 'query the OCSP responder of a certificate live and verify the answer',
  usage: `Usage: certwarden ocsp check --cert FILE --issuer FILE [--url URL] [--timeout SECONDS] [--post] [--nonce] [--at ISO-8601] [--format json|text]

Queries the responder named in the certificate's Authority Information Access
(or --url), by GET when the request fits (RFC 5019) unless --post, and verifies
the answer with every RFC 6960 check (as of --at instead of now, if given).
Status: good | revoked | unknown | error (unreachable or invalid answer; the
reasons say which). Exit 0 only for good.`,
  async run(argv, io: Io) {
    const args = parseCommandArgs(argv, {
      cert: { type: 'string' },
      issuer: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string' },
      post: { type: 'boolean' },
      nonce: { type: 'boolean' },
      at: { type: 'string' },
      format: { type: 'string' },
    });
    const format = parseFormat(args, ['text', 'json'] as const, 'text');
    const certificate = Certificate.parse(await readInputFile(requireString(args, 'cert'), 'certificate'));
    const issuers = Certificate.parseAll(await readInputFile(requireString(args, 'issuer'), 'issuer certificate'));
    const { issuer, candidates } = pickIssuer(certificate, issuers);
    const url = optionalString(args, 'url');
    if (!url && certificate.ocspUrls.length === 0) throw usageError('the certificate names no OCSP responder; give one with --url');
    const timeoutMs = parseSecondsMs(args, 'timeout');
    const r = await queryOcsp({
      certificate,
      issuer,
      issuerCandidates: candidates,
      at: parseAt(args),
      preferGet: args.values.post !== true,
      nonce: args.values.nonce === true,
      ...(url ? { url } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    const v = r.verification;
    const out = {
      status: r.status,
      reasons: r.reasons,
      url: r.url,
      method: r.method,
      certificate: { subject: certificate.subject, serial: certificate.serialHex },
      producedAt: v?.producedAt,
      thisUpdate: v?.thisUpdate,
      nextUpdate: v?.nextUpdate,
      revocationTime: r.revocationTime,
      revocationReason: r.revocationReason,
      signer: v?.signer,
    };
    if (format === 'json') writeJson(io, out);
    else io.stdout.write(renderStatusText(palette(io), `OCSP (${r.url ?? '?'})`, out));
    if (r.status === 'good') return ExitCode.OK;
    // An answer we could not get is an operational error; a bad or negative answer is a rejection.
    const unreachable = r.reasons.length > 0 && r.reasons.every((x) => /^ocsp-(fetch|http-status|status-try-later|status-internal-error)/.test(x.code));
    return unreachable ? ExitCode.ERROR : ExitCode.REJECTED;
  },
};

export default command;
